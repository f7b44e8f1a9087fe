using System.Globalization;

namespace Churn.Data;

/// <summary>What a <see cref="CsvTable"/> column holds.</summary>
public enum CsvColumnKind
{
    /// <summary>Finite numbers; a blank cell is missing (NaN).</summary>
    Number = 0,

    /// <summary>Text; a blank cell is missing (null).</summary>
    Text,

    /// <summary>Instants (ISO 8601; without an offset, UTC); a blank cell is missing.</summary>
    Date,
}

/// <summary>What becomes of a cell that is not a number in a column that holds numbers.</summary>
public enum UnparsableNumberHandling
{
    /// <summary>Read as missing (NaN), counted as a warning with its position.</summary>
    Missing = 0,

    /// <summary>The row is rejected, with its position.</summary>
    Reject,
}

/// <summary>What becomes of a text cell outside its column's <see cref="CsvTableOptions.KnownValues"/>.</summary>
public enum UnknownValueHandling
{
    /// <summary>Kept as written, counted as a warning with its position (and the closest known value).</summary>
    Warn = 0,

    /// <summary>The row is rejected, with its position.</summary>
    Reject,
}

/// <summary>Options of <see cref="CsvTable.Read(string, IngestReport, CsvTableOptions?, CancellationToken)"/>.</summary>
public sealed class CsvTableOptions
{
    /// <summary>Gets or sets the field delimiter.</summary>
    /// <value>The default is a comma.</value>
    public char Delimiter { get; set; } = ',';

    /// <summary>Gets or sets whether to stop at the first bad row.</summary>
    /// <value>The default is <see cref="ErrorMode.CollectAll"/>.</value>
    public ErrorMode ErrorMode { get; set; } = ErrorMode.CollectAll;

    /// <summary>Gets or sets the columns read as text whatever they hold (ids, labels).</summary>
    /// <value>The default is none.</value>
    public IList<string> TextColumns { get; set; } = [];

    /// <summary>Gets or sets the columns read as instants; a cell that is not one rejects its row.</summary>
    /// <value>The default is none.</value>
    public IList<string> DateColumns { get; set; } = [];

    /// <summary>Gets or sets the columns that must not be blank; a blank cell rejects its row.</summary>
    /// <value>The default is none.</value>
    public IList<string> RequiredColumns { get; set; } = [];

    /// <summary>Gets or sets the columns read as numbers by <see cref="CsvTable.ReadChunks"/> (a cell that is not a finite number rejects its row).</summary>
    /// <value>The default is none.</value>
    public IList<string> NumberColumns { get; set; } = [];

    /// <summary>Gets or sets the largest magnitude a number may have; a larger one rejects its row like a non-finite one (models hold numbers in single precision: <see cref="float.MaxValue"/>).</summary>
    /// <value>The default is <see cref="double.MaxValue"/>.</value>
    public double NumberLimit { get; set; } = double.MaxValue;

    /// <summary>Gets or sets the share of a column's non-blank cells that must be numbers for <see cref="CsvTable.Read(string, IngestReport, CsvTableOptions?, CancellationToken)"/> to read it as a number column; its other cells are then unparsable (see <see cref="UnparsableNumbers"/>), so one <c>n/a</c> does not turn a number column into a category.</summary>
    /// <value>The default is 0.95.</value>
    public double MinNumericShare { get; set; } = 0.95;

    /// <summary>Gets or sets what becomes of a cell that is not a number in a column read as numbers: missing with a warning, or its row rejected.</summary>
    /// <value>The default is <see cref="UnparsableNumberHandling.Missing"/>.</value>
    public UnparsableNumberHandling UnparsableNumbers { get; set; } = UnparsableNumberHandling.Missing;

    /// <summary>Gets or sets, for text columns read by <see cref="CsvTable.ReadChunks"/>, the values they are expected to hold (a model's training categories); a cell outside them is warned about or rejects its row, by <see cref="UnknownValues"/>.</summary>
    /// <value>The default is none (any value).</value>
    public IDictionary<string, IReadOnlySet<string>> KnownValues { get; set; } = new Dictionary<string, IReadOnlySet<string>>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets or sets what becomes of a cell outside its column's <see cref="KnownValues"/>.</summary>
    /// <value>The default is <see cref="UnknownValueHandling.Warn"/>.</value>
    public UnknownValueHandling UnknownValues { get; set; } = UnknownValueHandling.Warn;

