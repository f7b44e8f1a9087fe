using System.Globalization;

namespace Churn.Cli.Tests.Commands;

public sealed class ReportCommandsTests
{
    private static readonly string Telco = Path.Combine(AppContext.BaseDirectory, "data", "telco", "Telco-Customer-Churn.csv");

    [Fact]
    public async Task ModelTrain_Report_WritesTheHtmlAndEveryChart_WithTheBusinessEconomics()
    {
        using var dir = new TempDir();
        var sample = dir.File("telco.csv", string.Join("\n", File.ReadLines(Telco).Take(2001)) + "\n");
        var reportDir = dir.Combine("report");

        var (exit, output, error) = await CliRunner.RunAsync("model", "train", "--data", sample, "--label", "Churn", "--positive", "Yes", "--id", "customerID", "--folds", "3", "--out", dir.Combine("m.model"),
            "--clv", "500", "--incentive-cost", "25", "--contact-cost", "2", "--acceptance-alpha", "3", "--acceptance-beta", "7", "--report", reportDir, "--format", "json");

        Assert.True(exit == 0, error);
        var json = CliRunner.Json(output);
        var profit = json.GetProperty("profit");
        Assert.Equal((500.0, 25.0, 2.0, 3.0, 7.0), (profit.GetProperty("clv").GetDouble(), profit.GetProperty("incentiveCost").GetDouble(), profit.GetProperty("contactCost").GetDouble(), profit.GetProperty("acceptanceAlpha").GetDouble(), profit.GetProperty("acceptanceBeta").GetDouble()));
        var html = File.ReadAllText(json.GetProperty("report").GetString()!);
        Assert.Contains("CLV 500, incentive 25, contact 2, acceptance rate ~ Beta(3, 7)", html, StringComparison.Ordinal);
        Assert.Equal(9, Directory.GetFiles(Path.Combine(reportDir, "charts"), "*.svg").Length);

        // The same economics change EMPC: the defaults give another figure.
        var (_, defaults, _) = await CliRunner.RunAsync("model", "train", "--data", sample, "--label", "Churn", "--positive", "Yes", "--id", "customerID", "--folds", "3", "--out", dir.Combine("m2.model"), "--format", "json");
        Assert.NotEqual(json.GetProperty("cv").GetProperty("empc").GetDouble(), CliRunner.Json(defaults).GetProperty("cv").GetProperty("empc").GetDouble());
        Assert.Equal(200, CliRunner.Json(defaults).GetProperty("profit").GetProperty("clv").GetDouble());
    }

    [Fact]
    public async Task ModelEvaluate_Report_KeepsTheFlatMetrics()
    {
        using var dir = new TempDir();
        var rng = new Random(3);
        var rows = Enumerable.Range(0, 500).Select(i =>
        {
            var churned = rng.NextDouble() < 0.3;
            var score = Math.Clamp((churned ? 0.6 : 0.3) + ((rng.NextDouble() - 0.5) * 0.6), 0, 1);
            return string.Create(CultureInfo.InvariantCulture, $"{score:0.####},{(churned ? "yes" : "no")}");
        });
        var file = dir.File("scores.csv", "health,churned\n" + string.Join("\n", rows) + "\n");

        var (exit, output, error) = await CliRunner.RunAsync("model", "evaluate", "--scores", file, "--score-column", "health", "--label", "churned", "--report", dir.Combine("r"), "--format", "json");

        Assert.True(exit == 0, error);
        var json = CliRunner.Json(output);
        Assert.True(json.GetProperty("auc").GetDouble() > 0.7);
        Assert.True(File.Exists(json.GetProperty("report").GetString()));
        Assert.Equal(200, json.GetProperty("profit").GetProperty("clv").GetDouble());
    }

    [Theory]
    [InlineData("--clv", "0", "--clv must be a positive number")]
    [InlineData("--incentive-cost", "-1", "must be zero or positive")]
    [InlineData("--incentive-cost", "300", "must be below --clv")]
    [InlineData("--acceptance-beta", "0", "must be positive")]
    public async Task Economics_NonsenseIsRefused(string option, string value, string expected)
    {
        using var dir = new TempDir();

        var (exit, _, error) = await CliRunner.RunAsync("model", "train", "--data", Telco, "--label", "Churn", "--positive", "Yes", "--out", dir.Combine("m.model"), option, value);

        Assert.Equal(2, exit);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.Combine("m.model")));
    }
}
