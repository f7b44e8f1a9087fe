using Churn.Abstractions;
using Churn.Modeling.Training;

namespace Churn.Modeling.Tests.Scoring;

public sealed class FastChurnScorerTests
{
    private static readonly string Telco = Path.Combine(AppContext.BaseDirectory, "data", "telco", "Telco-Customer-Churn.csv");

    [Theory]
    [InlineData(ChurnTrainer.Auto)]
    [InlineData(ChurnTrainer.FastTree)]
    [InlineData(ChurnTrainer.Logistic)]
    [InlineData(ChurnTrainer.LightGbm)]
    public void Compiled_EqualsMlNet_OnTelcoWithMissingValuesAndCategories(ChurnTrainer trainer)
    {
        var table = ModelTable.FromCsv(Telco, "Churn", "Yes", "customerID");
        var model = new ChurnModelTrainer(new ChurnModelTrainerOptions { Folds = 2, Trainer = trainer }).Train(table.Subset([.. Enumerable.Range(0, 3000)]), TestContext.Current.CancellationToken).Model;

        Assert.NotNull(model.Fast);
        var fast = model.Score(table);
        var reference = model.ScoreWithMlNet(table);

        Assert.Equal(reference.Length, fast.Length);
        for (var i = 0; i < fast.Length; i++)
        {
            Assert.Equal(reference[i], fast[i], 1e-5);
        }
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
        var model = new ChurnModelTrainer(new ChurnModelTrainerOptions { Folds = 2 }).Train(ModelTable.FromSnapshots(rows), TestContext.Current.CancellationToken).Model;

        var batch = model.Score([.. rows.Select(r => r.Item1)]);

        Assert.All(Enumerable.Range(0, rows.Count), i => Assert.Equal(batch[i], model.Fast!.Score(rows[i].Item1), 12));
        Assert.Throws<ArgumentException>(() => model.Fast!.Score(new float[3]));
    }
}
