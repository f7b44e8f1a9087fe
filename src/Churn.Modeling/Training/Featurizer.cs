using System.Text.Json.Serialization;

namespace Churn.Modeling;

/// <summary>How one table column becomes model features.</summary>
/// <param name="Name">The column.</param>
/// <param name="Kind">Numeric (one feature) or categorical (one-hot over its levels, plus "other").</param>
/// <param name="Levels">For categorical columns, the levels kept (frequent ones, in a fixed order).</param>
/// <param name="Mean">For numeric columns, the training mean (replaces missing values for linear models).</param>
/// <param name="MissingCode">For numeric columns, a value below every training value (replaces missing values for tree models, which can then split missing apart).</param>
public sealed record FeatureSpec(string Name, ModelColumnKind Kind, IReadOnlyList<string> Levels, double Mean, double MissingCode)
{
    /// <summary>Gets, for categorical columns, the other values seen in training (too rare for a level of their own; they share the "other" slot), sorted; null when there were more than 1,000 of them (an open vocabulary) or the model file predates this list.</summary>
    /// <value>A value in neither <see cref="Levels"/> nor this list is one the model never saw.</value>
    public IReadOnlyList<string>? OtherLevels { get; init; }

    /// <summary>Tells whether a value of this categorical column was seen in training.</summary>
    /// <param name="value">The value, as written.</param>
    /// <returns><see langword="true"/> when it was, or when the vocabulary is open or unknown (<see cref="OtherLevels"/> is null).</returns>
    public bool IsKnownLevel(string value) =>
        OtherLevels is null || Levels.Contains(value, StringComparer.Ordinal) || OtherLevels.Contains(value, StringComparer.Ordinal);
}

/// <summary>
/// Turns a <see cref="ModelTable"/> into a dense float matrix: numbers pass through (NaN stays
/// missing, tree models handle it), categories are one-hot encoded over their frequent levels
/// (at least 5 rows, at most 30 levels; the rest share an "other" slot, and so does an unseen
/// level at scoring time). Fitted on training data and saved with the model.
/// </summary>
public sealed class Featurizer
{
    private const int MinLevelCount = 5;
    private const int MaxLevels = 30;
    private const int MaxOtherLevels = 1_000;

    [JsonConstructor]
    internal Featurizer(IReadOnlyList<FeatureSpec> specs)
    {
        Specs = specs;
        var names = new List<string>();
        foreach (var s in specs)
        {
            if (s.Kind == ModelColumnKind.Numeric)
            {
                names.Add(s.Name);
            }
            else
            {
                names.AddRange(s.Levels.Select(l => $"{s.Name}={l}"));
                names.Add($"{s.Name}=(other)");
            }
        }

        FeatureNames = names;
    }

    /// <summary>Gets how each column is encoded.</summary>
    public IReadOnlyList<FeatureSpec> Specs { get; }

    /// <summary>Gets the names of the encoded features, in matrix order.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> FeatureNames { get; }

    /// <summary>Fits the encoding on training data.</summary>
    /// <param name="table">The training table.</param>
    /// <returns>The featurizer.</returns>
    public static Featurizer Fit(ModelTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var specs = new List<FeatureSpec>();
        foreach (var c in table.Columns)
        {
            if (c.Kind == ModelColumnKind.Numeric)
            {
                double sum = 0, min = double.PositiveInfinity, max = double.NegativeInfinity;
                var n = 0;
                foreach (var v in c.Numbers!)
                {
                    if (!double.IsNaN(v))
                    {
                        sum += v;
                        n++;
                        min = Math.Min(min, v);
                        max = Math.Max(max, v);
                    }
                }

                var code = n > 0 ? min - 1 - (0.01 * (max - min)) : -1;
                specs.Add(new FeatureSpec(c.Name, ModelColumnKind.Numeric, [], n > 0 ? sum / n : 0, code));
            }
            else
            {
                var levels = c.Categories!.Where(v => v is not null).GroupBy(v => v!, StringComparer.Ordinal)
                    .Where(g => g.Count() >= MinLevelCount)
                    .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
                    .Take(MaxLevels).Select(g => g.Key).ToList();
                var kept = levels.ToHashSet(StringComparer.Ordinal);
                var others = c.Categories!.OfType<string>().Where(v => !kept.Contains(v)).Distinct(StringComparer.Ordinal).Take(MaxOtherLevels + 1).ToList();
                others.Sort(StringComparer.Ordinal);
                specs.Add(new FeatureSpec(c.Name, ModelColumnKind.Categorical, levels, 0, 0) { OtherLevels = others.Count > MaxOtherLevels ? null : others });
            }
        }

        return new Featurizer(specs);
    }

