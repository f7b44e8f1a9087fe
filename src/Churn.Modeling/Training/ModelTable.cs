using System.Collections.Frozen;
using System.Globalization;
using Churn.Abstractions;
using Churn.Data;

namespace Churn.Modeling;

/// <summary>Whether a model column holds numbers or categories.</summary>
public enum ModelColumnKind
{
    /// <summary>Numbers; missing is NaN.</summary>
    Numeric,

    /// <summary>Categories (text, yes/no); missing is null.</summary>
    Categorical,
}

/// <summary>One input column of a model table.</summary>
/// <param name="Name">The column name.</param>
/// <param name="Kind">Numbers or categories.</param>
/// <param name="Numbers">The values, for numeric columns.</param>
/// <param name="Categories">The values, for categorical columns.</param>
public sealed record ModelColumn(string Name, ModelColumnKind Kind, double[]? Numbers, string?[]? Categories)
{
    /// <summary>Gets what the column means, when known (snapshot features carry it), for reasons in words.</summary>
    public FeatureDefinition? Definition { get; init; }
}

/// <summary>
/// Training or scoring data in columns: the inputs, optional labels, ids and instants. Built from
/// snapshots, from any CSV table (column types inferred: a column whose non-blank values are all
/// numbers is numeric, blanks are missing, everything else is categorical), or by hand.
/// </summary>
public sealed class ModelTable
{
    /// <summary>Initializes a new instance of the <see cref="ModelTable"/> class.</summary>
    /// <param name="columns">The input columns, all of one length.</param>
    /// <param name="labels">The outcomes, or null for scoring data.</param>
    /// <param name="ids">The row ids, or null.</param>
    /// <param name="asOf">The instant of each row (for time-based validation), or null.</param>
    /// <exception cref="ArgumentException">Lengths differ, or a column name repeats.</exception>
    public ModelTable(IReadOnlyList<ModelColumn> columns, bool[]? labels = null, string[]? ids = null, DateTimeOffset[]? asOf = null)
    {
        ArgumentNullException.ThrowIfNull(columns);
        Columns = columns;
        Count = labels?.Length ?? ids?.Length ?? (columns.Count > 0 ? (columns[0].Numbers?.Length ?? columns[0].Categories!.Length) : 0);
        foreach (var c in columns)
        {
            var n = c.Numbers?.Length ?? c.Categories?.Length ?? -1;
            if (n != Count)
            {
                throw new ArgumentException($"Column '{c.Name}' has {n} values; the table has {Count} rows.", nameof(columns));
            }
        }

        if (columns.Select(c => c.Name).Distinct(StringComparer.Ordinal).Count() != columns.Count)
        {
            throw new ArgumentException("Two columns share a name.", nameof(columns));
        }

        if ((ids is not null && ids.Length != Count) || (asOf is not null && asOf.Length != Count))
        {
            throw new ArgumentException("Ids and instants must have one entry per row.", nameof(ids));
        }

        Labels = labels;
        Ids = ids;
        AsOf = asOf;
    }

    /// <summary>Gets the number of rows.</summary>
    public int Count { get; }

    /// <summary>Gets the input columns.</summary>
    public IReadOnlyList<ModelColumn> Columns { get; }

    /// <summary>Gets the outcomes, when known.</summary>
    public IReadOnlyList<bool>? Labels { get; }

    /// <summary>Gets the row ids, when known.</summary>
    public IReadOnlyList<string>? Ids { get; }

    /// <summary>Gets the file line of each row, when read from a file.</summary>
    public IReadOnlyList<long>? Lines { get; init; }

    /// <summary>Gets each row's instant, when known.</summary>
    public IReadOnlyList<DateTimeOffset>? AsOf { get; }

    /// <summary>Builds a table from labelled snapshots (all features numeric).</summary>
    /// <param name="rows">The snapshots and their labels; all share one schema.</param>
    /// <returns>The table.</returns>
    /// <exception cref="ArgumentException">No rows, or the snapshots' schemas differ.</exception>
    public static ModelTable FromSnapshots(IReadOnlyList<(CustomerSnapshot Snapshot, bool Churned)> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            throw new ArgumentException("There are no rows to train on.", nameof(rows));
        }

        var schema = rows[0].Snapshot.Schema;
        var columns = new double[schema.Count][];
        for (var f = 0; f < schema.Count; f++)
        {
            columns[f] = new double[rows.Count];
        }

        for (var r = 0; r < rows.Count; r++)
        {
            var s = rows[r].Snapshot;
            if (!ReferenceEquals(s.Schema, schema) && !s.Schema.Equals(schema))
            {
                throw new ArgumentException($"Row {r + 1} has a different feature schema.", nameof(rows));
            }

            for (var f = 0; f < schema.Count; f++)
            {
                columns[f][r] = s[f];
            }
        }

