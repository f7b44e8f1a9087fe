using System.Globalization;
using Churn.Segmentation;

namespace Churn.Reports;

/// <summary>The segment report: per scheme, segment sizes and value at risk, the value × risk map coloured by segment, and the profiles.</summary>
public static class SegmentReport
{
    private const int MapPoints = 5_000;

    /// <summary>Builds the report of a segmentation run.</summary>
    /// <param name="result">The result (segments and profiles).</param>
    /// <param name="inputs">The customers, in the result's order.</param>
    /// <returns>The report.</returns>
    public static Report Create(SegmentationResult result, IReadOnlyList<SegmentInput> inputs)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count != result.Customers)
        {
            throw new ArgumentException($"{inputs.Count} customers for a result of {result.Customers}.", nameof(inputs));
        }

        var n = inputs.Count;
        var on = string.Create(CultureInfo.InvariantCulture, $"{n:N0} customers");
        var report = new Report("Churn segment report", string.Create(CultureInfo.InvariantCulture, $"{on}, {result.Schemes.Count} scheme(s)"));
        var step = Math.Max(1, n / MapPoints);
        foreach (var scheme in result.Schemes)
        {
            var section = report.Section($"{scheme.Scheme.Id} ({scheme.Scheme.Scheme.Kind})");
            var profiles = scheme.Profiles.Where(p => p.Customers > 0).ToList();
            var shown = profiles.Take(25).ToList();
            var ids = shown.Select(p => p.SegmentId).ToList();
            section.Add(new Chart(scheme.Scheme.Id + "-sizes", "Segment sizes", "Customers", string.Empty,
                $"How many customers each segment holds{(profiles.Count > shown.Count ? $" (the first {shown.Count} of {profiles.Count} segments)" : string.Empty)}. {on}.",
                [new ChartSeries("customers", [.. shown.Select((_, i) => i + 1.0)], [.. shown.Select(p => (double)p.Customers)]) { Style = SeriesStyle.Bars }])
            { Categories = ids, Horizontal = true });
            section.Add(new Chart(scheme.Scheme.Id + "-value-at-risk", "Value at risk by segment", "Value at risk: sum of probability × value (currency)", string.Empty,
                $"Where the expected loss lies: each segment's sum over its scored customers of the churn probability times the value. {on}.",
                [new ChartSeries("value at risk", [.. shown.Select((_, i) => i + 1.0)], [.. shown.Select(p => p.ValueAtRisk)]) { Style = SeriesStyle.Bars }])
            { Categories = ids, Horizontal = true });

            var mapped = Enumerable.Range(0, n).Where(i => i % step == 0 && !double.IsNaN(inputs[i].Probability)).Take(MapPoints).ToList();
            if (mapped.Count > 0)
            {
                var groups = mapped.GroupBy(i => scheme.Segments[i]).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Take(7);
                section.Add(new Chart(scheme.Scheme.Id + "-map", "Value × risk map", "Probability of churning", "Value (currency)",
                    $"Each dot is a customer, coloured by segment (the 7 largest among the mapped); {mapped.Count:N0} of {n:N0} customers, an even sample.",
                    groups.Select(g => new ChartSeries(g.Key, [.. g.Select(i => inputs[i].Probability)], [.. g.Select(i => inputs[i].Value)]) { Style = SeriesStyle.Markers }))
                { XRange = (0, 1) });
            }

            section.Add(new ReportTable("Profiles", ["segment", "name", "customers", "churn rate", "mean probability", "mean value", "value at risk", "defining features", "channels"],
                [.. profiles.Select(p => (IReadOnlyList<string>)[
                    p.SegmentId,
                    p.Name,
                    p.Customers.ToString("N0", CultureInfo.InvariantCulture),
                    p.ChurnRate is { } c ? c.ToString("P1", CultureInfo.InvariantCulture) : "-",
                    p.MeanProbability is { } m ? m.ToString("0.000", CultureInfo.InvariantCulture) : "-",
                    p.MeanValue.ToString("N2", CultureInfo.InvariantCulture),
                    p.ValueAtRisk.ToString("N2", CultureInfo.InvariantCulture),
                    string.Join("; ", p.DefiningFeatures.Select(d => d.Text)),
                    string.Join(", ", p.PreferredChannels.Take(3).Select(ch => $"{ch.Channel} {ch.Share.ToString("P0", CultureInfo.InvariantCulture)}"))])]));
        }

        return report;
    }
}
