using System.Globalization;

namespace Churn.Cli.Tests.Commands;

public sealed class ValueCommandsTests
{
    private static readonly string Cdnow = Path.Combine(AppContext.BaseDirectory, "data", "cdnow", "cdnow_sample_transactions.csv");

    private static void FourDigits(double expected, double actual) =>
        Assert.True(Math.Abs(expected - actual) <= 0.5 * Math.Pow(10, Math.Floor(Math.Log10(Math.Abs(expected))) - 3), $"expected {expected}, got {actual}");

    [Fact]
    public async Task Fit_CdnowTransactions_PrintsTheContractJsonWithPublishedFigures()
    {
        using var dir = new TempDir();
        var (exit, output, _) = await CliRunner.RunAsync(
            "value", "fit", "--transactions", Cdnow, "--customer-column", "customer_id", "--date-column", "date", "--amount-column", "amount",
            "--date-format", "yyyyMMdd", "--calibration-end", "1997-09-30", "--time-unit", "weeks", "--format", "json", "--report", dir.Combine("report"));

        Assert.Equal(0, exit);
        var json = CliRunner.Json(output);
        Assert.Contains("Cumulative repeat purchases", File.ReadAllText(json.GetProperty("report").GetString()!), StringComparison.Ordinal);
        Assert.Equal(2357, json.GetProperty("customers").GetInt32());
        var bg = json.GetProperty("bgnbd");
        FourDigits(0.2426, bg.GetProperty("r").GetDouble());
        FourDigits(4.4136, bg.GetProperty("alpha").GetDouble());
        FourDigits(0.7929, bg.GetProperty("a").GetDouble());
        FourDigits(2.4259, bg.GetProperty("b").GetDouble());
        Assert.Equal(-9582.43, bg.GetProperty("logLikelihood").GetDouble(), 0.01);
        var gg = json.GetProperty("gammaGamma");
        Assert.Equal(6.25, gg.GetProperty("p").GetDouble(), 0.005);
        Assert.Equal(3.74, gg.GetProperty("q").GetDouble(), 0.005);
        Assert.Equal(15.44, gg.GetProperty("gamma").GetDouble(), 0.005);
        Assert.Equal(-4055.92, gg.GetProperty("logLikelihood").GetDouble(), 0.01);
    }

    [Fact]
    public async Task Score_WritesOneRowPerCustomer_WithProbabilitiesAndClv()
    {
        using var dir = new TempDir();
        var outFile = dir.Combine("clv.csv");

        var (exit, output, _) = await CliRunner.RunAsync(
            "value", "score", "--transactions", Cdnow, "--date-format", "yyyyMMdd", "--calibration-end", "1997-09-30", "--time-unit", "weeks",
            "--horizon", "12", "--period-length", "4.348", "--discount-rate", "0.01", "--out", outFile, "--format", "json");

        Assert.Equal(0, exit);
        Assert.Equal(2357, CliRunner.Json(output).GetProperty("customers").GetInt32());
        var lines = File.ReadAllLines(outFile);
        Assert.Equal("customer_id,frequency,recency,T,monetary_value,p_alive,expected_purchases,expected_average_value,clv", lines[0]);
        Assert.Equal(2358, lines.Length);
        foreach (var line in lines.Skip(1))
        {
            var f = line.Split(',');
            var alive = double.Parse(f[5], CultureInfo.InvariantCulture);
            var clv = double.Parse(f[8], CultureInfo.InvariantCulture);
            Assert.InRange(alive, 0, 1);
            Assert.True(clv >= 0);
        }
    }

    [Fact]
    public async Task Fit_TimeUnitIsRequired_AndBadRowsAreReported()
    {
        using var dir = new TempDir();
        var file = dir.File("tx.csv", "customer_id,date,amount\na,2025-01-01,10\na,2025-02-01,\nb,2025-01-05,abc\n");

        var (noUnit, _, _) = await CliRunner.RunAsync("value", "fit", "--transactions", file, "--calibration-end", "2025-03-01");
        var (exit, output, _) = await CliRunner.RunAsync("value", "fit", "--transactions", file, "--calibration-end", "2025-03-01", "--time-unit", "weeks", "--format", "json");

        Assert.NotEqual(0, noUnit);
        Assert.Equal(3, exit); // too little data to fit: a clear error, not NaN
        var json = CliRunner.Json(output);
        Assert.Contains("at least 2 customers", json.GetProperty("fatal").GetString(), StringComparison.Ordinal);
        Assert.Equal((3, 1, 2), (json.GetProperty("read").GetInt32(), json.GetProperty("accepted").GetInt32(), json.GetProperty("rejected").GetInt32()));
        Assert.Equal(3, json.GetProperty("errors")[0].GetProperty("line").GetInt32());
    }

    [Fact]
    public async Task Fit_OnAnEventsFile_CountsOnlyPurchases()
    {
        using var dir = new TempDir();
        var data = dir.Combine("base");
        Assert.Equal(0, (await CliRunner.RunAsync("data", "generate", "--customers", "300", "--seed", "4", "--out", data)).Exit);
        var events = Path.Combine(data, "events.csv");
        var header = File.ReadLines(events).First().Split(',');
        var rows = File.ReadLines(events).Skip(1).Select(l => l.Split(',')).ToList();
        var purchases = rows.Count(r => r[Array.IndexOf(header, "type")] == "purchase");

        var (exit, output, error) = await CliRunner.RunAsync("value", "fit", "--transactions", events, "--date-column", "timestamp", "--calibration-end", "2025-10-01", "--time-unit", "weeks", "--format", "json");

        Assert.True(exit == 0, error);
        var tx = CliRunner.Json(output).GetProperty("transactions");
        Assert.Equal(purchases, tx.GetProperty("purchases").GetInt32());
        Assert.Equal(rows.Count - purchases, tx.GetProperty("notPurchases").GetInt64());
        Assert.True(purchases < rows.Count / 2, $"{purchases} purchases of {rows.Count} events");
        Assert.DoesNotContain("amount is empty", error, StringComparison.Ordinal);
    }
}
