using System.Globalization;
using Churn.Abstractions;
using Sylvan.Data.Csv;

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

    /// <summary>Reads a CSV table, inferring column types.</summary>
    /// <param name="path">The file.</param>
    /// <param name="label">The label column, or null for scoring data.</param>
    /// <param name="positive">The label value meaning "churned"; inferred from yes/true/1 when null.</param>
    /// <param name="id">The id column, or null.</param>
    /// <param name="ignore">Columns to leave out.</param>
    /// <param name="asOf">A column of instants for time-based validation, or null.</param>
    /// <returns>The table.</returns>
    /// <exception cref="ArgumentException">A named column is missing, or a label value is empty or not two-valued.</exception>
    public static ModelTable FromCsv(string path, string? label, string? positive = null, string? id = null, IEnumerable<string>? ignore = null, string? asOf = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var csv = CsvDataReader.Create(path, new CsvDataReaderOptions { HasHeaders = true });
        var names = Enumerable.Range(0, csv.FieldCount).Select(i => csv.GetName(i).Trim()).ToArray();
        int Find(string? name, string what)
        {
            if (name is null)
            {
                return -1;
            }

            var i = Array.FindIndex(names, n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));
            return i >= 0 ? i : throw new ArgumentException($"The {what} column '{name}' is not in {Path.GetFileName(path)} ({string.Join(", ", names)}).");
        }

        var labelIndex = Find(label, "label");
        var idIndex = Find(id, "id");
        var asOfIndex = Find(asOf, "as-of");
        var skipped = new HashSet<int> { labelIndex, idIndex, asOfIndex };
        foreach (var name in ignore ?? [])
        {
            skipped.Add(Find(name, "ignored"));
        }

        // One pass reads numbers as numbers (no string per cell) for every column that has held only
        // numbers or blanks so far, and the label, id and as-of columns as text. Columns found to hold
        // text are read again as shared strings in a second pass, from the start.
        var numeric = Enumerable.Range(0, names.Length).Select(i => !skipped.Contains(i)).ToArray();
        var parsed = names.Select(_ => new List<double>()).ToArray();
        var texts = new List<string?>?[names.Length];
        var pools = new TextPool?[names.Length];
        foreach (var i in new[] { labelIndex, idIndex, asOfIndex }.Where(i => i >= 0))
        {
            texts[i] = [];
            pools[i] = new TextPool(share: i != idIndex);
        }

        var count = 0;
        var line = 1;
        while (csv.Read())
        {
            line++;
            if (csv.RowFieldCount != names.Length)
            {
                throw new ArgumentException($"{Path.GetFileName(path)}:{line}: the row has {csv.RowFieldCount} fields but the header has {names.Length}.");
            }

            for (var i = 0; i < names.Length; i++)
            {
                if (numeric[i])
                {
                    var v = csv.GetFieldSpan(i).Trim();
                    if (v.IsEmpty)
                    {
                        parsed[i].Add(double.NaN);
                    }
                    else if (double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var x))
                    {
                        parsed[i].Add(x);
                    }
                    else
                    {
                        numeric[i] = false;
                        parsed[i] = [];
                    }
                }
                else if (texts[i] is { } text)
                {
                    var v = csv.GetFieldSpan(i).Trim();
                    text.Add(v.IsEmpty ? null : pools[i]!.Get(v));
                }
            }

            count++;
        }

        var again = Enumerable.Range(0, names.Length).Where(i => !numeric[i] && !skipped.Contains(i)).ToArray();
        if (again.Length > 0)
        {
            foreach (var i in again)
            {
                texts[i] = new List<string?>(count);
                pools[i] = new TextPool(share: true);
            }

            using var second = CsvDataReader.Create(path, new CsvDataReaderOptions { HasHeaders = true });
            for (var r = 0; r < count && second.Read(); r++)
            {
                foreach (var i in again)
                {
                    var v = second.GetFieldSpan(i).Trim();
                    texts[i]!.Add(v.IsEmpty ? null : pools[i]!.Get(v));
                }
            }
        }

        bool[]? labels = null;
        if (labelIndex >= 0)
        {
            var values = texts[labelIndex]!;
            var missing = values.IndexOf(null);
            if (missing >= 0)
            {
                throw new ArgumentException($"{Path.GetFileName(path)}:{missing + 2}: the label '{names[labelIndex]}' is empty.");
            }

            var distinct = values.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            positive ??= distinct.FirstOrDefault(v => v is "1" || v!.Equals("yes", StringComparison.OrdinalIgnoreCase) || v.Equals("true", StringComparison.OrdinalIgnoreCase) || v.Equals("churn", StringComparison.OrdinalIgnoreCase) || v.Equals("churned", StringComparison.OrdinalIgnoreCase));
            if (positive is null || distinct.Count > 2)
            {
                throw new ArgumentException($"The label '{names[labelIndex]}' has the values {string.Join(", ", distinct.Take(10))}; name the churn value with --positive (a label has two values).");
            }

            labels = [.. values.Select(v => string.Equals(v, positive, StringComparison.OrdinalIgnoreCase))];
        }

        var columns = new List<ModelColumn>();
        for (var i = 0; i < names.Length; i++)
        {
            if (!skipped.Contains(i))
            {
                columns.Add(numeric[i]
                    ? new ModelColumn(names[i], ModelColumnKind.Numeric, [.. parsed[i]], null)
                    : new ModelColumn(names[i], ModelColumnKind.Categorical, null, [.. texts[i]!]));
            }
        }

        return new ModelTable(
            columns,
            labels,
            idIndex >= 0 ? [.. texts[idIndex]!.Select((v, r) => v ?? $"row{r + 2}")] : null,
            asOfIndex >= 0 ? [.. texts[asOfIndex]!.Select(v => v is not null && DateTimeOffset.TryParse(v, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : DateTimeOffset.MinValue)] : null);
    }

    /// <summary>One string per distinct text of a column (categories repeat: "Yes", "No", ...), until a column proves to hold mostly unique texts.</summary>
    private sealed class TextPool(bool share)
    {
        private const int MaxShared = 100_000;
        private readonly Dictionary<string, string> _pool = new(StringComparer.Ordinal);

        public string Get(ReadOnlySpan<char> text)
        {
            if (!share || _pool.Count >= MaxShared)
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
