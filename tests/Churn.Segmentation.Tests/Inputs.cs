using Churn.Abstractions;
using FsCheck;
using FsCheck.Fluent;

namespace Churn.Segmentation.Tests;

/// <summary>Random assessed customers for properties.</summary>
internal static class Inputs
{
    public static readonly DateTimeOffset AsOf = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static readonly FeatureSchema Schema = new(
    [
        new FeatureDefinition("recency_days", FeatureKind.Days, "days since the last purchase"),
        new FeatureDefinition("frequency", FeatureKind.Count, "purchases so far"),
        new FeatureDefinition("tickets_30d", FeatureKind.Count, "support tickets in the last 30 days"),
    ]);

    private static readonly string[] Channels = ["email", "phone", "sms"];

    /// <summary>One customer: probability (or churned, or unscored), value, features, channel.</summary>
    public static Gen<Func<int, SegmentInput>> One() =>
        from kind in Gen.Choose(0, 19)
        from p in Gen.Choose(0, 1000)
        from value in Gen.Choose(0, 5000)
        from recency in Gen.Choose(0, 400)
        from frequency in Gen.Choose(0, 40)
        from tickets in Gen.Choose(0, 5)
        from channel in Gen.Elements(Channels)
        from churned in Gen.Elements(true, false)
        select (Func<int, SegmentInput>)(index => Make(index, kind == 0 ? RiskLevel.Churned : RiskLevel.Low, kind == 1 ? null : p / 1000.0, value, recency, frequency, tickets, channel, churned));

    public static Gen<SegmentInput[]> Many(int min = 1, int max = 200) =>
        Gen.ArrayOf(One()).Resize(max).Where(a => a.Length >= min).Select(a => a.Select((make, i) => make(i)).ToArray());

    public static SegmentInput Make(int index, RiskLevel level, double? probability, double value, double recency, double frequency, double tickets, string channel, bool? churned = null)
    {
        var id = new CustomerId("c" + index.ToString("D5", System.Globalization.CultureInfo.InvariantCulture));
        var assessment = new RiskAssessment(id, AsOf, level == RiskLevel.Churned || probability is null ? null : new ChurnProbability(probability.Value), level)
        {
            Value = new CustomerValue((decimal)value, (decimal)(value * 1.5)),
        };
        var snapshot = new CustomerSnapshot(id, AsOf, Schema, [frequency == 0 ? double.NaN : recency, frequency, tickets]);
        var profile = new CustomerProfile(id)
        {
            PreferredChannels = [channel],
            ContactConsent = index % 3 != 0,
            Attributes = new Dictionary<string, string> { ["region"] = index % 2 == 0 ? "North" : "South West", ["plan"] = index % 4 == 0 ? "gold" : "basic" },
        };
        return new SegmentInput(assessment, snapshot, profile) { Churned = churned };
    }

    public static IReadOnlyList<SegmentScheme> AllSchemes() =>
    [
        new ValueRiskMatrix(),
        new ValueRiskMatrix("grid") { ValueCuts = Cuts.Quantiles(0.3, 0.7), RiskCuts = Cuts.Absolute(0.2, 0.5), CrossWith = [SegmentDimension.PreferredChannel(), SegmentDimension.Region()] },
        new RfmSegmentation(),
        new RuleSegmentation("rules", [new RuleSegment("vip-risk", "Valuable and at risk", "probability >= 0.5 and value > 3000"), new RuleSegment("noisy", "Many tickets", "tickets_30d >= 3"), new RuleSegment("gold", "Gold plan", "plan == \"gold\"")], new SegmentInfo("rest", "Everyone else")),
        new ClusterSegmentation("clusters", ["value", "tickets_30d", "frequency"]) { MaxClusters = 5, Restarts = 1 },
    ];
}
