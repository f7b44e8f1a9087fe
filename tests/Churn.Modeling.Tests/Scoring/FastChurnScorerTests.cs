using Churn.Abstractions;
using Churn.Modeling;

namespace Churn.Modeling.Tests.Scoring;

public sealed class FastChurnScorerTests
{
    private static readonly string Telco = Path.Combine(AppContext.BaseDirectory, "data", "telco", "Telco-Customer-Churn.csv");

    [Theory]
    [InlineData("auto")]
    [InlineData("fasttree")]
    [InlineData("logistic")]
    [InlineData("lightgbm")]
    [InlineData("hgb")]
    public void Compiled_EqualsMlNet_OnTelcoWithMissingValuesAndCategories(string trainer)
    {
        var table = ModelTable.FromCsv(Telco, "Churn", "Yes", "customerID");
        var model = new ChurnModelTrainer(new ChurnModelTrainerOptions { Folds = 2, Learners = TestLearners.Of(trainer) }, catalog: TestLearners.Catalog).Train(table.Subset([.. Enumerable.Range(0, 3000)]), TestContext.Current.CancellationToken).Model;

        Assert.NotNull(model.Compiled);
        var fast = model.Score(table);
        var reference = model.ScoreReference(table);

        Assert.Equal(reference.Length, fast.Length);
        for (var i = 0; i < fast.Length; i++)
        {
            Assert.Equal(reference[i], fast[i], 1e-5);
        }
    }

    [Theory]
    [InlineData(8, "binned", "fasttree")]
    [InlineData(20, "binned", "fasttree")]
    [InlineData(48, "quick", "fasttree")]
    [InlineData(8, "binned", "hgb")]
    [InlineData(48, "quick", "hgb")]
    public void EveryLayout_EqualsMlNet(int leaves, string layout, string trainer)
    {
        var table = ModelTable.FromCsv(Telco, "Churn", "Yes", "customerID");
        var options = new ChurnModelTrainerOptions { Folds = 2, Learners = TestLearners.Of(trainer), Trees = new TreeSettings(60, leaves, 0.1, 5) };
        var model = new ChurnModelTrainer(options, catalog: TestLearners.Catalog).Train(table.Subset([.. Enumerable.Range(0, 3000)]), TestContext.Current.CancellationToken).Model;

        // Without AVX-512 the binned layout is not built and the split-by-split one scores instead.
        var expected = layout == "binned" && !BinnedForest.IsSupported ? "quick" : layout;
        Assert.Equal([expected], model.Compiled!.ForestLayouts);
        var fast = model.Score(table);
        var reference = model.ScoreReference(table);
        var single = Enumerable.Range(0, 200).Select(i => model.Score(table.Subset([i]))[0]).ToArray();
        for (var i = 0; i < fast.Length; i++)
        {
            Assert.Equal(reference[i], fast[i], 1e-5);
        }

        Assert.All(Enumerable.Range(0, single.Length), i => Assert.Equal(fast[i], single[i], 12));
    }

    [Fact]
    public void ScoreSnapshot_EqualsBatch()
    {
        var schema = new FeatureSchema([new("a", FeatureKind.Number, "a"), new("b", FeatureKind.Number, "b")]);
        var random = new Random(4);
        var rows = Enumerable.Range(0, 600).Select(i =>
        {
            double a = random.NextDouble() * 5, b = i % 7 == 0 ? double.NaN : random.NextDouble();
            return (new CustomerSnapshot("c" + i, DateTimeOffset.UnixEpoch, schema, [a, b]), random.NextDouble() < a / 6);
        }).ToList();
        var model = new ChurnModelTrainer(new ChurnModelTrainerOptions { Folds = 2 }, catalog: TestLearners.Catalog).Train(ModelTable.FromSnapshots(rows), TestContext.Current.CancellationToken).Model;

        var batch = model.Score([.. rows.Select(r => r.Item1)]);

        Assert.All(Enumerable.Range(0, rows.Count), i => Assert.Equal(batch[i], model.Compiled!.Score(rows[i].Item1), 12));
        Assert.Throws<ArgumentException>(() => model.Compiled!.Score(new float[3]));
    }
}
