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
        Assert.Equal(0, (await CliRunner.RunAsync("model", "train", "--data", dir.Combine("train.csv"), "--label", "churned", "--id", "customer_id", "--ignore", "as_of", "--folds", "2", "--out", model)).Exit);

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

        var (rulesExit, _, rulesError) = await CliRunner.RunAsync([.. Replay(dir.Combine("x.jsonl"), dir.Combine("y.jsonl")), "--rules", dir.File("r.json", "{}")]);
        Assert.Equal(2, rulesExit);
        Assert.Contains("--rules", rulesError, StringComparison.Ordinal);
    }
}
