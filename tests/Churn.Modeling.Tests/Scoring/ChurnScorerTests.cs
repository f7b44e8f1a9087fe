using Churn.Abstractions;
using Churn.Modeling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Churn.Modeling.Tests.Scoring;

public sealed class ChurnScorerTests
{
    private static readonly FeatureSchema Schema = new([new("x", FeatureKind.Number, "x"), new("y", FeatureKind.Number, "y")]);

    private static ChurnModel Model()
    {
        var random = new Random(2);
        var rows = Enumerable.Range(0, 800).Select(i =>
        {
            var x = random.NextDouble() * 10;
            var y = random.NextDouble() * 10;
            var churned = random.NextDouble() < 1 / (1 + Math.Exp(-(x - 6)));
            return (new CustomerSnapshot("c" + i, DateTimeOffset.UnixEpoch, Schema, [x, y]), churned);
        }).ToList();
        return new ChurnModelTrainer(new ChurnModelTrainerOptions { Folds = 2 }).Train(ModelTable.FromSnapshots(rows), TestContext.Current.CancellationToken).Model;
    }

    [Fact]
    public async Task Assess_SingleAgreesWithBatch_InParallel()
    {
        var scorer = new ChurnScorer(Model(), Options.Create(new RiskLevelOptions()));
        var snapshots = Enumerable.Range(0, 40).Select(i => new CustomerSnapshot("s" + i, DateTimeOffset.UnixEpoch, Schema, [i / 4.0, 5])).ToList();

        var batch = scorer.AssessAll(snapshots);
        var single = await Task.WhenAll(snapshots.Select(s => Task.Run(() => scorer.AssessAsync(s, TestContext.Current.CancellationToken).AsTask(), TestContext.Current.CancellationToken)));

        Assert.Equal(batch.Select(a => a.Probability.Value), single.Select(a => a.Probability.Value));
        Assert.All(batch, a => Assert.InRange(a.Probability.Value, 0, 1));
        Assert.True(batch[^1].Probability.Value > batch[0].Probability.Value);
        Assert.Equal(RiskLevel.Low, new RiskLevelOptions().LevelOf(0.05));
        Assert.Equal(RiskLevel.Critical, new RiskLevelOptions().LevelOf(0.6));
    }

    [Fact]
    public void Reasons_TheTopFewAreTheStrongestOfAll_InOrder()
    {
        var telco = Path.Combine(AppContext.BaseDirectory, "data", "telco", "Telco-Customer-Churn.csv");
        var table = ModelTable.FromCsv(telco, "Churn", "Yes", "customerID").Subset([.. Enumerable.Range(0, 1200)]);
        var model = new ChurnModelTrainer(new ChurnModelTrainerOptions { Folds = 2, Trees = new TreeSettings(40, 8, 0.1, 20) }).Train(table, TestContext.Current.CancellationToken).Model;
        var sample = table.Subset([.. Enumerable.Range(0, 300)]);
        var columns = model.Featurizer.Specs.Count;

        var (all, _) = ReasonExplainer.Explain(model, sample, top: columns + 5);
        var (few, _) = ReasonExplainer.Explain(model, sample, top: 3);

        for (var r = 0; r < sample.Count; r++)
        {
            Assert.Equal(columns, all[r].Count);
            Assert.Equal(columns, all[r].Select(x => x.Feature).Distinct().Count());
            Assert.True(all[r].Zip(all[r].Skip(1)).All(p => Math.Abs(p.First.Contribution) >= Math.Abs(p.Second.Contribution)), $"row {r} is not in order of strength");
            Assert.Equal(all[r].Take(3).Select(x => (x.Feature, x.Contribution, x.Text)), few[r].Select(x => (x.Feature, x.Contribution, x.Text)));
        }

        Assert.All(ReasonExplainer.Explain(model, sample, top: 0).Reasons, list => Assert.Empty(list));
    }

    [Fact]
    public void Reasons_PointAtTheDriver()
    {
        var model = Model();
        var table = ModelTable.FromSnapshots([(new CustomerSnapshot("hi", DateTimeOffset.UnixEpoch, Schema, [9.5, 5]), false)]);

        var (reasons, importance) = ReasonExplainer.Explain(model, table, top: 2);

        Assert.Equal("x", reasons[0][0].Feature);
        Assert.True(reasons[0][0].Contribution > 0);
        Assert.Contains("raises the churn risk", reasons[0][0].Text, StringComparison.Ordinal);
        Assert.Equal("x", importance[0].Feature);
    }

    [Fact]
    public async Task AddChurnModeling_ResolvesScorer_AndValidatesThresholds()
    {
        var services = new ServiceCollection();
        services.AddChurnModeling(o => o.High = 0.35).UseModel(Model());
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        var bad = new ServiceCollection();
        bad.AddChurnModeling(o => o.Medium = 0.9);
        using var badProvider = bad.BuildServiceProvider();

        var assessment = await provider.GetRequiredService<IChurnScorer>().AssessAsync(new CustomerSnapshot("a", DateTimeOffset.UnixEpoch, Schema, [9, 1]), TestContext.Current.CancellationToken);

        Assert.InRange(assessment.Probability.Value, 0, 1);
        Assert.Throws<OptionsValidationException>(() => badProvider.GetRequiredService<IOptions<RiskLevelOptions>>().Value);
    }
}
