using Churn.Abstractions;
using Churn.Value;
using FsCheck;
using FsCheck.Fluent;

namespace Churn.Segmentation.Tests;

public class SchemePropertyTests
{
    private static readonly Config Config = Config.QuickThrowOnFailure.WithMaxTest(40);

    [Fact]
    public void EveryCustomer_GetsExactlyOneKnownSegmentPerScheme_AndSizesAddUp()
    {
        Prop.ForAll(Inputs.Many(5, 150).ToArbitrary(), inputs =>
        {
            var segmentation = Segmenter.Fit(Inputs.AllSchemes(), inputs);
            var result = segmentation.Run(inputs);

            Assert.Equal(segmentation.Schemes.Count, result.Schemes.Count);
            foreach (var scheme in result.Schemes)
            {
                Assert.Equal(inputs.Length, scheme.Segments.Count);
                Assert.Equal(inputs.Length, scheme.Profiles.Sum(p => p.Customers));
                var known = scheme.Scheme.Segments.Select(s => s.Id).ToHashSet();
                Assert.All(scheme.Segments, s => Assert.Contains(s.Split('/')[0], known));
                Assert.Equal(scheme.Segments.Distinct().Count(), scheme.Profiles.Count(p => p.Customers > 0));
                for (var i = 0; i < inputs.Length; i++)
                {
                    Assert.Equal(scheme.Segments[i], scheme.Scheme.Assign(inputs[i]));
                }
            }
        }).Check(Config);
    }

    [Fact]
    public void SameInputAndSeed_GiveSameSegments_AndShuffledRowsGiveSameClusters()
    {
        var arb = (from inputs in Inputs.Many(10, 300) from seed in Gen.Choose(0, 1000) select (inputs, seed)).ToArbitrary();
        Prop.ForAll(arb, t =>
        {
            var (inputs, seed) = t;
            var shuffled = inputs.OrderBy(i => HashCode.Combine(i.CustomerId.Value, seed)).ToArray();
            var schemes = Inputs.AllSchemes();

            var a = ById(inputs, Segmenter.Fit(schemes, inputs).Run(inputs));
            var b = ById(inputs, Segmenter.Fit(schemes, inputs).Run(inputs));
            var c = ById(shuffled, Segmenter.Fit(schemes, shuffled).Run(shuffled));

            Assert.Equal(a, b);
            Assert.Equal(a, c);
        }).Check(Config);
    }

    [Fact]
    public async Task OneThreadOrMany_GiveTheSameSegments()
    {
        var inputs = SchemeTests.Planted(30_000, seed: 6);
        var schemes = Inputs.AllSchemes();
        var many = Labels(Segmenter.Fit(schemes, inputs).Run(inputs));

        // Parallel loops run on the current scheduler: one that allows a single thread at a time.
        var single = new ConcurrentExclusiveSchedulerPair(TaskScheduler.Default, maxConcurrencyLevel: 1).ConcurrentScheduler;
        var one = await Task.Factory.StartNew(() => Labels(Segmenter.Fit(schemes, inputs).Run(inputs)), TestContext.Current.CancellationToken, TaskCreationOptions.None, single);

        Assert.Equal(many, one);
    }

    [Fact]
    public void Rfm_PlacesThePopulationWhereRfmScorerDoes_ForAnyBins()
    {
        var arb = (from inputs in Inputs.Many(1, 250) from bins in Gen.Choose(2, 10) select (inputs, bins)).ToArbitrary();
        Prop.ForAll(arb, t =>
        {
            var (inputs, bins) = t;
            var buyers = inputs.Where(i => i.Number("frequency") > 0).ToArray();
            if (buyers.Length == 0)
            {
                return;
            }

            var fitted = new RfmSegmentation { Bins = bins }.Fit(inputs);
            var expected = new RfmScorer(bins).Score([.. buyers.Select(i => new RfmInput(i.CustomerId, i.Number("recency_days"), i.Number("frequency"), 0))]);

            for (var i = 0; i < buyers.Length; i++)
            {
                Assert.Equal(RfmSegmentation.IdOf(expected[i].Segment), fitted.Assign(buyers[i]));
            }

            Assert.All(inputs.Where(i => !(i.Number("frequency") > 0)), i => Assert.Equal("no-purchases", fitted.Assign(i)));
        }).Check(Config);
    }