    /// <summary>Gets or sets a value indicating whether other columns whose every value is an instant (at least a full date, such as 2026-01-01) are read as instants instead of text.</summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool InferDates { get; set; }
}

/// <summary>One column of a <see cref="CsvTable"/>.</summary>
/// <param name="Name">The header name.</param>
/// <param name="Kind">What it holds.</param>
/// <param name="Numbers">The values of a number column (NaN = missing).</param>
/// <param name="Texts">The values of a text column (null = missing; repeated values share one string).</param>
/// <param name="Dates">The values of a date column as UTC ticks (<see cref="long.MinValue"/> = missing).</param>
public sealed record CsvTableColumn(string Name, CsvColumnKind Kind, double[]? Numbers, string?[]? Texts, long[]? Dates);

/// <summary>
/// A CSV table read into typed columns, with the accounting every Churn.Data reader keeps: each
/// rejected row is an <see cref="IngestError"/> with file, line, column and reason, and rows read
/// = accepted + rejected. A column is a number column while every cell is a finite number or blank
/// (a cell such as <c>1e400</c> or <c>Infinity</c> rejects its row rather than silently turning the
/// column into text) and at least <see cref="CsvTableOptions.MinNumericShare"/> of its non-blank
/// cells are numbers: the few others (<c>n/a</c>, <c>?</c>) are read as missing with a warning, or
/// reject their rows, by <see cref="CsvTableOptions.UnparsableNumbers"/>. Otherwise it is a text
/// column, every cell kept as written. Model tables, rule-set runs and customer files read through it.
/// </summary>
/// <remarks>Immutable once read.</remarks>
public sealed class CsvTable
{
    private readonly long[] _lines;

    private CsvTable(string source, CsvTableColumn[] columns, long[] lines)
    {
        Source = source;
        Columns = columns;
        _lines = lines;
    }

    /// <summary>Gets the name errors are reported under (the file name).</summary>
    public string Source { get; }

    /// <summary>Gets the columns, in header order.</summary>
    public IReadOnlyList<CsvTableColumn> Columns { get; }

    /// <summary>Gets the number of accepted rows.</summary>
    public int RowCount => _lines.Length;

    /// <summary>Gets the physical line of each accepted row (the header is line 1).</summary>
    public IReadOnlyList<long> Lines => _lines;

