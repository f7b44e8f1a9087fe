using System.Globalization;
using Churn.Modeling.MLNet;

namespace Churn.Modeling.Tests.Training;

/// <summary>Model files written before the learner interface still load and score as they did.</summary>
public sealed class OldModelFileTests
{
    private static readonly string Dir = Path.Combine(AppContext.BaseDirectory, "data", "models");

    [Theory]
    [InlineData("stop8-auto")]
    [InlineData("stop8-fasttree")]
    [InlineData("stop7-auto")]
    public void Load_FileFromAnEarlierVersion_ScoresAsThatVersionDid(string name)
    {
        var model = ChurnModel.Load(Path.Combine(Dir, name + ".model"), LearnerCatalog.Default.WithMLNet());
        var table = ModelTable.FromCsv(Path.Combine(Dir, "telco-50.csv"), null, id: "customerID");
        var expected = File.ReadLines(Path.Combine(Dir, name + ".scores.csv")).Skip(1).Select(l => double.Parse(l.Split(',')[1], CultureInfo.InvariantCulture)).ToArray();

        var scores = model.Score(table);

        Assert.Equal(expected.Length, scores.Length);
        Assert.All(Enumerable.Range(0, scores.Length), i => Assert.Equal(expected[i], scores[i], 1e-9));
        Assert.Equal(model.ScoreReference(table), scores, (a, b) => Math.Abs(a - b) < 1e-5);
    }

    [Theory]
    [InlineData("stop8-fasttree", "FastTree")]
    [InlineData("stop7-auto", "FastTree")]
    public void Load_MLNetLearnersWithoutTheirPackage_SaysHowToLoadOrRetrain(string name, string learner)
    {
        var ex = Assert.Throws<ModelFileException>(() => ChurnModel.Load(Path.Combine(Dir, name + ".model")));

        Assert.Contains($"holds a {learner} learner", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Churn.Modeling.MLNet", ex.Message, StringComparison.Ordinal);
        Assert.Contains("churn model train", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_DefaultLearnersFromAnEarlierVersion_NeedNoCompanion()
    {
        var model = ChurnModel.Load(Path.Combine(Dir, "stop8-auto.model"));

        Assert.Equal(["HistGradientBoosting", "Logistic"], model.Metadata.Learners);
        Assert.NotNull(model.Compiled);
    }
}
