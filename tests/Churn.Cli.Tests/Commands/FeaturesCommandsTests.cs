namespace Churn.Cli.Tests.Commands;

public sealed class FeaturesCommandsTests
{
    [Fact]
    public async Task Build_WritesOneRowPerKnownCustomer_IgnoringLaterEvents()
    {
        using var dir = new TempDir();
        var events = dir.File("events.csv", "customer_id,timestamp,type,amount\nc1,2026-01-01,purchase,10\nc1,2026-01-20,purchase,99\nc2,2026-01-03,login,\nc3,2026-02-01,login,\n");
        var outFile = dir.Combine("snap.csv");

        var (exit, output, _) = await CliRunner.RunAsync("features", "build", "--events", events, "--as-of", "2026-01-10", "--windows", "7,30", "--out", outFile, "--format", "json");

        Assert.Equal(0, exit);
        Assert.Equal(2, CliRunner.Json(output).GetProperty("snapshots").GetInt32());
        var lines = File.ReadAllLines(outFile);
        Assert.Equal(3, lines.Length);
        var header = lines[0].Split(',');
        var c1 = lines[1].Split(',');
        Assert.Equal("c1", c1[0]);
        Assert.Equal("10", c1[Array.IndexOf(header, "monetary")]);
        Assert.Equal("9", c1[Array.IndexOf(header, "recency_days")]);
        Assert.DoesNotContain(lines, l => l.StartsWith("c3", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Build_BadWindows_ExitsTwo()
    {
        using var dir = new TempDir();
        var events = dir.File("events.csv", "customer_id,timestamp,type\nc1,2026-01-01,login\n");

        var (exit, _, error) = await CliRunner.RunAsync("features", "build", "--events", events, "--as-of", "2026-01-10", "--windows", "7,x", "--out", dir.Combine("s.csv"));

        Assert.Equal(2, exit);
        Assert.Contains("'x' is not a whole number", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_RejectedRows_WarnAndStrictFails()
    {
        using var dir = new TempDir();
        var events = dir.File("events.csv", "customer_id,timestamp,type\nc1,2026-01-01,login\nc2,nope,login\n");

        var (lenient, _, warning) = await CliRunner.RunAsync("features", "build", "--events", events, "--as-of", "2026-01-10", "--out", dir.Combine("a.csv"));
        var (strict, strictOut, _) = await CliRunner.RunAsync("features", "build", "--events", events, "--as-of", "2026-01-10", "--out", dir.Combine("b.csv"), "--strict", "--format", "json");

        Assert.Equal(0, lenient);
        Assert.Contains("events.csv:3:2", warning, StringComparison.Ordinal);
        Assert.Equal(1, strict);
        Assert.False(File.Exists(dir.Combine("b.csv")));
        var json = CliRunner.Json(strictOut);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, json.GetProperty("out").ValueKind);
        var rejected = json.GetProperty("events").GetProperty("errors")[0];
        Assert.Equal((3, 2), (rejected.GetProperty("line").GetInt32(), rejected.GetProperty("column").GetInt32()));
    }

    [Fact]
    public async Task LabelsBuild_ContractualChurn_IsWritten()
    {
        using var dir = new TempDir();
        var events = dir.File("events.csv", "customer_id,timestamp,type\nc1,2026-01-01,subscription_start\nc1,2026-01-15,subscription_cancel\nc2,2026-01-01,subscription_start\nc2,2026-03-01,login\n");
        var outFile = dir.Combine("labels.csv");

        var (exit, output, _) = await CliRunner.RunAsync("labels", "build", "--events", events, "--as-of", "2026-01-05", "--horizon", "30", "--out", outFile, "--format", "json");

        Assert.Equal(0, exit);
        Assert.Equal(1, CliRunner.Json(output).GetProperty("churned").GetInt32());
        Assert.Equal(["customer_id,as_of,churned", "c1,2026-01-05T00:00:00Z,true", "c2,2026-01-05T00:00:00Z,false"], File.ReadAllLines(outFile));
    }

    [Fact]
    public async Task LabelsBuild_QuotesIdsThatHoldCommas()
    {
        using var dir = new TempDir();
        var events = dir.File("events.csv", "customer_id,timestamp,type\n\"acme, inc\",2026-01-01,subscription_start\n\"acme, inc\",2026-01-15,subscription_cancel\nc2,2026-01-01,subscription_start\nc2,2026-03-01,login\n");
        var outFile = dir.Combine("labels.csv");

        var (exit, _, _) = await CliRunner.RunAsync("labels", "build", "--events", events, "--as-of", "2026-01-05", "--horizon", "30", "--out", outFile);

        Assert.Equal(0, exit);
        Assert.Equal(["customer_id,as_of,churned", "\"acme, inc\",2026-01-05T00:00:00Z,true", "c2,2026-01-05T00:00:00Z,false"], File.ReadAllLines(outFile));
    }
}
