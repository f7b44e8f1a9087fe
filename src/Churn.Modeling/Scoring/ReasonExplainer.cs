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
public static class ReasonExplainer
{
    /// <summary>Explains every row of a table.</summary>
    /// <param name="model">The model.</param>
    /// <param name="table">The data.</param>
    /// <param name="top">How many reasons per row.</param>
    /// <returns>Per row, the strongest reasons (by absolute contribution), and the global importance per column.</returns>
    public static (IReadOnlyList<IReadOnlyList<RiskReason>> Reasons, IReadOnlyList<(string Feature, double Importance)> Importance) Explain(ChurnModel model, ModelTable table, int top = 3)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(table);
        ArgumentOutOfRangeException.ThrowIfNegative(top);
        var n = table.Count;
        var baseline = model.Score(table);
        var specs = model.Featurizer.Specs;

        // Each row keeps its strongest reasons as they come (spec index and contribution, strongest
        // first; ties keep the earlier column): words are made only for those, at the end.
        var keep = Math.Min(top, specs.Count);
        var best = new int[n * keep];
        var strength = new double[n * keep];
        Array.Fill(best, -1);
        var indices = new int[specs.Count];
        var importance = new List<(string, double)>();
        for (var f = 0; f < specs.Count; f++)
        {
            var spec = specs[f];
            var index = indices[f] = table.Columns.Select((c, i) => (c, i)).First(x => string.Equals(x.c.Name, spec.Name, StringComparison.OrdinalIgnoreCase)).i;
            var column = table.Columns[index];
            ModelColumn typical = spec.Kind == ModelColumnKind.Numeric
                ? column with { Numbers = Enumerable.Repeat(spec.Mean, n).ToArray(), Categories = null, Kind = ModelColumnKind.Numeric }
                : column with { Categories = Enumerable.Repeat(spec.Levels.Count > 0 ? spec.Levels[0] : null, n).ToArray(), Numbers = null, Kind = ModelColumnKind.Categorical };
            var columns = table.Columns.ToArray();
            columns[index] = typical;
            var changed = model.Score(new ModelTable(columns, null, null, null));
            double sum = 0;
            for (var r = 0; r < n; r++)
            {
                var contribution = baseline[r] - changed[r];
                sum += Math.Abs(contribution);
                Keep(best.AsSpan(r * keep, keep), strength.AsSpan(r * keep, keep), f, contribution);
            }

            importance.Add((spec.Name, sum / Math.Max(1, n)));
        }

        var perRow = new IReadOnlyList<RiskReason>[n];
        for (var r = 0; r < n; r++)
        {
            var reasons = new List<RiskReason>(keep);
            for (var k = 0; k < keep && best[(r * keep) + k] >= 0; k++)
            {
                var f = best[(r * keep) + k];
                var contribution = strength[(r * keep) + k];
                var column = table.Columns[indices[f]];
                var value = column.Kind == ModelColumnKind.Numeric ? column.Numbers![r] : double.NaN;
                var shown = column.Kind == ModelColumnKind.Numeric
                    ? (double.IsNaN(value) ? "missing" : value.ToString("0.##", CultureInfo.InvariantCulture))
                    : column.Categories![r] ?? "missing";
                var text = $"{Describe(column, value, shown)}: {(contribution >= 0 ? "raises" : "lowers")} the churn risk by {(Math.Abs(contribution) * 100).ToString("0.#", CultureInfo.InvariantCulture)} points";
                reasons.Add(new RiskReason(specs[f].Name, value, contribution, text));
            }

            perRow[r] = reasons;
        }

        return (perRow, [.. importance.OrderByDescending(x => x.Item2)]);
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

    /// <summary>Words for a value: "74 days since the last purchase", "3 support tickets in the last 30 days", or "Contract is Month-to-month".</summary>
    private static string Describe(ModelColumn column, double value, string shown)
    {
        if (column.Definition is not { } d || string.IsNullOrEmpty(d.Description))
        {
            return $"{column.Name} is {shown}";
        }

        if (double.IsNaN(value))
        {
            return $"{d.Description}: unknown";
        }

        var v = value.ToString(d.Kind is FeatureKind.Money or FeatureKind.Ratio or FeatureKind.Score or FeatureKind.Number ? "0.##" : "0", CultureInfo.InvariantCulture);
        return d.Kind switch
        {
            FeatureKind.Days => $"{v} {d.Description}",
            FeatureKind.Count => $"{v} {d.Description}",
            FeatureKind.Flag => value >= 0.5 ? d.Description : $"not: {d.Description}",
            _ => $"{d.Description}: {v}",
        };
    }
}
