namespace Churn.Cli.Tests.Commands;

public sealed class MonitorCommandsTests
{
    [Fact]
    public async Task Replay_EndsWhereAssessEnds_AndAStoppedReplayResumesToTheSameAlerts()
    {
        using var dir = new TempDir();
        var ct = TestContext.Current.CancellationToken;
        Assert.Equal(0, (await CliRunner.RunAsync("data", "generate", "--customers", "300", "--seed", "7", "--out", dir.Path)).Exit);
        var events = Path.Combine(dir.Path, "events.csv");
        var customers = Path.Combine(dir.Path, "customers.csv");
        Assert.Equal(0, (await CliRunner.RunAsync("dataset", "build", "--events", events, "--customers", customers, "--as-of", "2025-11-01", "--horizon-days", "30", "--out", dir.Combine("train.csv"))).Exit);
        var model = dir.Combine("m.model");
        Assert.Equal(0, (await CliRunner.RunAsync("model", "train", "--data", dir.Combine("train.csv"), "--label", "churned", "--id", "customer_id", "--ignore", "as_of", "--folds", "2", "--trees", "200,8,0.05", "--out", model)).Exit);

        string[] Replay(string alerts, string final, params string[] more) =>
            ["monitor", "replay", "--events", events, "--customers", customers, "--model", model, "--alert-level", "medium", "--out", alerts, "--assessments", final, .. more];

        var (exit, output, error) = await CliRunner.RunAsync([.. Replay(dir.Combine("alerts.jsonl"), dir.Combine("final.jsonl")), "--format", "json"]);
        Assert.True(exit == 0, error);
        var summary = CliRunner.Json(output);
        foreach (var field in new[] { "events", "customers", "alerts", "byLevel", "eventsPerSecond" })
        {
            Assert.True(summary.TryGetProperty(field, out _), field);
        }

        Assert.True(summary.GetProperty("alerts").GetInt32() > 0);
        Assert.Equal(summary.GetProperty("alerts").GetInt32(), File.ReadAllLines(dir.Combine("alerts.jsonl")).Length);

        // The final assessments are churn assess's as of the last event.
        var last = File.ReadLines(events).Skip(1).Select(l => l.Split(',')[1]).Max(StringComparer.Ordinal)!;
        Assert.Equal(0, (await CliRunner.RunAsync("assess", "--events", events, "--customers", customers, "--model", model, "--as-of", last, "--no-predicted-value", "--out", dir.Combine("assess.jsonl"))).Exit);
        Assert.Equal(File.ReadAllLines(dir.Combine("assess.jsonl")).Order(StringComparer.Ordinal), File.ReadAllLines(dir.Combine("final.jsonl")).Order(StringComparer.Ordinal));

        // Stopped part-way (wherever that falls) and started again with the same arguments: the same alerts and assessments.
        foreach (var delay in new[] { 150, 600, 1_500 })
        {
            var db = dir.Combine($"replay-{delay}.db");
            string[] args = Replay(dir.Combine($"alerts-{delay}.jsonl"), dir.Combine($"final-{delay}.jsonl"), "--db", db, "--checkpoint-every", "500");
            using (var stop = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                stop.CancelAfter(delay);
                var first = await Churn.Cli.ChurnCli.RunAsync(args, new StringWriter(), new StringWriter(), cancellationToken: stop.Token);
                Assert.True(first is 0 or 130, $"exit {first}");
            }

            var (again, _, againError) = await CliRunner.RunAsync(args);
            Assert.True(again == 0, againError);
            Assert.Equal(File.ReadAllLines(dir.Combine("alerts.jsonl")), File.ReadAllLines(dir.Combine($"alerts-{delay}.jsonl")));
            Assert.Equal(File.ReadAllLines(dir.Combine("final.jsonl")), File.ReadAllLines(dir.Combine($"final-{delay}.jsonl")));
        }

        // With rules: the symptoms are kept live, the final assessments are still churn assess's, and critical symptoms raise alerts.
        var rules = Path.Combine(AppContext.BaseDirectory, "data", "rules", "churn-rules.json");
        var (rulesExit, rulesOutput, rulesError) = await CliRunner.RunAsync([.. Replay(dir.Combine("alerts-rules.jsonl"), dir.Combine("final-rules.jsonl"), "--rules", rules), "--format", "json"]);
        Assert.True(rulesExit == 0, rulesError);
        Assert.Equal(0, (await CliRunner.RunAsync("assess", "--events", events, "--customers", customers, "--model", model, "--rules", rules, "--as-of", last, "--no-predicted-value", "--out", dir.Combine("assess-rules.jsonl"))).Exit);
        var assessed = File.ReadAllLines(dir.Combine("assess-rules.jsonl"));
        Assert.Equal(assessed.Order(StringComparer.Ordinal), File.ReadAllLines(dir.Combine("final-rules.jsonl")).Order(StringComparer.Ordinal));
        Assert.Contains(assessed, l => l.Contains("\"severity\":\"critical\"", StringComparison.Ordinal));
        var bySymptom = File.ReadAllLines(dir.Combine("alerts-rules.jsonl")).Select(CliRunner.Json).Where(a => a.GetProperty("symptom").ValueKind == System.Text.Json.JsonValueKind.String).ToList();
        Assert.NotEmpty(bySymptom);
        Assert.All(bySymptom, a => Assert.StartsWith("critical symptom", a.GetProperty("message").GetString(), StringComparison.Ordinal));
        Assert.True(CliRunner.Json(rulesOutput).GetProperty("alerts").GetInt32() > summary.GetProperty("alerts").GetInt32());

        // Stopped and resumed with rules: the symptoms' state is part of the checkpoint.
        var rulesDb = dir.Combine("replay-rules.db");
        string[] withRules = Replay(dir.Combine("alerts-rules-2.jsonl"), dir.Combine("final-rules-2.jsonl"), "--rules", rules, "--db", rulesDb, "--checkpoint-every", "500");
        using (var stop = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            stop.CancelAfter(600);
            Assert.True(await Churn.Cli.ChurnCli.RunAsync(withRules, new StringWriter(), new StringWriter(), cancellationToken: stop.Token) is 0 or 130);
        }

        Assert.Equal(0, (await CliRunner.RunAsync(withRules)).Exit);
        Assert.Equal(File.ReadAllLines(dir.Combine("alerts-rules.jsonl")), File.ReadAllLines(dir.Combine("alerts-rules-2.jsonl")));
        Assert.Equal(File.ReadAllLines(dir.Combine("final-rules.jsonl")), File.ReadAllLines(dir.Combine("final-rules-2.jsonl")));

        // A rule set that is not one: the input is unusable (exit 3), and the message names the file.
        var (badExit, _, badError) = await CliRunner.RunAsync([.. Replay(dir.Combine("x.jsonl"), dir.Combine("y.jsonl")), "--rules", dir.File("r.json", "{}")]);
        Assert.Equal(3, badExit);
        Assert.Contains("r.json", badError, StringComparison.Ordinal);
    }
}
