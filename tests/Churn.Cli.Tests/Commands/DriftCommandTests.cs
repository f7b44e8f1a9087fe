using System.Globalization;

namespace Churn.Cli.Tests.Commands;

public sealed class DriftCommandTests
{
    private static readonly string Telco = Path.Combine(AppContext.BaseDirectory, "data", "telco", "Telco-Customer-Churn.csv");

    [Fact]
    public async Task Drift_IsNearZeroOnTheTrainingData_AndFlagsTheFeatureThatMoved_AndTheProbability()
    {
        using var dir = new TempDir();
        var sample = dir.File("train.csv", string.Join("\n", File.ReadLines(Telco).Take(2001)) + "\n");
        var modelFile = dir.Combine("m.model");
        Assert.Equal(0, (await CliRunner.RunAsync("model", "train", "--data", sample, "--label", "Churn", "--positive", "Yes", "--id", "customerID", "--folds", "3", "--out", modelFile)).Exit);

        var (exit, stdout, stderr) = await CliRunner.RunAsync("model", "drift", "--model", modelFile, "--data", sample, "--id", "customerID", "--format", "json");
        Assert.True(exit == 0, stderr + stdout);
        var same = CliRunner.Json(stdout);
        Assert.False(same.GetProperty("drifted").GetBoolean());
        Assert.True(same.GetProperty("overall").GetDouble() < 0.1, stdout);
        Assert.Equal(0.25, same.GetProperty("threshold").GetDouble());
        var features = same.GetProperty("features").EnumerateArray().ToList();
        Assert.Equal(19, features.Count);
        Assert.All(features, f => Assert.True(f.GetProperty("psi").GetDouble() < 0.02, f.ToString()));

        // Every customer two years older in tenure, and on a two-year contract: those features and the probability move.
        var header = File.ReadLines(sample).First().Split(',');
        var (tenure, contract) = (Array.IndexOf(header, "tenure"), Array.IndexOf(header, "Contract"));
        var shifted = dir.File("shifted.csv", string.Join("\n", File.ReadLines(sample).Select((l, i) =>
        {
            if (i == 0)
            {
                return l;
            }

            var cells = l.Split(',');
            cells[tenure] = (int.Parse(cells[tenure], CultureInfo.InvariantCulture) + 24).ToString(CultureInfo.InvariantCulture);
            cells[contract] = "Two year";
            return string.Join(',', cells);
        })) + "\n");
        var (exit2, stdout2, stderr2) = await CliRunner.RunAsync("model", "drift", "--model", modelFile, "--data", shifted, "--id", "customerID", "--format", "json");
        Assert.True(exit2 == 0, stderr2);
        var moved = CliRunner.Json(stdout2);
        Assert.True(moved.GetProperty("drifted").GetBoolean(), stdout2);
        var psi = moved.GetProperty("features").EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!, f => f.GetProperty("psi").GetDouble());
        Assert.True(psi["tenure"] > 0.25 && psi["Contract"] > 0.25, stdout2);
        Assert.True(psi["gender"] < 0.02);
        Assert.Equal(["Contract", "tenure"], moved.GetProperty("features").EnumerateArray().Take(2).Select(f => f.GetProperty("name").GetString()).Order());

        // A model file from before drift checks says so.
        var old = Path.Combine(AppContext.BaseDirectory, "data", "models", "stop8-auto.model");
        var (exit3, _, err3) = await CliRunner.RunAsync("model", "drift", "--model", old, "--data", sample, "--id", "customerID");
        Assert.Equal(3, exit3);
        Assert.Contains("retrain it", err3, StringComparison.Ordinal);
    }
}