    /// <summary>Finds a column by name, case-insensitively.</summary>
    /// <param name="name">The name.</param>
    /// <returns>Its position, or -1.</returns>
    public int IndexOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        for (var i = 0; i < Columns.Count; i++)
        {
            if (string.Equals(Columns[i].Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Reads a CSV file with a header row.</summary>
    /// <param name="path">The file.</param>
    /// <param name="report">Receives the accounting and the errors.</param>
    /// <param name="options">Delimiter, error mode and column kinds; defaults when null.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The accepted rows, in columns.</returns>
    /// <exception cref="IngestException">The file is missing or empty, a named column is not in the header, or (fail-fast) a row is bad.</exception>
    public static CsvTable Read(string path, IngestReport report, CsvTableOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(report);
        options ??= new CsvTableOptions();
        if (!(options.MinNumericShare is >= 0.5 and <= 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MinNumericShare, "MinNumericShare must be between 0.5 and 1.");
        }

        if (!File.Exists(path))
        {
            throw new IngestException(new IngestError(path, 0, 0, null, $"file '{path}' does not exist"));
        }

        var source = Path.GetFileName(path);
        // Errors are gathered here and told to the report in line order at the end, when the rows
        // rejected for a non-finite number are known too.
        var found = new List<IngestError>();
        var scratch = new IngestReport(0, found.Add);
        using var csv = CsvRecordSource.Open(Open(path), source, options.Delimiter, scratch, options.ErrorMode);
        csv.RequireUniqueHeader();
        var names = csv.Header;
        int[] Ordinals(IList<string> list, string option) => [.. list.Select(n => csv.Ordinal(n) is var i and >= 0 ? i : throw csv.MissingColumn(n, option))];
        var text = Ordinals(options.TextColumns, "TextColumns");
        var dates = Ordinals(options.DateColumns, "DateColumns");
        var required = Ordinals(options.RequiredColumns, "RequiredColumns");
        var width = names.Length;
        var kind = new CsvColumnKind[width];
        foreach (var i in text)
        {
            kind[i] = CsvColumnKind.Text;
        }

        foreach (var i in dates)
        {
            kind[i] = CsvColumnKind.Date;
        }

        var declared = kind.Select(k => k != CsvColumnKind.Number).ToArray();
        var fromStart = new bool[width];
        var numbers = new Chunks<double>?[width];
        var texts = new Chunks<string?>?[width];
        var ticks = new Chunks<long>?[width];
        var pools = new TextPool?[width];

        // Undeclared columns: counted while read, their kind decided at the end (a few unparsable
        // cells do not turn a number column into text).
        var numeric = new long[width];
        var nonEmpty = new long[width];
        var badRows = new Chunks<int>?[width];
        var badDates = new bool[width];
        var settledText = new bool[width];
        for (var i = 0; i < width; i++)
        {
            switch (kind[i])
            {
                case CsvColumnKind.Number:
                    numbers[i] = [];
                    badRows[i] = [];
                    break;
                case CsvColumnKind.Text:
                    texts[i] = [];
                    pools[i] = new TextPool();
                    break;
                default:
                    ticks[i] = [];
                    break;
            }
        }

        // Rows with a non-finite number are rejected once the column is known to hold numbers.
        var lines = new Chunks<long>();
        var nonFinite = new List<(int Row, int Column, string Text)>();
        var rowErrors = new List<IngestError>();
        while (csv.MoveNext(cancellationToken))
        {
            string? problem = null;
            var problemColumn = -1;
            foreach (var i in required)
            {
                if (csv.Field(i).IsEmpty)
                {
                    (problem, problemColumn) = ($"'{names[i]}' is empty", i);
                    break;
                }
            }

            for (var i = 0; i < width && problem is null; i++)
            {
                if (kind[i] != CsvColumnKind.Date || !declared[i])
                {
                    continue;
                }

                var v = csv.Field(i);
                if (!v.IsEmpty && !TryDate(v, out _))
                {
                    (problem, problemColumn) = (DateProblem(v), i);
                }
            }

            if (problem is not null)
            {
                csv.Reject(problemColumn, problem);
                continue;
            }

            var row = lines.Count;
            for (var i = 0; i < width; i++)
            {
                var v = csv.Field(i);
                if (declared[i])
                {
                    if (kind[i] == CsvColumnKind.Text)
                    {
                        texts[i]!.Add(v.IsEmpty ? null : pools[i]!.Get(v));
                    }
                    else
                    {
                        ticks[i]!.Add(v.IsEmpty ? long.MinValue : TryDate(v, out var d) ? d : long.MinValue);
                    }

                    continue;
                }

                if (row == 0 && !v.IsEmpty && !double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                {
                    // A first cell that is not a number: keep the texts from the start too, in case the column holds text.
                    fromStart[i] = true;
                    pools[i] = new TextPool();
                    texts[i] = [];
                }

                texts[i]?.Add(v.IsEmpty ? null : pools[i]!.Get(v));
                if (settledText[i])
                {
                    continue;
                }

                if (v.IsEmpty)
                {
                    numbers[i]!.Add(double.NaN);
                    continue;
                }

                nonEmpty[i]++;
                if (double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var x))
                {
                    if (!double.IsFinite(x) || Math.Abs(x) > options.NumberLimit)
                    {
                        nonFinite.Add((row, i, v.ToString()));
                    }

                    numbers[i]!.Add(x);
                    numeric[i]++;
                }
                else
                {
                    numbers[i]!.Add(double.NaN);
                    badRows[i]!.Add(row);
                    badDates[i] |= !TryDate(v, out _);
                    if (nonEmpty[i] >= SettleAfter && badRows[i]!.Count * 2 > nonEmpty[i])
                    {
                        // Mostly text after a thousand cells: settled, the numbers are let go.
                        settledText[i] = true;
                        numbers[i] = null;
                        badRows[i] = null;
                    }
                }
            }

            lines.Add(csv.Line);
        }

        // The kinds of the undeclared columns.
        for (var i = 0; i < width; i++)
        {
            if (declared[i])
            {
                continue;
            }

            var bad = settledText[i] ? nonEmpty[i] : badRows[i]!.Count;
            if (bad == 0 || (!settledText[i] && numeric[i] > 0 && bad <= (1 - options.MinNumericShare) * nonEmpty[i]))
            {
                continue;
            }

            kind[i] = options.InferDates && numeric[i] == 0 && !badDates[i] && !settledText[i] ? CsvColumnKind.Date : CsvColumnKind.Text;
            numbers[i] = null;
            badRows[i] = null;
            if (kind[i] == CsvColumnKind.Date && texts[i] is { } written)
            {
                ticks[i] = [];
                foreach (var t in written.ToArray())
                {
                    ticks[i]!.Add(t is null ? long.MinValue : TryDate(t, out var d) ? d : long.MinValue);
                }

                texts[i] = null;
            }
        }

        // Columns that turned out to hold text (or inferred dates) without their texts kept are read again, as written.
        var again = Enumerable.Range(0, width).Where(i => kind[i] != CsvColumnKind.Number && !declared[i] && !fromStart[i]).ToArray();
        if (again.Length > 0 && lines.Count > 0)
        {
            foreach (var i in again)
            {
                if (kind[i] == CsvColumnKind.Text)
                {
                    texts[i] = [];
                    pools[i] = new TextPool();
                }
                else
                {
                    ticks[i] = [];
                }
            }

            Reread(path, source, options.Delimiter, lines, (second, k) =>
            {
                foreach (var i in again)
                {
                    var v = second.Field(i);
                    if (kind[i] == CsvColumnKind.Text)
                    {
                        texts[i]!.Add(v.IsEmpty ? null : pools[i]!.Get(v));
                    }
                    else
                    {
                        ticks[i]!.Add(v.IsEmpty ? long.MinValue : TryDate(v, out var d) ? d : long.MinValue);
                    }
                }
            }, cancellationToken);
        }

        // Unparsable cells in columns that stayed numeric: warnings (read as missing) or rejected rows.
        var drop = new SortedSet<int>();
        var unparsable = new List<(int Row, int Column)>();
        for (var i = 0; i < width; i++)
        {
            if (kind[i] == CsvColumnKind.Number && badRows[i] is { Count: > 0 } rows)
            {
                foreach (var r in rows.ToArray())
                {
                    unparsable.Add((r, i));
                }
            }
        }

        unparsable.Sort();
        var warnings = new List<IngestError>();
        if (unparsable.Count > 0)
        {
            // The cells' text, for the messages: from the texts kept, else from one more pass.
            var cellText = new Dictionary<(int, int), string>();
            var need = unparsable.Where(u => texts[u.Column] is null).ToHashSet();
            foreach (var (r, c) in unparsable)
            {
                if (texts[c] is { } kept)
                {
                    cellText[(r, c)] = kept[r] ?? string.Empty;
                }
            }

            if (need.Count > 0)
            {
                var byRow = need.GroupBy(u => u.Row).ToDictionary(g => g.Key, g => g.Select(u => u.Column).ToArray());
                Reread(path, source, options.Delimiter, lines, (third, k) =>
                {
                    if (byRow.TryGetValue(k, out var cols))
                    {
                        foreach (var c in cols)
                        {
                            cellText[(k, c)] = Clip(third.Field(c));
                        }
                    }
                }, cancellationToken);
            }

            foreach (var (r, c) in unparsable)
            {
                var value = cellText.GetValueOrDefault((r, c), string.Empty);
                if (options.UnparsableNumbers == UnparsableNumberHandling.Reject)
                {
                    if (drop.Add(r))
                    {
                        rowErrors.Add(new IngestError(source, lines[r], c + 1, names[c], $"'{value}' is not a number, and the column holds numbers"));
                    }
                }
                else
                {
                    warnings.Add(new IngestError(source, lines[r], c + 1, names[c], $"'{value}' is not a number, and the column holds numbers: read as missing"));
                }
            }
        }

        foreach (var i in Enumerable.Range(0, width).Where(i => !declared[i] && kind[i] == CsvColumnKind.Number && fromStart[i]))
        {
            texts[i] = null;
        }

        // Non-finite numbers in columns that stayed numeric reject their rows.
        foreach (var (row, column, value) in nonFinite)
        {
            if (kind[column] == CsvColumnKind.Number && drop.Add(row))
            {
                rowErrors.Add(new IngestError(source, lines[row], column + 1, names[column], double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var big) && double.IsFinite(big)
                    ? $"'{value}' is beyond ±{options.NumberLimit.ToString("G3", CultureInfo.InvariantCulture)}, the largest number it may hold"
                    : $"'{value}' is not a finite number"));
            }
        }

        // The report: rejected rows in line order, then every kept row accepted.
        foreach (var e in found.Concat(rowErrors).OrderBy(e => e.Line))
        {
            report.CountRejected(e);
        }

        for (var b = 0L; b < scratch.BlankLines; b++)
        {
            report.CountBlankLine();
        }

        var droppedLines = drop.Select(r => lines[r]).ToHashSet();
        foreach (var w in warnings.Where(w => !droppedLines.Contains(w.Line)))
        {
            report.CountWarning(w);
        }

        if (options.ErrorMode == ErrorMode.FailFast && rowErrors.Count > 0)
        {
            throw new IngestException(rowErrors.OrderBy(e => e.Line).First());
        }

        var keep = Enumerable.Range(0, lines.Count).Where(r => !drop.Contains(r)).ToArray();
        for (var r = 0; r < keep.Length; r++)
        {
            report.CountAccepted();
        }

        var columns = new CsvTableColumn[width];
        for (var i = 0; i < width; i++)
        {
            columns[i] = kind[i] switch
            {
                CsvColumnKind.Number => new CsvTableColumn(names[i], CsvColumnKind.Number, Pick(numbers[i]!, keep, drop.Count), null, null),
                CsvColumnKind.Text => new CsvTableColumn(names[i], CsvColumnKind.Text, null, Pick(texts[i]!, keep, drop.Count), null),
                _ => new CsvTableColumn(names[i], CsvColumnKind.Date, null, null, Pick(ticks[i]!, keep, drop.Count)),
            };
        }

        return new CsvTable(source, columns, Pick(lines, keep, drop.Count));
    }

    /// <summary>
    /// Reads a CSV file a block of rows at a time, for files too large to hold or to process while
    /// they are read: only the declared columns (<see cref="CsvTableOptions.NumberColumns"/>,
    /// <see cref="CsvTableOptions.TextColumns"/>, <see cref="CsvTableOptions.DateColumns"/>) are
    /// kept, with the kinds they are declared with; a cell that is not of its column's kind, or a
    /// blank required cell, rejects its row. The accounting is the same as <see cref="Read(string, IngestReport, CsvTableOptions?, CancellationToken)"/>'s.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="report">Receives the accounting and the errors, as the blocks are read.</param>
    /// <param name="options">The declared columns, delimiter and error mode.</param>
    /// <param name="rows">Rows per block.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The blocks of accepted rows, in file order; the columns in declaration order (numbers, texts, dates).</returns>
    /// <exception cref="IngestException">The file is missing or empty, a declared column is not in the header, or (fail-fast) a row is bad.</exception>
    public static IEnumerable<CsvTable> ReadChunks(string path, IngestReport report, CsvTableOptions options, int rows = 65_536, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        if (!File.Exists(path))
        {
            throw new IngestException(new IngestError(path, 0, 0, null, $"file '{path}' does not exist"));
        }

        return ReadChunksIterator(path, report, options, rows, cancellationToken);
    }

    private static IEnumerable<CsvTable> ReadChunksIterator(string path, IngestReport report, CsvTableOptions options, int rows, CancellationToken cancellationToken)
    {
        var source = Path.GetFileName(path);
        using var csv = CsvRecordSource.Open(Open(path), source, options.Delimiter, report, options.ErrorMode);
        int[] Ordinals(IList<string> list, string option) => [.. list.Select(n => csv.Ordinal(n) is var i and >= 0 ? i : throw csv.MissingColumn(n, option))];
        var numberColumns = Ordinals(options.NumberColumns, "NumberColumns");
        var textColumns = Ordinals(options.TextColumns, "TextColumns");
        var dateColumns = Ordinals(options.DateColumns, "DateColumns");
        var required = Ordinals(options.RequiredColumns, "RequiredColumns");
        var names = csv.Header;
        var pools = textColumns.Select(_ => new TextPool()).ToArray();
        var known = textColumns.Select(i => options.KnownValues.TryGetValue(names[i], out var set) ? set : null).ToArray();
        var numbers = numberColumns.Select(_ => new double[rows]).ToArray();
        var texts = textColumns.Select(_ => new string?[rows]).ToArray();
        var dates = dateColumns.Select(_ => new long[rows]).ToArray();
        var lines = new long[rows];
        var count = 0;
        while (csv.MoveNext(cancellationToken))
        {
            string? problem = null;
            var at = -1;
            foreach (var i in required)
            {
                if (csv.Field(i).IsEmpty)
                {
                    (problem, at) = ($"'{names[i]}' is empty", i);
                    break;
                }
            }

            for (var k = 0; k < numberColumns.Length && problem is null; k++)
            {
                var v = csv.Field(numberColumns[k]);
                if (v.IsEmpty)
                {
                    numbers[k][count] = double.NaN;
                }
                else if (!double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) || !double.IsFinite(x) || Math.Abs(x) > options.NumberLimit)
                {
                    (problem, at) = ($"'{Clip(v)}' is {(double.IsFinite(x) ? $"beyond ±{options.NumberLimit.ToString("G3", CultureInfo.InvariantCulture)}, the largest number it may hold" : "not a finite number")}", numberColumns[k]);
                }
                else
                {
                    numbers[k][count] = x;
                }
            }

            for (var k = 0; k < dateColumns.Length && problem is null; k++)
            {
                var v = csv.Field(dateColumns[k]);
                if (v.IsEmpty)
                {
                    dates[k][count] = long.MinValue;
                }
                else if (TryDate(v, out var d))
                {
                    dates[k][count] = d;
                }
                else
                {
                    (problem, at) = (DateProblem(v), dateColumns[k]);
                }
            }

            List<IngestError>? unknown = null;
            for (var k = 0; k < textColumns.Length && problem is null; k++)
            {
                var v = csv.Field(textColumns[k]);
                texts[k][count] = v.IsEmpty ? null : pools[k].Get(v);
                if (known[k] is { } set && texts[k][count] is { } value && !set.Contains(value))
                {
                    var suggestion = Churn.Shared.NameSuggestions.Closest(value, set);
                    var message = $"'{Clip(v)}' is not a value of '{names[textColumns[k]]}' seen in training{(suggestion is null ? string.Empty : $" (did you mean '{suggestion}'?)")}";
                    if (options.UnknownValues == UnknownValueHandling.Reject)
                    {
                        (problem, at) = (message, textColumns[k]);
                    }
                    else
                    {
                        (unknown ??= []).Add(new IngestError(source, csv.Line, textColumns[k] + 1, names[textColumns[k]], message + "; scored like the rare values"));
                    }
                }
            }

            if (problem is not null)
            {
                csv.Reject(at, problem);
                continue;
            }

            foreach (var w in unknown ?? [])
            {
                report.CountWarning(w);
            }

            csv.Accept();
            lines[count++] = csv.Line;
            if (count == rows)
            {
                yield return Block(count);
                count = 0;
            }
        }

        if (count > 0)
        {
            yield return Block(count);
        }

        CsvTable Block(int n)
        {
            var columns = new List<CsvTableColumn>();
            for (var k = 0; k < numberColumns.Length; k++)
            {
                columns.Add(new CsvTableColumn(names[numberColumns[k]], CsvColumnKind.Number, numbers[k][..n], null, null));
            }

            for (var k = 0; k < textColumns.Length; k++)
            {
                columns.Add(new CsvTableColumn(names[textColumns[k]], CsvColumnKind.Text, null, texts[k][..n], null));
            }

            for (var k = 0; k < dateColumns.Length; k++)
            {
                columns.Add(new CsvTableColumn(names[dateColumns[k]], CsvColumnKind.Date, null, null, dates[k][..n]));
            }

            return new CsvTable(source, [.. columns], lines[..n]);
        }
    }

    private const int SettleAfter = 1_000;

    /// <summary>Reads the file again and calls <paramref name="row"/> for each kept row (by its line), with its position among them.</summary>
    private static void Reread(string path, string source, char delimiter, Chunks<long> lines, Action<CsvRecordSource, int> row, CancellationToken cancellationToken)
    {
        var ignored = new IngestReport(0);
        using var again = CsvRecordSource.Open(Open(path), source, delimiter, ignored, ErrorMode.CollectAll);
        var k = 0;
        while (k < lines.Count && again.MoveNext(cancellationToken))
        {
            if (again.Line == lines[k])
            {
                row(again, k);
                k++;
            }
        }
    }

    private static string DateProblem(ReadOnlySpan<char> v) => ValueParsers.IsDayMonthOrder(v)
        ? $"'{Clip(v)}' does not say whether the day or the month comes first; write dates in ISO 8601 (2026-02-01)"
        : $"'{Clip(v)}' is not a date (use 2026-01-01 or 2026-01-01T12:00:00Z)";

    private static string Clip(ReadOnlySpan<char> v) => v.Length <= 40 ? v.ToString() : string.Concat(v[..37], "...");

    private static StreamReader Open(string path) =>
        CsvRecordSource.OpenText(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan));

