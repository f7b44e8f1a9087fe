using Churn.Abstractions;
using Churn.Data;
using Churn.Sdk;

namespace Churn.Segmentation.Tests;

/// <summary>One generated base, trained and assessed once: planted drivers make the segments checkable.</summary>
public sealed class GeneratedBase
{
    public GeneratedBase()
    {
        Options = new SyntheticOptions { Customers = 4000, Seed = 8, HistoryMonths = 8 };
        var customers = new SyntheticCustomerBase(Options).Generate().ToList();
        Data = CustomerData.FromSynthetic(customers);
        var pipeline = ChurnPipeline.CreateBuilder().WithTrainer(o => o.Folds = 2).Build();
        Pipeline = pipeline.WithModel(pipeline.Train(Data, Options.AsOf.AddDays(-30)).Model);
        var truth = customers.ToDictionary(c => c.Profile.Id, c => c.Truth);
        var snapshots = new FeatureBuilder().BuildAll(Data.Log, Options.AsOf, Data.Profiles).AsSnapshots().ToDictionary(s => s.CustomerId);
        Inputs = [.. Pipeline.Assess(Data, Options.AsOf).Select(a => new SegmentInput(a, snapshots[a.CustomerId], Data.Profiles[a.CustomerId])
        {
            Churned = truth[a.CustomerId].ActiveAtAsOf ? truth[a.CustomerId].Churned : null,
        })];
    }

    public SyntheticOptions Options { get; }

    public CustomerData Data { get; }

    public ChurnPipeline Pipeline { get; }

    public SegmentInput[] Inputs { get; }
}

public class GeneratedBaseTests(GeneratedBase generated) : IClassFixture<GeneratedBase>
{
    [Fact]
    public void Protect_HoldsMoreChurnAndMoreValueThanTheBase()
    {
        var scored = generated.Inputs.Where(i => i.Churned is not null).ToArray();
        var result = Segmenter.Fit([new ValueRiskMatrix { ValueCuts = Cuts.Quantiles(0.5), RiskCuts = Cuts.Quantiles(0.8) }], generated.Inputs).Run(scored);
        var protect = result.Schemes[0].Profiles.Single(p => p.SegmentId == "protect");
        var baseRate = scored.Count(i => i.Churned == true) / (double)scored.Length;
        var baseValue = scored.Average(i => i.Value);

        Assert.True(protect.Customers > 50, $"{protect.Customers} customers in protect");
        Assert.True(protect.ChurnRate > 2 * baseRate, $"protect churns at {protect.ChurnRate:P1}, the base at {baseRate:P1}");
        Assert.True(protect.MeanValue > baseValue, $"protect is worth {protect.MeanValue:F0}, the base {baseValue:F0}");
        Assert.Contains(protect.DefiningFeatures, f => f.Feature == "probability" && f.Effect > 0);
    }

    [Fact]
    public void Clusters_RecoverThePlantedPlans()
    {
        // The plans are planted by their monthly price; without add-on purchases blurring it, spend says the plan.
        var options = new SyntheticOptions { Customers = 3000, Seed = 21, HistoryMonths = 6, AddOnPurchasesPerMonth = 0 };
        var data = CustomerData.Generate(options);
        var snapshots = new FeatureBuilder().BuildAll(data.Log, options.AsOf, data.Profiles).AsSnapshots()
            .Where(s => s["subscription_active"] == 1 && s["tenure_days"] >= 90).ToArray();
        var active = snapshots.Select(s => new SegmentInput(new RiskAssessment(s.CustomerId, options.AsOf, null, RiskLevel.Low), s, data.Profiles[s.CustomerId])).ToArray();

        var result = Segmenter.Fit([new ClusterSegmentation("plans", ["spend_90d"])], active).Run(active);
        var labels = result.Schemes[0].Segments;
        var pairs = active.Select((c, i) => (Cluster: labels[i], Plan: c.Profile!.Attributes["plan"])).ToArray();
        var profiles = string.Join("; ", result.Schemes[0].Profiles.Select(p => $"{p.SegmentId} {p.Customers} {p.Name}"));

        // Each plan has a cluster of its own that holds most of the plan, and little else.
        var home = new HashSet<string>();
        foreach (var plan in pairs.GroupBy(p => p.Plan))
        {
            var best = plan.GroupBy(p => p.Cluster).MaxBy(g => g.Count())!;
            var recall = best.Count() / (double)plan.Count();
            var precision = best.Count() / (double)pairs.Count(p => p.Cluster == best.Key);
            Assert.True(recall > 0.8 && precision > 0.9, $"{plan.Key}: {best.Key} holds {recall:P0} of the plan and is {precision:P0} the plan; {profiles}");
            Assert.True(home.Add(best.Key), $"two plans share {best.Key}; {profiles}");
        }
    }

    [Fact]
    public void Pipeline_FillsTheSegment_FromTheFirstScheme()
    {
        var segmentation = Segmenter.Fit([new ValueRiskMatrix { RiskCuts = Cuts.Quantiles(0.8) }, new RfmSegmentation()], generated.Inputs);
        var pipeline = ChurnPipeline.CreateBuilder().WithModel(generated.Pipeline.Model!).WithSegmenter(segmentation).Build();

        var assessed = pipeline.Assess(generated.Data, generated.Options.AsOf).Take(300).ToList();

        Assert.All(assessed, a => Assert.Equal(
            segmentation.Schemes[0].Assign(generated.Inputs.Single(i => i.CustomerId == a.CustomerId)),
            a.Segment));
        Assert.Contains(assessed, a => a.Segment == "protect");
    }

    [Fact]
    public void RfmSegments_OnTheBase_AreTheNamedOnes()
    {
        var result = Segmenter.Fit([new RfmSegmentation()], generated.Inputs).Run(generated.Inputs);
        var profiles = result.Schemes[0].Profiles.Where(p => p.Customers > 0).ToDictionary(p => p.SegmentId);

        Assert.True(profiles.Count >= 6, string.Join(", ", profiles.Keys));
        Assert.True(profiles["champions"].DefiningFeatures.Count > 0);
        Assert.True(profiles["lost"].MeanProbability > profiles["champions"].MeanProbability);
    }
}
