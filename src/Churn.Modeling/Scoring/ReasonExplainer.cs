using System.Globalization;
using Churn.Abstractions;
using Churn.Modeling;

namespace Churn.Modeling;

/// <summary>
/// The reasons behind each score, for any model: for every input column, the change in the
/// customer's probability when that column alone is set to a typical value (the training mean
/// for numbers, the most common level for categories). Positive contributions push the risk up.
/// Global importance is the mean absolute contribution.
/// </summary>
/// <remarks>
/// With a compiled model the rows are encoded once and explained a block of 4,096 at a time on all
/// cores: a linear learner's change is its weight times the change of value, a forest is walked
/// again only for rows whose new value crosses one of its thresholds on that column. Each row keeps a running top few, so words are made only for
/// those. Importance sums are added block by block in order: the same result for any thread count.
/// </remarks>
internal static class ReasonExplainer
{
    private const int Block = 4096;

    /// <summary>Writes the encoded rows [from, from + count) (raw: missing numbers NaN) into a block buffer.</summary>
    internal delegate void EncodeBlock(int from, int count, Span<float> target);

    public static ModelExplanation Explain(ChurnModel model, ModelTable table, int top = 3)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(table);
        ArgumentOutOfRangeException.ThrowIfNegative(top);
        var problems = model.Featurizer.Check(table);
        if (problems.Count > 0)
        {
            throw new ModelFileException("The data does not match the model: " + string.Join("; ", problems) + ".");
        }

        var n = table.Count;
        var specs = model.Featurizer.Specs;
        var keep = Math.Min(top, specs.Count);
        var best = new int[n * keep];
        var strength = new double[n * keep];
        Array.Fill(best, -1);
        var indices = specs.Select(spec => table.Columns.Select((c, i) => (c, i)).First(x => string.Equals(x.c.Name, spec.Name, StringComparison.OrdinalIgnoreCase)).i).ToArray();
        double[] totals;
        double[] probabilities;
        if (model.Compiled is { } compiled && n > 0)
        {
            var rows = model.Featurizer.Encode(table, MissingMode.Raw);
            var width = compiled.FeatureCount;
            probabilities = new double[n];
            totals = Compiled(model, compiled, n, (from, count, target) => rows.AsSpan(from * width, count * width).CopyTo(target), keep, best, strength, parallel: true, probabilities);
        }
        else
        {
            probabilities = model.Score(table);
            totals = Reference(model, table, indices, keep, best, strength);
        }

        var perRow = new IReadOnlyList<RiskReason>[n];
        Parallel.For(0, (n + Block - 1) / Block, b =>
        {
            for (var r = b * Block; r < Math.Min(n, (b + 1) * Block); r++)
            {
                var reasons = new RiskReason[CountKept(best.AsSpan(r * keep, keep))];
                for (var k = 0; k < reasons.Length; k++)
                {
                    var f = best[(r * keep) + k];
                    var contribution = strength[(r * keep) + k];
                    var column = table.Columns[indices[f]];
                    var value = column.Kind == ModelColumnKind.Numeric ? column.Numbers![r] : double.NaN;
                    var category = column.Kind == ModelColumnKind.Numeric ? null : column.Categories![r] ?? "missing";
                    if (category is not null && column.Categories![r] is not null && specs[f].Kind == ModelColumnKind.Categorical && !specs[f].Levels.Contains(category, StringComparer.Ordinal))
                    {
                        // Scored in the shared "other" slot: say so, the effect is that of the rare values, not of this one.
                        category += specs[f].IsKnownLevel(category) ? " (rare in training)" : " (never seen in training)";
                    }

                    reasons[k] = new RiskReason(specs[f].Name, value, contribution, Text(column.Name, column.Definition, value, category, contribution));
                }

                perRow[r] = reasons;
            }
        });

