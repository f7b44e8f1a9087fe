using Churn.Abstractions;
using FsCheck;
using FsCheck.Fluent;

namespace Churn.Segmentation.Tests;

public class SchemeTests
{
    [Fact]
    public void ValueRiskMatrix_NamesTheFourCells_AndAHostCanRenameThem()
    {
        SegmentInput[] inputs =
        [
            Inputs.Make(1, RiskLevel.High, 0.8, 5000, 1, 1, 0, "email"),
            Inputs.Make(2, RiskLevel.Low, 0.1, 5000, 1, 1, 0, "email"),
            Inputs.Make(3, RiskLevel.Low, 0.1, 10, 1, 1, 0, "email"),
            Inputs.Make(4, RiskLevel.High, 0.8, 10, 1, 1, 0, "phone"),
            Inputs.Make(5, RiskLevel.Churned, null, 10, 1, 1, 0, "phone"),
            Inputs.Make(6, RiskLevel.Low, null, 10, 1, 1, 0, "phone"),
        ];

        var matrix = new ValueRiskMatrix { Names = new Dictionary<string, string> { ["protect"] = "VIP rescue" } }.Fit(inputs);

        Assert.Equal(["protect", "retain-cheaply", "grow", "let-go", "churned", "unscored"], inputs.Select(matrix.Assign));
        Assert.Equal("VIP rescue", matrix.NameOf("protect"));
        Assert.Equal("Let go: low value, high risk", matrix.NameOf("let-go"));
    }

