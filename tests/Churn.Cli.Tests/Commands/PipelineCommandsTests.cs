using System.Text.Json;

namespace Churn.Cli.Tests.Commands;

public sealed class PipelineCommandsTests
{
    private static readonly string Rules = Path.Combine(AppContext.BaseDirectory, "data", "rules", "churn-rules.json");

    [Fact]
    public async Task Generate_Dataset_Train_Assess_Backtest_EndToEnd()
    {
        using var dir = new TempDir();
        var data = dir.Combine("base");
        Assert.Equal(0, (await CliRunner.RunAsync("data", "generate", "--customers", "2000", "--seed", "3", "--out", data)).Exit);
        var events = Path.Combine(data, "events.csv");
        var customers = Path.Combine(data, "customers.csv");

        // dataset build: features and label joined, ready for model train.
        var table = dir.Combine("train.csv");
        var (datasetExit, datasetOut, _) = await CliRunner.RunAsync("dataset", "build", "--events", events, "--customers", customers, "--as-of", "2025-11-02", "--horizon-days", "30", "--out", table, "--format", "json");
        Assert.Equal(0, datasetExit);
        var header = File.ReadLines(table).First().Split(',');
        Assert.Equal(["customer_id", "as_of"], header[..2]);
        Assert.Equal("churned", header[^1]);
        Assert.Contains("tickets_90d", header);
        var rows = File.ReadAllLines(table).Skip(1).ToArray();
        Assert.Equal(CliRunner.Json(datasetOut).GetProperty("customers").GetInt32(), rows.Length);
        Assert.All(rows, r => Assert.True(r.EndsWith(",true", StringComparison.Ordinal) || r.EndsWith(",false", StringComparison.Ordinal)));
        Assert.Equal(CliRunner.Json(datasetOut).GetProperty("churners").GetInt32(), rows.Count(r => r.EndsWith(",true", StringComparison.Ordinal)));

        var model = dir.Combine("churn.model");
        var (trainExit, _, trainErr) = await CliRunner.RunAsync("model", "train", "--data", table, "--label", "churned", "--id", "customer_id", "--ignore", "as_of", "--folds", "3", "--out", model);
        Assert.True(trainExit == 0, trainErr);

        // assess: the JSON lines carry every field of the contract.
        var jsonl = dir.Combine("a.jsonl");
        var db = dir.Combine("churn.db");
        var (assessExit, assessOut, assessErr) = await CliRunner.RunAsync("assess", "--events", events, "--customers", customers, "--model", model, "--rules", Rules, "--as-of", "2025-12-02", "--out", jsonl, "--format", "json", "--db", db, "--report", dir.Combine("report"));
        Assert.True(assessExit == 0, assessErr);
        var summary = CliRunner.Json(assessOut);
        var report = File.ReadAllText(summary.GetProperty("report").GetString()!);
        Assert.Contains("Customers by risk level", report, StringComparison.Ordinal);
        Assert.Contains("The most valuable customers at risk", report, StringComparison.Ordinal);
        var lines = File.ReadAllLines(jsonl);
        Assert.Equal(summary.GetProperty("customers").GetInt32(), lines.Length);
        var byLevel = summary.GetProperty("byLevel");
        Assert.Equal(lines.Length, new[] { "low", "medium", "high", "critical", "churned" }.Sum(l => byLevel.GetProperty(l).GetInt32()));
        Assert.True(summary.GetProperty("seconds").GetDouble() >= 0);

        // --db: every assessment is also in the store, the same as in the file.
        Assert.Equal(lines.Length, summary.GetProperty("stored").GetInt64());
        using (var store = Churn.Storage.Sqlite.SqliteChurnStore.Open(db))
        {
            var stored = await store.ReadAssessmentsAsync(null, TestContext.Current.CancellationToken).ToListAsync(TestContext.Current.CancellationToken);
            Assert.Equal(lines.Length, stored.Count);
            var firstLine = JsonDocument.Parse(lines[0]).RootElement;
            var same = stored.Single(a => a.CustomerId.Value == firstLine.GetProperty("customerId").GetString());
            Assert.Equal(firstLine.GetProperty("level").GetString(), Churn.Abstractions.RiskLevelPolicy.Name(same.Level));
            Assert.Equal(firstLine.GetProperty("reasons").GetArrayLength(), same.Reasons.Count);
        }

        var assessments = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        foreach (var a in assessments)
        {
            foreach (var field in new[] { "customerId", "asOf", "probability", "level", "levelReason", "reasons", "symptoms", "value", "segment", "owner" })
            {
                Assert.True(a.TryGetProperty(field, out _), field);
            }

            var level = a.GetProperty("level").GetString();
            Assert.Contains(level, new[] { "low", "medium", "high", "critical", "churned" });
            Assert.Equal(level == "churned", a.GetProperty("probability").ValueKind == JsonValueKind.Null);
            foreach (var field in new[] { "historical", "predicted", "pAlive", "currency" })
            {
                Assert.True(a.GetProperty("value").TryGetProperty(field, out _), field);
            }
        }

        var scored = assessments.Where(a => a.GetProperty("level").GetString() != "churned").ToList();
        Assert.NotEmpty(scored);
        Assert.All(scored, a => Assert.Equal(3, a.GetProperty("reasons").GetArrayLength()));
        var reason = scored[0].GetProperty("reasons")[0];
        foreach (var field in new[] { "feature", "value", "contribution", "text" })
        {
            Assert.True(reason.TryGetProperty(field, out _), field);
        }

        var symptom = scored.SelectMany(a => a.GetProperty("symptoms").EnumerateArray()).First();
        foreach (var field in new[] { "ruleId", "severity", "firedAt", "explanation" })
        {
            Assert.True(symptom.TryGetProperty(field, out _), field);
        }

        // A critical symptom never leaves a customer below high.
        Assert.All(
            scored.Where(a => a.GetProperty("symptoms").EnumerateArray().Any(s => s.GetProperty("severity").GetString() == "critical")),
            a => Assert.Contains(a.GetProperty("level").GetString(), new[] { "high", "critical" }));

        // The same assessments as flat columns.
        var csv = dir.Combine("a.csv");
        Assert.Equal(0, (await CliRunner.RunAsync("assess", "--events", events, "--customers", customers, "--model", model, "--rules", Rules, "--as-of", "2025-12-02", "--out", csv)).Exit);
        var csvLines = File.ReadAllLines(csv);
        Assert.StartsWith("customer_id,as_of,probability,level,level_reason,reasons,symptoms,value_historical,value_predicted,p_alive,currency,segment,owner", csvLines[0], StringComparison.Ordinal);
        Assert.Equal(lines.Length + 1, csvLines.Length);

        // backtest: the honest time-based check.
        var (backtestExit, backtestOut, backtestErr) = await CliRunner.RunAsync("backtest", "--events", events, "--customers", customers, "--train-as-of", "2025-11-02", "--test-as-of", "2025-12-02", "--horizon-days", "30", "--format", "json");
        Assert.True(backtestExit == 0, backtestErr);
        var backtest = CliRunner.Json(backtestOut);
        Assert.Equal(rows.Length, backtest.GetProperty("train").GetProperty("customers").GetInt32());
        Assert.True(backtest.GetProperty("train").GetProperty("churners").GetInt32() > 0);
        var test = backtest.GetProperty("test");
        Assert.InRange(test.GetProperty("auc").GetDouble(), 0.6, 1);
        foreach (var field in new[] { "customers", "churners", "prAuc", "brier", "ece" })
        {
            Assert.True(test.TryGetProperty(field, out _), field);
        }
    }