    /// <summary>Checks that a table has the columns this encoding needs, with compatible kinds.</summary>
    /// <param name="table">The table.</param>
    /// <returns>The problems; empty when compatible.</returns>
    public IReadOnlyList<string> Check(ModelTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var byName = table.Columns.ToDictionary(c => c.Name, StringComparer.OrdinalIgnoreCase);
        var problems = new List<string>();
        foreach (var s in Specs)
        {
            if (!byName.TryGetValue(s.Name, out var c))
            {
                problems.Add($"column '{s.Name}' is missing (the model was trained with it)");
            }
            else if (s.Kind == ModelColumnKind.Numeric && c.Kind != ModelColumnKind.Numeric)
            {
                problems.Add($"column '{s.Name}' holds text, but the model was trained on numbers");
            }
        }

        return problems;
    }

    /// <summary>Encodes a table, row-major. Missing numbers become the training mean (linear models) or a code below every training value (tree models).</summary>
    /// <param name="table">The table (checked with <see cref="Check"/>).</param>
    /// <param name="imputeMissing">Use the training mean for missing numbers (linear models) instead of the missing code (tree models).</param>
    /// <returns>Rows × <see cref="FeatureNames"/> floats.</returns>
    /// <exception cref="ArgumentException">The table is not compatible.</exception>
    public float[] Transform(ModelTable table, bool imputeMissing = false) => Encode(table, imputeMissing ? MissingMode.Mean : MissingMode.TreeCode);

    /// <summary>Encodes a table, row-major, with missing numbers as the mode says.</summary>
    internal float[] Encode(ModelTable table, MissingMode mode)
    {
        var problems = Check(table);
        if (problems.Count > 0)
        {
            throw new ArgumentException("The data does not match the model: " + string.Join("; ", problems) + ".", nameof(table));
        }

        var byName = table.Columns.ToDictionary(c => c.Name, StringComparer.OrdinalIgnoreCase);
        var width = FeatureNames.Count;
        var result = new float[(long)table.Count * width];
        var offset = 0;
        foreach (var s in Specs)
        {
            var c = byName[s.Name];
            if (s.Kind == ModelColumnKind.Numeric)
            {
                for (var r = 0; r < table.Count; r++)
                {
                    var v = c.Numbers![r];
                    result[((long)r * width) + offset] = (float)(!double.IsNaN(v) ? v : mode switch { MissingMode.Mean => s.Mean, MissingMode.TreeCode => s.MissingCode, _ => double.NaN });
                }

                offset++;
                continue;
            }

            var index = s.Levels.Select((l, i) => (l, i)).ToDictionary(x => x.l, x => x.i, StringComparer.Ordinal);
            for (var r = 0; r < table.Count; r++)
            {
                var v = c.Kind == ModelColumnKind.Categorical ? c.Categories![r] : c.Numbers![r].ToString(System.Globalization.CultureInfo.InvariantCulture);
                var slot = v is not null && index.TryGetValue(v, out var i) ? i : s.Levels.Count;
                result[((long)r * width) + offset + slot] = 1;
            }

            offset += s.Levels.Count + 1;
        }

        return result;
    }
}

/// <summary>What a missing number becomes when encoded.</summary>
internal enum MissingMode
{
    /// <summary>Stays NaN (the fast scorer substitutes per learner).</summary>
    Raw,

    /// <summary>The training mean (linear models).</summary>
    Mean,

    /// <summary>A code below every training value (tree models).</summary>
    TreeCode,
}
