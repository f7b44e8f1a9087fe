namespace Churn.Modeling;

/// <summary>One feature's population stability index.</summary>
/// <param name="Feature">The feature.</param>
/// <param name="Psi">The index: below 0.1 stable, 0.1–0.25 moderate shift, above 0.25 major shift.</param>
/// <param name="Verdict">"stable", "moderate shift" or "major shift".</param>
public sealed record FeatureDrift(string Feature, double Psi, string Verdict);

/// <summary>
/// One variable's distribution in the training data, kept in the model file so drift can be measured without it: for a
/// number, the reference decile edges and the share in each bin (then the share missing); for a category, the share of
/// each level (the 50 most frequent), then of the other levels, then missing.
/// </summary>
/// <param name="Name">The feature, or <c>score</c> for the model's probability.</param>
/// <param name="Edges">The bin edges of a number (empty for a category).</param>
/// <param name="Levels">The levels of a category (empty for a number).</param>
/// <param name="Shares">The shares: one per bin (edges + 1) or level, then other levels (categories only), then missing.</param>
public sealed record DriftBins(string Name, IReadOnlyList<double> Edges, IReadOnlyList<string> Levels, IReadOnlyList<double> Shares);

/// <summary>The training data's distributions: every feature's and the cross-validated probability's.</summary>
/// <param name="Features">Each feature's bins.</param>
/// <param name="Score">The probabilities' bins, when known.</param>
/// <param name="Rows">The rows profiled (at most 100,000, taken at an even stride).</param>
public sealed record DriftProfile(IReadOnlyList<DriftBins> Features, DriftBins? Score, int Rows);

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

    /// <summary>Profiles a table (and its scores) as the reference of later drift checks: at most <paramref name="maxRows"/> rows, taken at an even stride.</summary>
    /// <param name="table">The training table.</param>
    /// <param name="scores">The training rows' probabilities (for example the cross-validated ones), or null.</param>
    /// <param name="maxRows">The most rows read.</param>
    /// <param name="bins">Quantile bins of a number.</param>
    /// <returns>The profile.</returns>
    public static DriftProfile Profile(ModelTable table, IReadOnlyList<double>? scores = null, int maxRows = 100_000, int bins = 10)
    {
        ArgumentNullException.ThrowIfNull(table);
        var stride = Math.Max(1, (table.Count + maxRows - 1) / Math.Max(1, maxRows));
        int[] rows = [.. Enumerable.Range(0, (table.Count + stride - 1) / stride).Select(k => k * stride)];
        var features = table.Columns.Select(c => c.Kind == ModelColumnKind.Numeric
            ? Numbers(c.Name, [.. rows.Select(i => c.Numbers![i])], bins)
            : Categories(c.Name, [.. rows.Select(i => c.Categories![i])])).ToList();
        var score = scores is { Count: > 0 } ? Numbers("score", [.. rows.Where(i => i < scores.Count).Select(i => scores[i])], bins) : null;
        return new DriftProfile(features, score, rows.Length);
    }

    /// <summary>The PSI of new numbers against a number's reference bins.</summary>
    /// <param name="reference">The reference.</param>
    /// <param name="actual">The new values (NaN = missing).</param>
    /// <returns>The index.</returns>
    public static double Compute(DriftBins reference, ReadOnlySpan<double> actual)
    {
        ArgumentNullException.ThrowIfNull(reference);
        if (reference.Levels.Count > 0 || actual.IsEmpty)
        {
            throw new ArgumentException($"'{reference.Name}' is a category, or there are no values.", nameof(reference));
        }

        return Psi(reference.Shares, Histogram(actual, [.. reference.Edges]), actual.Length);
    }

    /// <summary>The PSI of new categories against a category's reference shares.</summary>
    /// <param name="reference">The reference.</param>
    /// <param name="actual">The new values (null = missing).</param>
    /// <returns>The index.</returns>
    public static double Compute(DriftBins reference, IReadOnlyList<string?> actual)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(actual);
        if (reference.Edges.Count > 0 || actual.Count == 0)
        {
            throw new ArgumentException($"'{reference.Name}' is a number, or there are no values.", nameof(reference));
        }

        var index = reference.Levels.Select((l, i) => (l, i)).ToDictionary(x => x.l, x => x.i, StringComparer.Ordinal);
        var counts = new double[reference.Levels.Count + 2];
        foreach (var v in actual)
        {
            counts[v is null ? ^1 : index.TryGetValue(v, out var i) ? i : ^2]++;
        }

        return Psi(reference.Shares, counts, actual.Count);
    }

    private static DriftBins Numbers(string name, double[] values, int bins)
    {
        var present = values.Where(v => !double.IsNaN(v)).Order().ToArray();
        double[] edges = present.Length == 0
            ? []
            : [.. Enumerable.Range(1, bins - 1).Select(k => present[Math.Min(present.Length - 1, k * present.Length / bins)]).Distinct()];
        var counts = Histogram(values, edges);
        return new DriftBins(name, edges, [], [.. counts.Select(c => c / Math.Max(1, values.Length))]);
    }

    private static DriftBins Categories(string name, string?[] values)
    {
        var levels = values.OfType<string>().GroupBy(v => v, StringComparer.Ordinal).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Take(50).Select(g => g.Key).ToList();
        var index = levels.Select((l, i) => (l, i)).ToDictionary(x => x.l, x => x.i, StringComparer.Ordinal);
        var counts = new double[levels.Count + 2];
        foreach (var v in values)
        {
            counts[v is null ? ^1 : index.TryGetValue(v, out var i) ? i : ^2]++;
        }

        return new DriftBins(name, [], levels, [.. counts.Select(c => c / Math.Max(1, values.Length))]);
    }

    private static double Psi(IReadOnlyList<double> expectedShares, double[] actualCounts, int actualCount)
    {
        double psi = 0;
        for (var i = 0; i < actualCounts.Length; i++)
        {
            var ei = Math.Max(expectedShares[i], 1e-4);
            var ai = Math.Max(actualCounts[i] / actualCount, 1e-4);
            psi += (ai - ei) * Math.Log(ai / ei);
        }

        return psi;
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

/// <summary>A model's drift on new data: the PSI of its probability and of every feature against its training data.</summary>
/// <param name="Overall">The PSI of the model's probability (the score): what the drift does to the decisions.</param>
/// <param name="Threshold">The threshold of the verdict.</param>
/// <param name="Drifted">Whether <paramref name="Overall"/> reaches the threshold.</param>
/// <param name="Features">Every feature's PSI, largest first.</param>
/// <param name="Rows">The new rows.</param>
public sealed record ModelDrift(double Overall, double Threshold, bool Drifted, IReadOnlyList<FeatureDrift> Features, int Rows);