    [Fact]
    public void SavedAndLoaded_PlacesEveryCustomerAsBefore()
    {
        Prop.ForAll(Inputs.Many(5, 150).ToArbitrary(), inputs =>
        {
            var segmentation = Segmenter.Fit(Inputs.AllSchemes(), inputs);
            var json = segmentation.ToJson();
            var loaded = Segmenter.FromJson(json);

            Assert.Equal(Labels(segmentation.Run(inputs)), Labels(loaded.Run(inputs)));
            Assert.Equal(Without(json, "scores"), Without(loaded.ToJson(), "scores"));
        }).Check(Config);
    }

    [Fact]
    public void Profiles_AddUpToTheirDefinitions()
    {
        Prop.ForAll(Inputs.Many(1, 150).ToArbitrary(), inputs =>
        {
            var result = Segmenter.Fit([new ValueRiskMatrix()], inputs.Any(i => !double.IsNaN(i.Probability) && i.Assessment.Level != RiskLevel.Churned) ? inputs : [.. inputs, Inputs.Make(99_999, RiskLevel.Low, 0.5, 10, 1, 1, 0, "email")]).Run(inputs);
            var scheme = result.Schemes[0];
            foreach (var profile in scheme.Profiles)
            {
                var members = inputs.Where((_, i) => scheme.Segments[i] == profile.SegmentId).ToArray();
                Assert.Equal(members.Length, profile.Customers);
                Assert.Equal(members.Sum(m => m.Value), profile.TotalValue, 6);
                var scored = members.Where(m => !double.IsNaN(m.Probability)).ToArray();
                Assert.Equal(scored.Sum(m => m.Probability * m.Value), profile.ValueAtRisk, 6);
                Assert.Equal(scored.Length == 0 ? null : scored.Average(m => m.Probability), profile.MeanProbability);
                var known = members.Where(m => m.Churned is not null).ToArray();
                Assert.Equal(known.Length == 0 ? null : known.Count(m => m.Churned == true) / (double)known.Length, profile.ChurnRate);
                Assert.Equal(members.Length, profile.PreferredChannels.Sum(c => c.Share) * members.Length, 6);
            }
        }).Check(Config);
    }

    [Fact]
    public void Transitions_CountEveryCustomerOnce()
    {
        var arb = (from a in Gen.ArrayOf(Gen.Zip(Gen.Choose(0, 40), Gen.Elements("a", "b", "c")))
                   from b in Gen.ArrayOf(Gen.Zip(Gen.Choose(0, 40), Gen.Elements("a", "b", "c")))
                   select (a.DistinctBy(x => x.Item1).ToArray(), b.DistinctBy(x => x.Item1).ToArray())).ToArbitrary();
        Prop.ForAll(arb, t =>
        {
            KeyValuePair<CustomerId, string>[] Pairs((int, string)[] xs) => [.. xs.Select(x => new KeyValuePair<CustomerId, string>(new CustomerId("c" + x.Item1), x.Item2))];
            var (before, after) = (Pairs(t.Item1), Pairs(t.Item2));
            var transitions = SegmentTransitions.Between(before, after);
            var all = before.Select(p => p.Key).Union(after.Select(p => p.Key)).Count();

            Assert.Equal(all, transitions.Customers);
            Assert.Equal(all, transitions.From.Sum(f => transitions.To.Sum(to => transitions[f, to])));
            Assert.Equal(all, transitions.Stayed + transitions.Moves.Count);
            foreach (var move in transitions.Moves)
            {
                Assert.NotEqual(move.From, move.To);
                Assert.Equal(move.From, before.Where(p => p.Key == move.CustomerId).Select(p => p.Value).FirstOrDefault());
                Assert.Equal(move.To, after.Where(p => p.Key == move.CustomerId).Select(p => p.Value).FirstOrDefault());
            }
        }).Check(Config);
    }

    private static string[] ById(SegmentInput[] inputs, SegmentationResult result) =>
        [.. inputs.Select((c, i) => c.CustomerId.Value + ":" + string.Join(",", result.Schemes.Select(s => s.Segments[i]))).Order(StringComparer.Ordinal)];

    private static string[][] Labels(SegmentationResult result) => [.. result.Schemes.Select(s => s.Segments.ToArray())];

    private static string Without(string json, string property)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(json)!;
        foreach (var s in node["schemes"]!.AsArray())
        {
            s!["fitted"]!.AsObject().Remove(property);
        }

        return node.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
    }
}