    private static T[] Pick<T>(Chunks<T> values, int[] keep, int dropped) => dropped == 0 ? values.ToArray() : [.. keep.Select(r => values[r])];

    private static bool TryDate(ReadOnlySpan<char> text, out long ticks)
    {
        if (text.Length >= 10 && !ValueParsers.IsDayMonthOrder(text) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d))
        {
            ticks = d.UtcTicks;
            return true;
        }

        ticks = long.MinValue;
        return false;
    }

    /// <summary>A growing list kept in fixed blocks: adding never copies what is already there, and the final array is made once.</summary>
    private sealed class Chunks<T> : System.Collections.IEnumerable
    {
        private const int Size = 1 << 14;
        private readonly List<T[]> _blocks = [];

        public int Count { get; private set; }

        public T this[int index] => _blocks[index / Size][index % Size];

        public void Add(T value)
        {
            if (Count % Size == 0)
            {
                _blocks.Add(new T[Size]);
            }

            _blocks[^1][Count++ % Size] = value;
        }

        public T[] ToArray()
        {
            var result = new T[Count];
            for (var b = 0; b < _blocks.Count; b++)
            {
                _blocks[b].AsSpan(0, Math.Min(Size, Count - (b * Size))).CopyTo(result.AsSpan(b * Size));
            }

            return result;
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => ToArray().GetEnumerator();
    }

    /// <summary>One string per distinct text of a column, until the column proves to hold mostly unique texts (ids).</summary>
    private sealed class TextPool
    {
        private const int MaxShared = 100_000;
        private readonly Dictionary<string, string> _pool = new(StringComparer.Ordinal);

        public string Get(ReadOnlySpan<char> text)
        {
            if (_pool.Count >= MaxShared)
            {
                return text.ToString();
            }

            var lookup = _pool.GetAlternateLookup<ReadOnlySpan<char>>();
            if (!lookup.TryGetValue(text, out var shared))
            {
                shared = text.ToString();
                _pool[shared] = shared;
            }

            return shared;
        }
    }
}
