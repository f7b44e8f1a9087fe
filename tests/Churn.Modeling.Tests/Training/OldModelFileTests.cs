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
    [InlineData("stop8-auto", 1_200)]
    [InlineData("stop8-fasttree", 250)]
    public void AFileFromBeforeTheEnvelope_ChangedAnywhere_IsRefused_OrScoresExactlyAsBefore(string name, int positions)
    {
        // Unsealed files have only the zip's own checks: a changed byte must be refused with a
        // ModelFileException (the CRC-32 of every entry, sizes, tree structure) or change nothing
        // (a timestamp in a zip header); never another exception, never different scores.
        var catalog = LearnerCatalog.Default.WithMLNet();
        var original = File.ReadAllBytes(Path.Combine(Dir, name + ".model"));
        var table = ModelTable.FromCsv(Path.Combine(Dir, "telco-50.csv"), null, id: "customerID");
        var expected = ChurnModel.Load(Path.Combine(Dir, name + ".model"), catalog).Score(table);
        var path = Path.Combine(Directory.CreateTempSubdirectory("churn-legacy-fuzz").FullName, "m.model");
        var random = new Random(7);
        var silent = new List<string>();
        try
        {
            foreach (var i in Enumerable.Range(0, positions).Select(_ => random.Next(original.Length)).Distinct())
            {
                var damaged = (byte[])original.Clone();
                damaged[i] ^= 0xFF;
                File.WriteAllBytes(path, damaged);
                try
                {
                    if (!ChurnModel.Load(path, catalog).Score(table).SequenceEqual(expected))
                    {
                        silent.Add($"byte {i}");
                    }
                }
                catch (ModelFileException)
                {
                }
            }
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }

        Assert.Empty(silent);
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
