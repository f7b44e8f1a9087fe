using System.Globalization;

namespace Churn.Cli.Tests.Commands;

public sealed class EvaluateCommandsTests
{
    private static readonly string Hillstrom = Path.Combine(AppContext.BaseDirectory, "data", "hillstrom", "hillstrom.csv");

    [Fact]
    public async Task Campaign_OnHillstrom_PrintsEveryArmAgainstTheControl_InTheContractsShape()
    {
        var (exit, stdout, stderr) = await CliRunner.RunAsync("evaluate", "campaign", "--data", Hillstrom, "--arm-column", "segment", "--control", "No E-Mail", "--outcome", "visit", "--format", "json");

        Assert.True(exit == 0, stderr + stdout);
        var json = CliRunner.Json(stdout);
        Assert.Equal("No E-Mail", json.GetProperty("control").GetString());
        Assert.Equal("binary", json.GetProperty("kind").GetString());
        var arms = json.GetProperty("arms").EnumerateArray().ToList();
        Assert.Equal(["No E-Mail", "Mens E-Mail", "Womens E-Mail"], arms.Select(a => a.GetProperty("arm").GetString()));
        Assert.Equal([21306, 21307, 21387], arms.Select(a => a.GetProperty("n").GetInt32()));
        Assert.Equal(["0.1062", "0.1828", "0.1514"], arms.Select(a => a.GetProperty("mean").GetDouble().ToString("0.0000", CultureInfo.InvariantCulture)));
        Assert.Equal(0, arms[0].GetProperty("diff").GetDouble());
        foreach (var a in arms.Skip(1))
        {
            var ci = a.GetProperty("ci95").EnumerateArray().Select(x => x.GetDouble()).ToArray();
            var diff = a.GetProperty("diff").GetDouble();
            Assert.True(ci.Length == 2 && ci[0] < diff && diff < ci[1] && ci[0] > 0);
            Assert.True(a.GetProperty("p").GetDouble() < 1e-6);
            Assert.Equal(diff / arms[0].GetProperty("mean").GetDouble(), a.GetProperty("relativeLift").GetDouble(), 10);
        }

        // Spend is an amount: Welch, found without --outcome-kind; by zip code, each group has its own arms.
        var (exit2, stdout2, _) = await CliRunner.RunAsync("evaluate", "campaign", "--data", Hillstrom, "--arm-column", "segment", "--control", "No E-Mail", "--outcome", "spend", "--by", "zip_code", "--format", "json");
        Assert.Equal(0, exit2);
        var spend = CliRunner.Json(stdout2);
        Assert.Equal("continuous", spend.GetProperty("kind").GetString());
        Assert.Equal("1.4226", spend.GetProperty("arms")[1].GetProperty("mean").GetDouble().ToString("0.0000", CultureInfo.InvariantCulture));
        var groups = spend.GetProperty("groups").EnumerateArray().ToList();
        Assert.Equal(["Rural", "Surburban", "Urban"], groups.Select(g => g.GetProperty("group").GetString()));
        Assert.Equal(64000, groups.Sum(g => g.GetProperty("arms").EnumerateArray().Sum(a => a.GetProperty("n").GetInt32())));

        var (exit3, text, _) = await CliRunner.RunAsync("evaluate", "campaign", "--data", Hillstrom, "--arm-column", "segment", "--control", "No E-Mail", "--outcome", "conversion");
        Assert.Equal(0, exit3);
        Assert.Contains("Mens E-Mail", text, StringComparison.Ordinal);
        Assert.Contains("Newcombe", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Campaign_SaysWhatIsWrong_WithTheRightExitCode()
    {
        using var dir = new TempDir();
        var data = dir.File("d.csv", "arm,y\nc,1\nt,0\nt,\n,1\nc,0\nt,1\n");
        var (exit, stdout, _) = await CliRunner.RunAsync("evaluate", "campaign", "--data", data, "--arm-column", "arm", "--control", "c", "--outcome", "y", "--format", "json");
        Assert.Equal(1, exit);
        var counts = CliRunner.Json(stdout);
        Assert.Equal(2, counts.GetProperty("skipped").GetInt32() + counts.GetProperty("rejected").GetInt32());
        Assert.Equal(4, counts.GetProperty("arms").EnumerateArray().Sum(a => a.GetProperty("n").GetInt32()));

        var cases = new (string[] Args, int Exit, string Expected)[]
        {
            (["--data", data, "--arm-column", "arm", "--control", "x", "--outcome", "y"], 3, "The control arm 'x' has no row (arms: c, t)"),
            (["--data", data, "--arm-column", "arms", "--control", "c", "--outcome", "y"], 3, "arms"),
            (["--data", data, "--arm-column", "arm", "--control", "c", "--outcome", "y", "--outcome-kind", "maybe"], 2, "maybe"),
            (["--data", dir.Combine("missing.csv"), "--arm-column", "arm", "--control", "c", "--outcome", "y"], 3, "does not exist"),
            (["--data", dir.File("bad.csv", "arm,y\nc,1\nt,3\nc,0\nt,1\n"), "--arm-column", "arm", "--control", "c", "--outcome", "y", "--outcome-kind", "binary"], 3, "outcome 3 is not 0 or 1"),
        };
        foreach (var (args, code, expected) in cases)
        {
            var (e, _, err) = await CliRunner.RunAsync(["evaluate", "campaign", .. args]);
            Assert.True(e == code, string.Join(' ', args) + ": " + err);
            Assert.Contains(expected, err, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
        }
    }
}

public sealed class EvaluateUpliftCommandTests
{
    private static readonly string Hillstrom = Path.Combine(AppContext.BaseDirectory, "data", "hillstrom", "hillstrom.csv");

    [Fact]
    public async Task Uplift_OnHillstrom_PrintsQiniAuucAndUpliftAtK_TheSameForTheSameSeed()
    {
        using var dir = new TempDir();
        string[] args = ["evaluate", "uplift", "--data", Hillstrom, "--arm-column", "segment", "--treatment", "Mens E-Mail", "--control", "No E-Mail", "--outcome", "visit", "--ignore", "conversion,spend", "--learner", "t", "--test-share", "0.3", "--seed", "1", "--report", dir.Path, "--format", "json"];
        var (exit, stdout, stderr) = await CliRunner.RunAsync(args);

        Assert.True(exit == 0, stderr + stdout);
        var json = CliRunner.Json(stdout);
        var qini = json.GetProperty("qini").GetDouble();
        Assert.InRange(qini, -1, 1);
        Assert.InRange(json.GetProperty("auuc").GetDouble(), -1, 1);
        var at = json.GetProperty("upliftAt");
        foreach (var k in new[] { "10", "20", "30" })
        {
            Assert.InRange(at.GetProperty(k).GetDouble(), -1, 1);
        }

        Assert.Equal(12784, json.GetProperty("test").GetInt32());
        Assert.Contains("Qini curve", File.ReadAllText(json.GetProperty("report").GetString()!), StringComparison.Ordinal);
        Assert.DoesNotContain("spend", json.GetProperty("features").EnumerateArray().Select(f => f.GetString()));
        Assert.Equal(qini, CliRunner.Json((await CliRunner.RunAsync(args)).Out).GetProperty("qini").GetDouble());

        // The classifier under the method: the booster alone ranks differently from the default (booster and logistic averaged).
        var (hgbExit, hgb, _) = await CliRunner.RunAsync([.. args.Where(a => a != "--report" && a != dir.Path), "--trainer", "hgb"]);
        Assert.Equal(0, hgbExit);
        Assert.NotEqual(qini, CliRunner.Json(hgb).GetProperty("qini").GetDouble());
        var (unknown, _, _) = await CliRunner.RunAsync([.. args, "--trainer", "xgboost"]);
        Assert.Equal(2, unknown);

        var (bad, _, err) = await CliRunner.RunAsync("evaluate", "uplift", "--data", Hillstrom, "--arm-column", "segment", "--treatment", "Mens", "--control", "No E-Mail", "--outcome", "visit");
        Assert.Equal(3, bad);
        Assert.Contains("--treatment 'Mens' or --control 'No E-Mail' has no row (arms: Mens E-Mail, No E-Mail, Womens E-Mail)", err, StringComparison.Ordinal);
    }
}
