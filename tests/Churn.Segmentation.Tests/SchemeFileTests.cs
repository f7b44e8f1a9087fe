using Churn.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Churn.Segmentation.Tests;

public class SchemeFileTests
{
    private const string AllKinds = """
        {
          "schemes": [
            { "id": "value-risk", "type": "value-risk", "value": "historical", "valueCuts": { "quantiles": [0.5] }, "riskCuts": { "absolute": [0.3] }, "names": { "protect": "Rescue" }, "crossWith": ["preferred_channel"] },
            { "id": "rfm", "type": "rfm", "bins": 4 },
            { "id": "rules", "type": "rules",
              "rules": [ { "id": "vip", "name": "VIP at risk", "when": "probability >= 0.5 and value > 3000" } ],
              "fallback": { "id": "rest", "name": "Everyone else" } },
            // comments are allowed
            { "id": "clusters", "type": "kmeans", "inputs": ["value", "tickets_30d"], "k": { "min": 2, "max": 6 }, "criterion": "davies-bouldin", "seed": 7 }
          ]
        }
        """;

    [Fact]
    public void SchemeFile_ReadsEveryKind()
    {
        var schemes = Segmenter.ReadSchemes(AllKinds);

        Assert.Equal(["value-risk", "rfm", "rules", "kmeans"], schemes.Select(s => s.Kind));
        var matrix = (ValueRiskMatrix)schemes[0];
        Assert.Equal((ValueSource.Historical, true, false, "Rescue"), (matrix.Value, matrix.ValueCuts.IsQuantile, matrix.RiskCuts.IsQuantile, matrix.Names["protect"]));
        Assert.Equal("preferred_channel", matrix.CrossWith.Single().Spec);
        Assert.Equal(4, ((RfmSegmentation)schemes[1]).Bins);
        Assert.Equal(("rest", 1), (((RuleSegmentation)schemes[2]).Fallback.Id, ((RuleSegmentation)schemes[2]).Rules.Count));
        var k = (ClusterSegmentation)schemes[3];
        Assert.Equal((2, 6, ClusterCriterion.DaviesBouldin, 7L), (k.MinClusters, k.MaxClusters, k.Criterion, k.Seed));
    }

    [Fact]
    public void FitJson_KeepsClusterIdsFromTheSavedFit()
    {
        var inputs = SchemeTests.Planted(300, 3);
        var first = Segmenter.FitJson(AllKinds, inputs);
        var refit = Segmenter.FitJson(first.ToJson(), inputs.Reverse().ToArray());

        Assert.Equal(inputs.Select(first.Schemes[3].Assign), inputs.Select(refit.Schemes[3].Assign));
    }

    [Theory]
    [InlineData("{ \"schemes\": [ { \"id\": \"a\", \"type\": \"rfm\", } ", "line 1, column")]
    [InlineData("{ \"schemes\": [ { \"id\": \"a\", \"type\": \"cubes\" } ] }", "scheme 1: 'type' is 'cubes'")]
    [InlineData("{ \"schemes\": [ { \"id\": \"a\", \"type\": \"rfm\", \"bin\": 4 } ] }", "scheme 1: unknown field 'bin'")]
    [InlineData("{ \"schemes\": [ { \"id\": \"a\", \"type\": \"rules\", \"rules\": [ { \"id\": \"x\", \"when\": \"value > 1\" } ] } ] }", "'fallback' is required")]
    [InlineData("{ \"schemes\": [ { \"id\": \"a\", \"type\": \"rfm\" }, { \"id\": \"a\", \"type\": \"rfm\" } ] }", "scheme 'a': the id is used by an earlier scheme")]
    [InlineData("{ \"schemes\": [ { \"id\": \"a\", \"type\": \"value-risk\", \"valueCuts\": { \"quantiles\": [1.5] } } ] }", "Quantile cut points lie strictly between 0 and 1")]
    [InlineData("{ \"schemes\": [] }", "'schemes' is empty")]
    public void SchemeFile_ErrorsSayWhere(string json, string expected)
    {
        var ex = Assert.Throws<ArgumentException>(() => Segmenter.ReadSchemes(json, "s.json"));

        Assert.StartsWith("s.json", ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromJson_RefusesASchemeThatNeedsAPopulation_WithoutItsFit()
    {
        var ex = Assert.Throws<ArgumentException>(() => Segmenter.FromJson("""{ "id": "v", "type": "value-risk" }""", "v.json"));

        Assert.Contains("v.json, scheme 'v'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("quantile", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromJson_ADamagedFit_SaysSo()
    {
        var json = Segmenter.Fit([new ClusterSegmentation("k", ["value"])], SchemeTests.Planted(60, 1)).ToJson().Replace("\"centroid\"", "\"centre\"", StringComparison.Ordinal);

        var ex = Assert.Throws<ArgumentException>(() => Segmenter.FromJson(json, "k.json"));

        Assert.Contains("k.json, scheme 'k'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddSegmentation_RegistersTheSegmenter_FromAFile()
    {
        var path = Path.Combine(Path.GetTempPath(), "seg-" + Guid.NewGuid().ToString("N") + ".json");
        Segmenter.Fit(Segmenter.ReadSchemes(AllKinds), SchemeTests.Planted(120, 5)).Save(path);
        try
        {
            var services = new ServiceCollection().AddChurn(c => c.AddSegmentation(o => o.File = path)).BuildServiceProvider();

            var segmenter = services.GetRequiredService<ISegmenter>();
            var input = SchemeTests.Planted(1, 9)[0];

            Assert.Same(services.GetRequiredService<Segmenter>(), segmenter);
            Assert.Equal(services.GetRequiredService<Segmenter>().Schemes[0].Assign(input), segmenter.Segment(input.Snapshot!, input.Profile, input.Assessment));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AddSegmentation_InvalidOptions_FailAtStart()
    {
        var none = new ServiceCollection().AddChurn(c => c.AddSegmentation(_ => { })).BuildServiceProvider();
        var missing = new ServiceCollection().AddChurn(c => c.AddSegmentation(o => o.File = "/nonexistent/seg.json")).BuildServiceProvider();

        Assert.Contains("either File or Schemes", Assert.Throws<OptionsValidationException>(() => none.GetRequiredService<IOptions<SegmentationOptions>>().Value).Message, StringComparison.Ordinal);
        Assert.Contains("seg.json", Assert.Throws<OptionsValidationException>(() => missing.GetRequiredService<IOptions<SegmentationOptions>>().Value).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddSegmentation_RulesMayNameTheRegisteredFeatures()
    {
        var services = new ServiceCollection().AddChurn(c => c.AddSegmentation(o => o.Schemes.Add(
            new RuleSegmentation("r", [new RuleSegment("noisy", "Noisy", "tickets_30d >= 3")], new SegmentInfo("rest", "Rest")))));
        services.AddSingleton(Inputs.Schema);

        var segmenter = services.BuildServiceProvider().GetRequiredService<ISegmenter>();
        var input = Inputs.Make(1, RiskLevel.Low, 0.1, 1, 1, 1, 4, "email");

        Assert.Equal("noisy", segmenter.Segment(input.Snapshot!, input.Profile, input.Assessment));
    }
}