    [Fact]
    public void ValueRiskMatrix_QuantileCuts_SplitTheScoredPopulation()
    {
        Prop.ForAll(Inputs.Many(20, 300).ToArbitrary(), inputs =>
        {
            var scored = inputs.Where(i => i.Assessment.Level != RiskLevel.Churned && !double.IsNaN(i.Probability)).ToArray();
            if (scored.Length < 10)
            {
                return;
            }

            var fitted = new ValueRiskMatrix { ValueCuts = Cuts.Quantiles(0.5), RiskCuts = Cuts.Quantiles(0.8) }.Fit(inputs);
            var labels = scored.Select(fitted.Assign).ToArray();
            var high = labels.Count(l => l is "protect" or "retain-cheaply");
            var risky = labels.Count(l => l is "protect" or "let-go");
            var distinctValues = scored.Select(i => i.Value).Distinct().Count();

            // No more than half above the median, no more than a fifth above the 80th percentile (ties go below).
            Assert.True(high <= scored.Length / 2, $"{high} of {scored.Length} above the median");
            Assert.True(risky <= scored.Length / 5 + 1, $"{risky} of {scored.Length} above the 80th percentile");
            if (distinctValues == scored.Length)
            {
                Assert.Equal(scored.Length / 2, high);
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(60));
    }

    [Fact]
    public void Crossing_AddsTheDimensionsToTheIdAndName()
    {
        var input = Inputs.Make(2, RiskLevel.High, 0.8, 5000, 1, 1, 0, "email");
        var scheme = new ValueRiskMatrix { ValueCuts = Cuts.Absolute(100), CrossWith = [SegmentDimension.PreferredChannel(), SegmentDimension.Region(), SegmentDimension.ContactConsent(), SegmentDimension.Language()] }.Fit([]);

        Assert.Equal("protect/email/north/consent/unknown", scheme.Assign(input));
        Assert.Equal("Protect: high value, high risk / email / north / consent / unknown", scheme.NameOf(scheme.Assign(input)));
        Assert.Equal("south-west", SegmentDimension.Region().ValueOf(Inputs.Make(3, RiskLevel.Low, 0.1, 1, 1, 1, 0, "sms")));
        Assert.Throws<ArgumentException>(() => SegmentDimension.Parse("shoe_size"));
    }

    [Theory]
    [InlineData("17", "under-18")]
    [InlineData("24", "18-24")]
    [InlineData("34.5", "25-34")]
    [InlineData("70", "65+")]
    public void AgeBand_FromANumericAge(string age, string band)
    {
        var input = new SegmentInput(new RiskAssessment("c", Inputs.AsOf, 0.1, RiskLevel.Low), null, new CustomerProfile("c") { Attributes = new Dictionary<string, string> { ["age"] = age } });

        Assert.Equal(band, SegmentDimension.AgeBand().ValueOf(input));
    }

    [Fact]
    public void Rules_FirstMatchWins_ThenTheFallback()
    {
        var scheme = (RuleSegmentation)Inputs.AllSchemes()[3];
        var fitted = scheme.Fit([Inputs.Make(0, RiskLevel.Low, 0.1, 1, 1, 1, 0, "email")]);

        Assert.Equal("vip-risk", fitted.Assign(Inputs.Make(4, RiskLevel.High, 0.9, 4000, 1, 1, 4, "email")));
        Assert.Equal("noisy", fitted.Assign(Inputs.Make(4, RiskLevel.Low, 0.1, 4000, 1, 1, 4, "email")));
        Assert.Equal("gold", fitted.Assign(Inputs.Make(4, RiskLevel.Low, 0.1, 4000, 1, 1, 0, "email")));
        Assert.Equal("rest", fitted.Assign(Inputs.Make(5, RiskLevel.Low, 0.1, 4000, 1, 1, 0, "email")));
    }

    [Fact]
    public void Rules_AnErrorNamesTheSegmentAndThePosition()
    {
        var scheme = new RuleSegmentation("r", [new RuleSegment("a", "A", "probability > 0.5"), new RuleSegment("b", "B", "value >\n  nonsense_feature")], new SegmentInfo("rest", "Rest"));

        var ex = Assert.Throws<SegmentRuleException>(() => scheme.Fit([]));

        Assert.Equal(("r", "b", 2), (ex.SchemeId, ex.SegmentId, ex.Line));
        Assert.Contains("nonsense_feature", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new RuleSegmentation("r", [new RuleSegment("rest", "A", "value > 1")], new SegmentInfo("rest", "Rest")));
    }

    [Fact]
    public void KMeans_RecoversPlantedClusters_AndChoosesTheirNumber()
    {
        var inputs = Planted(900, seed: 1);

        var fitted = (ClusterSegmentation.Fitted)new ClusterSegmentation("k", ["value", "tickets_30d"]) { MaxClusters = 6 }.Fit(inputs);
        var labels = inputs.Select(fitted.Assign).ToArray();

        Assert.Equal(3, fitted.Ids.Length);
        Assert.Equal(3, fitted.Scores.MaxBy(s => s.Value).Key);
        for (var g = 0; g < 3; g++)
        {
            // Every planted group lands in one cluster of its own.
            var group = labels.Where((_, i) => i % 3 == g).Distinct().ToArray();
            Assert.Single(group);
        }

        Assert.Equal(3, labels.Distinct().Count());
    }

    [Fact]
    public void KMeans_AddingCustomers_KeepsTheLabelsOfTheOthers()
    {
        Prop.ForAll(Gen.Choose(1, 10_000).ToArbitrary(), seed =>
        {
            var first = Planted(300, seed);
            var more = Planted(360, seed + 1).Skip(300).Select((s, i) => Inputs.Make(5000 + i, RiskLevel.Low, s.Probability, s.Value, 1, 1, s.Number("tickets_30d"), "email")).ToArray();
            var scheme = new ClusterSegmentation("k", ["value", "tickets_30d"]) { MaxClusters = 5, Seed = seed };

            var before = scheme.Fit(first);
            var after = scheme.Fit([.. first, .. more], before);

            Assert.All(first, c => Assert.Equal(before.Assign(c), after.Assign(c)));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(15));
    }

    [Fact]
    public void KMeans_RefitOnRenumberedRows_KeepsIds()
    {
        var inputs = Planted(600, seed: 4);
        var scheme = new ClusterSegmentation("k", ["value", "tickets_30d"]) { MaxClusters = 5 };
        var first = scheme.Fit(inputs);

        // Another seed finds the same clusters in another order; matching gives them their old ids.
        var second = new ClusterSegmentation("k", ["value", "tickets_30d"]) { MaxClusters = 5, Seed = 99 }.Fit(inputs, first);

        Assert.All(inputs, c => Assert.Equal(first.Assign(c), second.Assign(c)));
    }

    [Fact]
    public void KMeans_DaviesBouldinAlsoFindsThePlantedNumber()
    {
        var inputs = Planted(600, seed: 2);

        var fitted = (ClusterSegmentation.Fitted)new ClusterSegmentation("k", ["value", "tickets_30d"]) { Criterion = ClusterCriterion.DaviesBouldin }.Fit(inputs);

        Assert.Equal(3, fitted.Ids.Length);
    }

    /// <summary>Three well-separated groups on (value, tickets): customer i is in group i % 3.</summary>
    internal static SegmentInput[] Planted(int n, int seed)
    {
        var rng = new Random(seed);
        (double Value, double Tickets)[] centres = [(100, 0), (5000, 1), (2000, 8)];
        return [.. Enumerable.Range(0, n).Select(i =>
        {
            var (v, t) = centres[i % 3];
            return Inputs.Make(i, RiskLevel.Low, rng.NextDouble(), v + (rng.NextDouble() * 200), 1, 1, t + rng.NextDouble(), "email");
        })];
    }
}
