namespace Churn.Modeling;

/// <summary>One feature's population stability index.</summary>
/// <param name="Feature">The feature.</param>
/// <param name="Psi">The index: below 0.1 stable, 0.1–0.25 moderate shift, above 0.25 major shift.</param>
/// <param name="Verdict">"stable", "moderate shift" or "major shift".</param>
public sealed record FeatureDrift(string Feature, double Psi, string Verdict);

/// <summary>
/// Population stability index between a reference sample (the training data) and new data:
/// PSI = Σ (aᵢ − eᵢ) ln(aᵢ / eᵢ) over bins cut at the reference deciles, missing values in a bin of
/// their own, shares floored at 1e-4 so empty bins stay finite.
/// </summary>
public static class PopulationStability
{
    /// <summary>Computes the PSI of one feature.</summary>
    /// <param name="expected">Reference values (NaN = missing).</param>
    /// <param name="actual">New values (NaN = missing).</param>
    /// <param name="bins">Quantile bins of the reference.</param>
    /// <returns>The index (0 for identical distributions).</returns>
    /// <exception cref="ArgumentException">A sample is empty.</exception>
    public static double Compute(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, int bins = 10)
    {
        if (expected.IsEmpty || actual.IsEmpty)
        {
            throw new ArgumentException("Both samples need values.");
        }

        var present = expected.ToArray().Where(v => !double.IsNaN(v)).Order().ToArray();
        var edges = present.Length == 0
            ? []
            : Enumerable.Range(1, bins - 1).Select(k => present[Math.Min(present.Length - 1, k * present.Length / bins)]).Distinct().ToArray();
        var e = Histogram(expected, edges);
        var a = Histogram(actual, edges);
        double psi = 0;
        for (var i = 0; i < e.Length; i++)
        {
            var ei = Math.Max(e[i] / expected.Length, 1e-4);
            var ai = Math.Max(a[i] / actual.Length, 1e-4);
            psi += (ai - ei) * Math.Log(ai / ei);
        }

        return psi;
    }

    /// <summary>Computes the PSI of every named feature.</summary>
    /// <param name="features">Feature names and their reference and new values.</param>
    /// <returns>The indices, largest shift first.</returns>
    public static IReadOnlyList<FeatureDrift> Compute(IEnumerable<(string Feature, double[] Expected, double[] Actual)> features)
    {
        ArgumentNullException.ThrowIfNull(features);
        return [.. features.Select(f =>
        {
            var psi = Compute(f.Expected, f.Actual);
            return new FeatureDrift(f.Feature, psi, psi < 0.1 ? "stable" : psi < 0.25 ? "moderate shift" : "major shift");
        }).OrderByDescending(d => d.Psi)];
    }

    private static double[] Histogram(ReadOnlySpan<double> values, double[] edges)
    {
        var counts = new double[edges.Length + 2];
        foreach (var v in values)
        {
            if (double.IsNaN(v))
            {
                counts[^1]++;
                continue;
            }

            var i = Array.BinarySearch(edges, v);
            counts[i < 0 ? ~i : i]++;
        }

        return counts;
    }
}