        return new ModelTable(
            [.. schema.Features.Select((f, i) => new ModelColumn(f.Name, ModelColumnKind.Numeric, columns[i], null) { Definition = f })],
            [.. rows.Select(r => r.Churned)],
            [.. rows.Select(r => r.Snapshot.CustomerId.Value)],
            [.. rows.Select(r => r.Snapshot.AsOf)]);
    }

    /// <summary>
    /// Reads a CSV table through Churn.Data's <see cref="CsvTable"/>, inferring column types (a
    /// column is numeric while every cell is a finite number or blank). Bad rows (wrong field count,
    /// empty label, a number such as 1e400 or Infinity, bad UTF-8) are left out and counted in
    /// <paramref name="report"/> with their file, line, column and reason; without a report, any
    /// bad row is an error.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="label">The label column, or null for scoring data.</param>
    /// <param name="positive">The label value meaning "churned"; inferred from yes/true/1 when null.</param>
    /// <param name="id">The id column, or null.</param>
    /// <param name="ignore">Columns to leave out.</param>
    /// <param name="asOf">A column of instants for time-based validation, or null.</param>
    /// <param name="report">Receives the accounting and the rejected rows; when null, a rejected row throws.</param>
    /// <returns>The table of accepted rows.</returns>
    /// <exception cref="ArgumentException">A named column is missing, the label is not two-valued, or (without a report) a row is bad.</exception>
    public static ModelTable FromCsv(string path, string? label, string? positive = null, string? id = null, IEnumerable<string>? ignore = null, string? asOf = null, IngestReport? report = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var strict = report is null;
        report ??= new IngestReport(20);
        var source = Path.GetFileName(path);
        CsvTable csv;
        try
        {
            csv = CsvTable.Read(path, report, new CsvTableOptions
            {
                TextColumns = [.. new[] { label, id }.OfType<string>()],
                DateColumns = asOf is null ? [] : [asOf],
                RequiredColumns = label is null ? [] : [label],
                NumberLimit = float.MaxValue,
            });
        }
        catch (IngestException ex) when (ex.Error is { Line: 1 } error && error.ColumnName is { } missing)
        {
            var what = missing == label ? "label" : missing == id ? "id" : missing == asOf ? "as-of" : "named";
            throw new ArgumentException($"The {what} column '{missing}' is not in {source}: {error.Message}", ex);
        }
        catch (IngestException ex)
        {
            throw new ArgumentException(ex.Message, ex);
        }

        if (strict && !report.IsClean)
        {
            throw new ArgumentException(string.Join("; ", report.Errors.Take(5).Select(e => e.ToString())) + (report.Rejected > 5 ? $" (and {report.Rejected - 5} more bad rows)" : string.Empty));
        }

        int Find(string? name, string what) =>
            name is null ? -1 : csv.IndexOf(name) is var i and >= 0 ? i : throw new ArgumentException($"The {what} column '{name}' is not in {source} ({string.Join(", ", csv.Columns.Select(c => c.Name))}).");
        var labelIndex = Find(label, "label");
        var idIndex = Find(id, "id");
        var asOfIndex = Find(asOf, "as-of");
        var skipped = new HashSet<int> { labelIndex, idIndex, asOfIndex };
        foreach (var name in ignore ?? [])
        {
            skipped.Add(Find(name, "ignored"));
        }

        bool[]? labels = null;
        if (labelIndex >= 0)
        {
            var values = csv.Columns[labelIndex].Texts!;
            var distinct = values.Distinct(StringComparer.OrdinalIgnoreCase).ToList();

            // The same value written as text or as a number (1 and 1.0) is the same label.
            static bool Same(string? value, string wanted) =>
                string.Equals(value, wanted, StringComparison.OrdinalIgnoreCase)
                || (double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var a)
                    && double.TryParse(wanted, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var b) && a == b);
            var given = positive is not null;
            positive ??= distinct.FirstOrDefault(v => Same(v, "1") || v!.Equals("yes", StringComparison.OrdinalIgnoreCase) || v.Equals("true", StringComparison.OrdinalIgnoreCase) || v.Equals("churn", StringComparison.OrdinalIgnoreCase) || v.Equals("churned", StringComparison.OrdinalIgnoreCase));
            if (positive is null || distinct.Count > 2)
            {
                throw new ArgumentException($"The label '{csv.Columns[labelIndex].Name}' has the values {string.Join(", ", distinct.Take(10))}; name the churn value with --positive (a label has two values).");
            }

            if (given && !distinct.Any(v => Same(v, positive)))
            {
                throw new ArgumentException($"--positive '{positive}' is none of the values of the label '{csv.Columns[labelIndex].Name}': {string.Join(", ", distinct.Take(10))}.");
            }

            labels = [.. values.Select(v => Same(v, positive))];
        }

        var columns = new List<ModelColumn>();
        for (var i = 0; i < csv.Columns.Count; i++)
        {
            if (skipped.Contains(i))
            {
                continue;
            }

            var c = csv.Columns[i];
            columns.Add(c.Kind == CsvColumnKind.Number
                ? new ModelColumn(c.Name, ModelColumnKind.Numeric, c.Numbers, null) { Definition = StandardDefinition(c.Name) }
                : new ModelColumn(c.Name, ModelColumnKind.Categorical, null, c.Texts));
        }

        return new ModelTable(
            columns,
            labels,
            idIndex >= 0 ? [.. csv.Columns[idIndex].Texts!.Select((v, r) => v ?? $"row{csv.Lines[r]}")] : null,
            asOfIndex >= 0 ? [.. csv.Columns[asOfIndex].Dates!.Select(t => t == long.MinValue ? DateTimeOffset.MinValue : new DateTimeOffset(t, TimeSpan.Zero))] : null)
        {
            Lines = csv.Lines,
        };
    }

    /// <summary>
    /// Reads a CSV of customers to score, a block at a time, so that scoring can start before the
    /// file is read and memory stays bounded: only the model's input columns (numbers where it was
    /// trained on numbers, text where on categories) and the id column are kept. A row whose
    /// number cell is not a finite number is left out and counted in <paramref name="report"/>.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="featurizer">The model's encoding (<see cref="ChurnModel.Featurizer"/>).</param>
    /// <param name="id">The id column, or null (rows are then named by their line).</param>
    /// <param name="report">Receives the accounting and the rejected rows.</param>
    /// <param name="rows">Rows per block.</param>
    /// <param name="unknownCategories">What becomes of a category value the model never saw in training (when its file lists them): a warning in <paramref name="report"/> (scored like the rare values), or the row rejected.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The blocks, in file order.</returns>
    /// <exception cref="ArgumentException">A column the model needs, or the id column, is not in the file.</exception>
    public static IEnumerable<ModelTable> ReadCsvBlocks(string path, Featurizer featurizer, string? id, IngestReport report, int rows = 65_536, UnknownValueHandling unknownCategories = UnknownValueHandling.Warn, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(featurizer);
        var options = new CsvTableOptions
        {
            NumberColumns = [.. featurizer.Specs.Where(s => s.Kind == ModelColumnKind.Numeric).Select(s => s.Name)],
            TextColumns = [.. featurizer.Specs.Where(s => s.Kind == ModelColumnKind.Categorical).Select(s => s.Name), .. id is null ? Array.Empty<string>() : [id]],
            NumberLimit = float.MaxValue,
            UnknownValues = unknownCategories,
        };
        foreach (var s in featurizer.Specs.Where(s => s.Kind == ModelColumnKind.Categorical && s.OtherLevels is not null))
        {
            options.KnownValues[s.Name] = new HashSet<string>([.. s.Levels, .. s.OtherLevels!], StringComparer.Ordinal);
        }

        IEnumerable<CsvTable> blocks;
        try
        {
            blocks = CsvTable.ReadChunks(path, report, options, rows, cancellationToken);
        }
        catch (IngestException ex)
        {
            throw new ArgumentException(ex.Message, ex);
        }

        return Blocks(blocks, id);
    }

    private static IEnumerable<ModelTable> Blocks(IEnumerable<CsvTable> blocks, string? id)
    {
        using var e = blocks.GetEnumerator();
        while (true)
        {
            try
            {
                if (!e.MoveNext())
                {
                    yield break;
                }
            }
            catch (IngestException ex) when (ex.Error is { Line: 1 })
            {
                throw new ArgumentException($"The data does not match the model: {ex.Message}", ex);
            }

            var block = e.Current;
            var idIndex = id is null ? -1 : block.IndexOf(id);
            var columns = block.Columns.Where((_, i) => i != idIndex)
                .Select(c => c.Kind == CsvColumnKind.Number
                    ? new ModelColumn(c.Name, ModelColumnKind.Numeric, c.Numbers, null) { Definition = StandardDefinition(c.Name) }
                    : new ModelColumn(c.Name, ModelColumnKind.Categorical, null, c.Texts))
                .ToList();
            yield return new ModelTable(
                columns,
                null,
                [.. Enumerable.Range(0, block.RowCount).Select(r => idIndex >= 0 ? block.Columns[idIndex].Texts![r] ?? $"row{block.Lines[r]}" : $"row{block.Lines[r]}")])
            {
                Lines = block.Lines,
            };
        }
    }

    /// <summary>The meaning of a column named like a feature of <see cref="FeatureBuilder"/> (default windows), so that a snapshots CSV gets reasons in words ("3 logins in the last 30 days") as snapshots in memory do.</summary>
    private static FeatureDefinition? StandardDefinition(string name) =>
        StandardDefinitions.TryGetValue(name, out var d) ? d : null;

    private static readonly System.Collections.Frozen.FrozenDictionary<string, FeatureDefinition> StandardDefinitions =
        new FeatureBuilder().Schema.Features.ToFrozenDictionary(f => f.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>Takes some rows.</summary>
    /// <param name="rows">The row numbers.</param>
    /// <returns>The smaller table.</returns>
    public ModelTable Subset(IReadOnlyList<int> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return new ModelTable(
            [.. Columns.Select(c => c with
            {
                Numbers = c.Numbers is null ? null : [.. rows.Select(r => c.Numbers[r])],
                Categories = c.Categories is null ? null : [.. rows.Select(r => c.Categories[r])],
            })],
            Labels is null ? null : [.. rows.Select(r => Labels[r])],
            Ids is null ? null : [.. rows.Select(r => Ids[r])],
            AsOf is null ? null : [.. rows.Select(r => AsOf[r])]);
    }
}
