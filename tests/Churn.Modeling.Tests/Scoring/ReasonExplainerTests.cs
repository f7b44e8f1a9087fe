using Churn.Abstractions;
using Churn.Modeling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Churn.Modeling.Tests.Scoring;

public sealed class ReasonExplainerTests
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
        return new ChurnModelTrainer(new ChurnModelTrainerOptions { Folds = 2 }, catalog: TestLearners.Catalog).Train(ModelTable.FromSnapshots(rows), TestContext.Current.CancellationToken).Model;
    }

    [Fact]
    public async Task Score_SingleAgreesWithBatch_InParallel()
    {
        var model = Model();
        var snapshots = Enumerable.Range(0, 40).Select(i => new CustomerSnapshot("s" + i, DateTimeOffset.UnixEpoch, Schema, [i / 4.0, 5])).ToList();

        var batch = model.Score(snapshots);
        var single = await Task.WhenAll(snapshots.Select(s => Task.Run(() => model.Score(s), TestContext.Current.CancellationToken)));
        var rows = new double[batch.Length];
        model.Score(Schema, [.. snapshots.SelectMany(s => s.Values.ToArray())], rows);

        Assert.Equal(batch, single);
        Assert.Equal(batch, rows);
        Assert.All(batch, p => Assert.InRange(p, 0, 1));
        Assert.True(batch[^1] > batch[0]);
    }

    [Fact]
    public void Explain_SnapshotRows_EqualExplainingTheTable()
    {
        var model = Model();
        var random = new Random(3);
        var snapshots = Enumerable.Range(0, 5000).Select(i => new CustomerSnapshot("s" + i, DateTimeOffset.UnixEpoch, Schema, [random.NextDouble() * 10, i % 9 == 0 ? double.NaN : random.NextDouble() * 10])).ToList();

        var fromTable = model.Explain(ModelTable.FromSnapshots([.. snapshots.Select(s => (s, false))]), 2).Reasons;
        var fromRows = model.Explain(Schema, snapshots.SelectMany(s => s.Values.ToArray()).ToArray(), 2);
        IChurnScorer scorer = model;
        var fromInterface = scorer.Explain(snapshots, 2);

        Assert.Equal(fromTable.Count, fromRows.Count);
        for (var r = 0; r < fromRows.Count; r++)
        {
            Assert.Equal(fromTable[r], fromRows[r]);
            Assert.Equal(fromTable[r], fromInterface[r]);
        }
    }

    [Fact]
    public void Score_SchemaWithoutTheModelsFeatures_NamesThem()
    {
        var other = new FeatureSchema([new("x", FeatureKind.Number, "x")]);

        var ex = Assert.Throws<ModelFileException>(() => Model().Score(other, [1.0], new double[1]));

        Assert.Contains("'y' is missing", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reasons_TheTopFewAreTheStrongestOfAll_InOrder()
    {
        var telco = Path.Combine(AppContext.BaseDirectory, "data", "telco", "Telco-Customer-Churn.csv");
        var table = ModelTable.FromCsv(telco, "Churn", "Yes", "customerID").Subset([.. Enumerable.Range(0, 1200)]);
        var model = new ChurnModelTrainer(new ChurnModelTrainerOptions { Folds = 2, Trees = new TreeSettings(40, 8, 0.1, 20) }, catalog: TestLearners.Catalog).Train(table, TestContext.Current.CancellationToken).Model;
        var sample = table.Subset([.. Enumerable.Range(0, 300)]);
        var columns = model.Featurizer.Specs.Count;

        var (all, _) = model.Explain(sample, top: columns + 5);
        var (few, _) = model.Explain(sample, top: 3);

        for (var r = 0; r < sample.Count; r++)
        {
            Assert.Equal(columns, all[r].Count);
            Assert.Equal(columns, all[r].Select(x => x.Feature).Distinct().Count());
            Assert.True(all[r].Zip(all[r].Skip(1)).All(p => Math.Abs(p.First.Contribution) >= Math.Abs(p.Second.Contribution)), $"row {r} is not in order of strength");
            Assert.Equal(all[r].Take(3).Select(x => (x.Feature, x.Contribution, x.Text)), few[r].Select(x => (x.Feature, x.Contribution, x.Text)));
        }

        Assert.All(model.Explain(sample, top: 0).Reasons, list => Assert.Empty(list));
    }

    [Fact]
    public void Reasons_PointAtTheDriver()
    {
        var model = Model();
        var table = ModelTable.FromSnapshots([(new CustomerSnapshot("hi", DateTimeOffset.UnixEpoch, Schema, [9.5, 5]), false)]);

        var (reasons, importance) = model.Explain(table, top: 2);

        Assert.Equal("x", reasons[0][0].Feature);
        Assert.True(reasons[0][0].Contribution > 0);
        Assert.Contains("raises the churn risk", reasons[0][0].Text, StringComparison.Ordinal);
        Assert.Equal("x", importance[0].Feature);
    }

    [Theory]
    [InlineData("auto")]
    [InlineData("hgb")]
    [InlineData("logistic")]
    [InlineData("fasttree")]
    public void Explain_Contributions_EqualRescoringWithTheColumnTypical(string trainer)
    {
        var telco = Path.Combine(AppContext.BaseDirectory, "data", "telco", "Telco-Customer-Churn.csv");
        var table = ModelTable.FromCsv(telco, "Churn", "Yes", "customerID").Subset([.. Enumerable.Range(0, 1500)]);
        var model = new ChurnModelTrainer(new ChurnModelTrainerOptions { Folds = 2, Learners = TestLearners.Of(trainer), Trees = new TreeSettings(40, 8, 0.1, 20) }, catalog: TestLearners.Catalog).Train(table, TestContext.Current.CancellationToken).Model;
        var sample = table.Subset([.. Enumerable.Range(0, 400)]);
        var specs = model.Featurizer.Specs;
        var baseline = model.Score(sample);

        var all = model.Explain(sample, specs.Count).Reasons;

        foreach (var spec in specs)
        {
            var columns = sample.Columns.Select(c => !string.Equals(c.Name, spec.Name, StringComparison.OrdinalIgnoreCase) ? c
                : spec.Kind == ModelColumnKind.Numeric ? c with { Numbers = [.. Enumerable.Repeat(spec.Mean, sample.Count)] }
                : c with { Categories = [.. Enumerable.Repeat(spec.Levels.Count > 0 ? spec.Levels[0] : null, sample.Count)] }).ToList();
            var changed = model.Score(new ModelTable(columns));
            for (var r = 0; r < sample.Count; r++)
            {
                Assert.Equal(baseline[r] - changed[r], all[r].Single(x => x.Feature == spec.Name).Contribution, 1e-9);
            }
        }
    }
}