    [Fact]
    public async Task Assess_BadInputs_AreClearErrors_AndKeepTheOldOutput()
    {
        using var dir = new TempDir();
        var events = dir.File("events.csv", "customer_id,timestamp,type,amount\nc1,2025-01-01,purchase,10\nc2,2025-01-05,login,\n");
        var output = dir.File("a.jsonl", "previous run\n");
        var notAModel = dir.File("m.model", "not a zip");

        var (modelExit, _, modelErr) = await CliRunner.RunAsync("assess", "--events", events, "--model", notAModel, "--as-of", "2025-02-01", "--out", output);
        var (dateExit, _, dateErr) = await CliRunner.RunAsync("assess", "--events", events, "--as-of", "2025-13-01", "--out", output);
        var (extExit, _, extErr) = await CliRunner.RunAsync("assess", "--events", events, "--as-of", "2025-02-01", "--out", dir.Combine("a.txt"));
        var (rulesExit, _, rulesErr) = await CliRunner.RunAsync("assess", "--events", events, "--rules", dir.File("r.json", "{ \"version\": \"1\", \"rules\": [ { \"id\": \"x\", \"expression\": \"no_such_feature > 1\" } ] }"), "--as-of", "2025-02-01", "--out", output);
        var (backtestExit, _, backtestErr) = await CliRunner.RunAsync("backtest", "--events", events, "--train-as-of", "2025-01-10", "--test-as-of", "2025-01-20", "--horizon-days", "30");

        Assert.Equal(3, modelExit);
        Assert.Contains("m.model", modelErr, StringComparison.Ordinal);
        Assert.Equal(2, dateExit);
        Assert.Contains("2025-13-01", dateErr, StringComparison.Ordinal);
        Assert.Equal(2, extExit);
        Assert.Contains(".jsonl", extErr, StringComparison.Ordinal);
        Assert.Equal(3, rulesExit);
        Assert.Contains("no_such_feature", rulesErr, StringComparison.Ordinal);
        Assert.Equal(2, backtestExit);
        Assert.Contains("horizon", backtestErr, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("previous run\n", File.ReadAllText(output));
    }

    [Fact]
    public async Task Assess_WithoutAModel_LevelsComeFromSymptoms()
    {
        using var dir = new TempDir();
        var data = dir.Combine("base");
        Assert.Equal(0, (await CliRunner.RunAsync("data", "generate", "--customers", "300", "--seed", "9", "--out", data)).Exit);
        var output = dir.Combine("a.jsonl");

        var (exit, _, err) = await CliRunner.RunAsync("assess", "--events", Path.Combine(data, "events.csv"), "--rules", Rules, "--as-of", "2025-12-02", "--out", output);

        Assert.True(exit == 0, err);
        var assessments = File.ReadAllLines(output).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.All(assessments, a => Assert.Equal(JsonValueKind.Null, a.GetProperty("probability").ValueKind));
        Assert.Contains(assessments, a => a.GetProperty("levelReason").GetString()!.Contains("symptom", StringComparison.Ordinal));
    }
}