        return new ModelExplanation(perRow, Importance(specs, totals, n)) { Probabilities = probabilities };
    }

    /// <summary>Explains row-major snapshot rows of a schema that holds every (numeric) input of a compiled model.</summary>
    public static IReadOnlyList<IReadOnlyList<RiskReason>> Explain(ChurnModel model, FastChurnScorer compiled, FeatureSchema schema, int[] slots, double[] rows, int n, int top, bool parallel)
    {
        var specs = model.Featurizer.Specs;
        var keep = Math.Min(top, specs.Count);
        var best = new int[n * keep];
        var strength = new double[n * keep];
        Array.Fill(best, -1);
        var stride = schema.Count;
        if (n > 0 && keep > 0)
        {
            Compiled(model, compiled, n, (from, count, target) => ChurnModel.EncodeRows(rows.AsSpan(from * stride, count * stride), stride, slots, target), keep, best, strength, parallel);
        }

        var perRow = new IReadOnlyList<RiskReason>[n];
        for (var r = 0; r < n; r++)
        {
            var reasons = new RiskReason[CountKept(best.AsSpan(r * keep, keep))];
            for (var k = 0; k < reasons.Length; k++)
            {
                var f = best[(r * keep) + k];
                var contribution = strength[(r * keep) + k];
                var definition = schema.Features[slots[f]];
                var value = rows[(r * stride) + slots[f]];
                reasons[k] = new RiskReason(specs[f].Name, value, contribution, Text(definition.Name, definition, value, null, contribution));
            }

            perRow[r] = reasons;
        }

        return perRow;
    }

    /// <summary>The words of one reason: "74 days since the last purchase: raises the churn risk by 12.3 points", built in one string.</summary>
    /// <param name="name">The column.</param>
    /// <param name="definition">What the column means, when known.</param>
    /// <param name="value">The customer's number (NaN when missing or a category).</param>
    /// <param name="category">The customer's category, for categorical columns (null for numbers).</param>
    /// <param name="contribution">The signed contribution.</param>
    internal static string Text(string name, FeatureDefinition? definition, double value, string? category, double contribution)
    {
        // Rounded, then written in the shortest form: as "0.#" and "0.##" would, several times faster.
        var verb = contribution >= 0 ? "raises" : "lowers";
        var points = Round(Math.Abs(contribution) * 100, 1);
        var two = Round(value, 2);
        var whole = Round(value, 0);
        var inv = CultureInfo.InvariantCulture;
        if (definition is not { } d || string.IsNullOrEmpty(d.Description))
        {
            return category is not null || double.IsNaN(value)
                ? string.Create(inv, $"{name} is {category ?? "missing"}: {verb} the churn risk by {points} points")
                : string.Create(inv, $"{name} is {two}: {verb} the churn risk by {points} points");
        }

        if (double.IsNaN(value))
        {
            return string.Create(inv, $"{d.Description}: unknown: {verb} the churn risk by {points} points");
        }

        return d.Kind switch
        {
            FeatureKind.Days or FeatureKind.Count => string.Create(inv, $"{whole} {d.Description}: {verb} the churn risk by {points} points"),
            FeatureKind.Flag => string.Create(inv, $"{(value >= 0.5 ? string.Empty : "not: ")}{d.Description}: {verb} the churn risk by {points} points"),
            FeatureKind.Money or FeatureKind.Ratio or FeatureKind.Score or FeatureKind.Number => string.Create(inv, $"{d.Description}: {two}: {verb} the churn risk by {points} points"),
            _ => string.Create(inv, $"{d.Description}: {whole}: {verb} the churn risk by {points} points"),
        };
    }

    /// <summary>Rounds as a number written in decimal is rounded ("8.065" to 8.07), not as its nearest binary double is.</summary>
    private static double Round(double value, int digits) =>
        double.IsFinite(value) && Math.Abs(value) < 1e15 ? (double)Math.Round((decimal)value, digits, MidpointRounding.AwayFromZero) + 0.0 : value;

    private static int CountKept(ReadOnlySpan<int> best)
    {
        var k = 0;
        while (k < best.Length && best[k] >= 0)
        {
            k++;
        }

        return k;
    }

    private static List<(string, double)> Importance(IReadOnlyList<FeatureSpec> specs, double[] totals, int n) =>
        [.. specs.Select((s, f) => (s.Name, totals[f] / Math.Max(1, n))).OrderByDescending(x => x.Item2)];

    /// <summary>Blocks of encoded rows, each column patched in a scratch copy and scored by the compiled scorer; returns each column's total absolute contribution.</summary>
    private static double[] Compiled(ChurnModel model, FastChurnScorer compiled, int n, EncodeBlock encode, int keep, int[] best, double[] strength, bool parallel, double[]? probabilities = null)
    {
        var specs = model.Featurizer.Specs;
        var width = compiled.FeatureCount;

        var blocks = (n + Block - 1) / Block;
        var partial = new double[blocks * specs.Count];
        var columns = specs.Count;
        void Run(int b)
        {
            var from = b * Block;
            var count = Math.Min(Block, n - from);
            var source = new float[count * width];
            encode(from, count, source);
            var baseline = new double[count];
            var changed = new double[count * columns];
            compiled.ExplainBlock(source, specs, baseline, changed);
            if (probabilities is not null)
            {
                compiled.ScoreSerial(source, probabilities.AsSpan(from, count));
            }

            for (var f = 0; f < columns; f++)
            {
                double sum = 0;
                for (var r = 0; r < count; r++)
                {
                    var contribution = baseline[r] - changed[(f * count) + r];
                    sum += Math.Abs(contribution);
                    if (keep > 0)
                    {
                        var at = (from + r) * keep;
                        Keep(best.AsSpan(at, keep), strength.AsSpan(at, keep), f, contribution);
                    }
                }

                partial[(b * columns) + f] = sum;
            }
        }

        if (parallel && blocks > 1)
        {
            Parallel.For(0, blocks, Run);
        }
        else
        {
            for (var b = 0; b < blocks; b++)
            {
                Run(b);
            }
        }

        var totals = new double[specs.Count];
        for (var b = 0; b < blocks; b++)
        {
            for (var f = 0; f < specs.Count; f++)
            {
                totals[f] += partial[(b * specs.Count) + f];
            }
        }

        return totals;
    }

    /// <summary>Column by column through the model's own scoring: for models without a compiled form.</summary>
    private static double[] Reference(ChurnModel model, ModelTable table, int[] indices, int keep, int[] best, double[] strength)
    {
        var n = table.Count;
        var specs = model.Featurizer.Specs;
        var totals = new double[specs.Count];
        if (n == 0)
        {
            return totals;
        }

        var baseline = model.Score(table);
        for (var f = 0; f < specs.Count; f++)
        {
            var spec = specs[f];
            var column = table.Columns[indices[f]];
            ModelColumn typical = spec.Kind == ModelColumnKind.Numeric
                ? column with { Numbers = Enumerable.Repeat(spec.Mean, n).ToArray(), Categories = null, Kind = ModelColumnKind.Numeric }
                : column with { Categories = Enumerable.Repeat(spec.Levels.Count > 0 ? spec.Levels[0] : null, n).ToArray(), Numbers = null, Kind = ModelColumnKind.Categorical };
            var columns = table.Columns.ToArray();
            columns[indices[f]] = typical;
            var changed = model.Score(new ModelTable(columns, null, null, null));
            for (var r = 0; r < n; r++)
            {
                var contribution = baseline[r] - changed[r];
                totals[f] += Math.Abs(contribution);
                Keep(best.AsSpan(r * keep, keep), strength.AsSpan(r * keep, keep), f, contribution);
            }
        }

        return totals;
    }

    /// <summary>Inserts a contribution into a row's strongest few (by absolute value, strictly stronger to overtake).</summary>
    private static void Keep(Span<int> best, Span<double> strength, int feature, double contribution)
    {
        var size = Math.Abs(contribution);
        var at = best.Length;
        while (at > 0 && (best[at - 1] < 0 || size > Math.Abs(strength[at - 1])))
        {
            at--;
        }

        if (at == best.Length)
        {
            return;
        }

        for (var k = best.Length - 1; k > at; k--)
        {
            best[k] = best[k - 1];
            strength[k] = strength[k - 1];
        }

        best[at] = feature;
        strength[at] = contribution;
    }
}
