using System.Globalization;
using Churn.Abstractions;
using Churn.Sdk;

namespace Churn.Cli.Tests.Commands;

public sealed class InterventionCommandsTests
{
    private static readonly string Playbooks = Path.Combine(AppContext.BaseDirectory, "data", "interventions", "playbooks.json");
    private static readonly string Offers = Path.Combine(AppContext.BaseDirectory, "data", "interventions", "offers.json");
    private static readonly DateTimeOffset AsOf = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Plan_WritesTheContractsColumns_AndASummaryThatAddsUp_WithinTheBudget_TheSameOnEveryRun()
    {
        using var dir = new TempDir();
        var assessments = Assessments(dir, 2000);
        var output = dir.Combine("plan.csv");

        var (exit, stdout, stderr) = await CliRunner.RunAsync("plan", "--assessments", assessments, "--playbooks", Playbooks, "--offers", Offers, "--budget", "2500", "--out", output, "--format", "json");

        Assert.True(exit == 0, stderr + stdout);
        var json = CliRunner.Json(stdout);
        var lines = File.ReadAllLines(output);
        Assert.StartsWith("customer_id,playbook,action,channel,offer,cost,owner,holdout,expected_value,", lines[0], StringComparison.Ordinal);
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(2000, json.GetProperty("customers").GetInt32());
        Assert.Equal(rows.Count, json.GetProperty("planned").GetInt32());
        Assert.Equal(rows.Count(r => r[7] == "true"), json.GetProperty("heldOut").GetInt32());
        Assert.Equal(rows.Count(r => r[7] == "false" && r[3].Length > 0), json.GetProperty("contacted").GetInt32());
        var cost = rows.Sum(r => decimal.Parse(r[5], CultureInfo.InvariantCulture));
        Assert.Equal(cost, json.GetProperty("cost").GetDecimal());
        Assert.True(cost <= 2500m);
        Assert.Equal(2500m, json.GetProperty("budget").GetDecimal());
        var byPlaybook = json.GetProperty("byPlaybook").EnumerateArray().ToList();
        Assert.Equal(rows.Count, byPlaybook.Sum(p => p.GetProperty("planned").GetInt32()));
        Assert.Equal(json.GetProperty("heldOut").GetInt32(), byPlaybook.Sum(p => p.GetProperty("heldOut").GetInt32()));
        foreach (var p in byPlaybook)
        {
            Assert.Equal(rows.Count(r => r[1] == p.GetProperty("id").GetString()), p.GetProperty("planned").GetInt32());
            Assert.Equal(rows.Where(r => r[1] == p.GetProperty("id").GetString()).Sum(r => decimal.Parse(r[5], CultureInfo.InvariantCulture)), p.GetProperty("cost").GetDecimal());
        }

        // Held-out rows: no channel, no offer, nothing spent; reactive and proactive playbooks both ran.
        Assert.All(rows.Where(r => r[7] == "true"), r => Assert.True(r[3].Length == 0 && r[4].Length == 0 && r[5] == "0", string.Join(',', r)));
        Assert.Contains(rows, r => r[1] == "payment-rescue" && r[7] == "false");
        Assert.Contains(rows, r => r[1] == "gold-status-call");
        Assert.Contains(rows, r => r[4].Length > 0);
        Assert.Equal(rows.Count, rows.Select(r => r[0]).Distinct().Count());

        var again = dir.Combine("again.csv");
        Assert.Equal(0, (await CliRunner.RunAsync("plan", "--assessments", assessments, "--playbooks", Playbooks, "--offers", Offers, "--budget", "2500", "--out", again)).Exit);
        Assert.Equal(lines, File.ReadAllLines(again));
    }

    [Fact]
    public async Task Plan_WithAStore_AddsItsDecisionsOnce_AndTheNextPlanCountsThem()
    {
        using var dir = new TempDir();
        var assessments = Assessments(dir, 500);
        var db = dir.Combine("churn.db");
        var first = dir.Combine("first.csv");

        var (exit, stdout, stderr) = await CliRunner.RunAsync("plan", "--assessments", assessments, "--playbooks", Playbooks, "--offers", Offers, "--store", db, "--out", first, "--format", "json");
        Assert.True(exit == 0, stderr);
        var planned = CliRunner.Json(stdout).GetProperty("planned").GetInt32();
        Assert.True(planned > 0);
        Assert.Equal(planned, CliRunner.Json(stdout).GetProperty("stored").GetInt32());

        // The same instant again: every run already decided, nothing new planned or stored.
        var second = dir.Combine("second.csv");
        var (exit2, stdout2, stderr2) = await CliRunner.RunAsync("plan", "--assessments", assessments, "--playbooks", Playbooks, "--offers", Offers, "--store", db, "--out", second, "--format", "json");
        Assert.True(exit2 == 0, stderr2);
        Assert.Equal(0, CliRunner.Json(stdout2).GetProperty("stored").GetInt32());
        var firstIds = File.ReadLines(first).Skip(1).Select(l => l.Split(',')[^1]).ToHashSet();
        Assert.DoesNotContain(File.ReadLines(second).Skip(1), l => firstIds.Contains(l.Split(',')[^1]));
        var (_, info, _) = await CliRunner.RunAsync("store", "info", "--db", db, "--format", "json");
        Assert.Equal(planned, CliRunner.Json(info).GetProperty("tables").GetProperty("decisions").GetInt32());
    }

    [Fact]
    public async Task Plan_RefusesWhatItCannotUse_WithTheRightExitCode_AndWritesNothing()
    {
        using var dir = new TempDir();
        var assessments = Assessments(dir, 20);
        var output = dir.Combine("plan.csv");
        var noKey = dir.File("p.json", File.ReadAllText(Playbooks).Replace("\"key\": \"sample-holdout-key-change-me\"", "\"key\": \"short\"", StringComparison.Ordinal));
        var badCron = dir.File("bad.json", File.ReadAllText(Playbooks).Replace("0 9 1 * *", "0 9 32 * *", StringComparison.Ordinal));
        var cases = new (string[] Args, int Exit, string Expected)[]
        {
            (["--playbooks", noKey, "--offers", Offers], 2, "secret key of at least 16 characters"),
            (["--playbooks", badCron, "--offers", Offers], 3, "gold-status-call"),
            (["--playbooks", Playbooks, "--offers", dir.Combine("missing.json")], 3, "does not exist"),
            (["--playbooks", Playbooks, "--offers", Offers, "--budget", "-1"], 2, "--budget"),
            (["--playbooks", Playbooks, "--offers", Offers, "--as-of", "01/12/2026"], 2, "--as-of"),
        };
        foreach (var (args, code, expected) in cases)
        {
            var (exit, _, err) = await CliRunner.RunAsync(["plan", "--assessments", assessments, .. args, "--out", output]);
            Assert.True(exit == code, string.Join(' ', args) + ": " + err);
            Assert.Contains(expected, err, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
            Assert.False(File.Exists(output));
        }
    }

    [Fact]
    public async Task PollResults_PrintNpsAndCsatBySegment_AndCountScoresOutOfRange()
    {
        using var dir = new TempDir();
        var events = dir.File("events.csv", """
            customer_id,timestamp,type,amount,poll,kind,segment
            a,2026-11-02T10:00:00Z,feedback,10,nps-q,nps,smb
            b,2026-11-03T10:00:00Z,feedback,9,nps-q,nps,smb
            c,2026-11-04T10:00:00Z,feedback,3,nps-q,nps,smb
            d,2026-12-01T10:00:00Z,feedback,8,nps-q,nps,enterprise
            e,2026-12-02T10:00:00Z,feedback,6,nps-q,nps,enterprise
            f,2026-12-02T10:00:00Z,feedback,12,nps-q,nps,enterprise
            a,2026-12-02T11:00:00Z,feedback,5,csat-s,csat,smb
            b,2026-12-02T11:00:00Z,feedback,4,csat-s,csat,smb
            c,2026-12-02T11:00:00Z,feedback,2,csat-s,csat,smb
            a,2026-12-02T12:00:00Z,purchase,30,,,
            """);

        var (exit, stdout, stderr) = await CliRunner.RunAsync("poll", "results", "--events", events, "--format", "json");

        Assert.True(exit == 1, stderr + stdout);
        var json = CliRunner.Json(stdout);
        Assert.Equal(9, json.GetProperty("feedback").GetInt32());
        Assert.Equal(1, json.GetProperty("invalid").GetInt32());
        var polls = json.GetProperty("polls").EnumerateArray().ToDictionary(p => p.GetProperty("poll").GetString()!);
        var nps = polls["nps-q"];
        Assert.Equal("nps", nps.GetProperty("kind").GetString());
        Assert.Equal(5, nps.GetProperty("responses").GetInt32());
        Assert.Equal(Math.Round(100.0 * (2 - 2) / 5, 2), nps.GetProperty("score").GetDouble());
        var segments = nps.GetProperty("bySegment").EnumerateArray().ToDictionary(s => s.GetProperty("segment").GetString()!);
        Assert.Equal(Math.Round(100.0 * (2 - 1) / 3, 2), segments["smb"].GetProperty("score").GetDouble());
        Assert.Equal(-50.0, segments["enterprise"].GetProperty("score").GetDouble());
        Assert.Equal(["2026-11", "2026-12"], nps.GetProperty("byMonth").EnumerateArray().Select(m => m.GetProperty("month").GetString()));
        Assert.Equal(Math.Round(200.0 / 3, 2), polls["csat-s"].GetProperty("score").GetDouble());

        var (exit2, text, _) = await CliRunner.RunAsync("poll", "results", "--events", events);
        Assert.Equal(1, exit2);
        Assert.Contains("nps-q (NPS): 0 from 5 responses", text, StringComparison.Ordinal);
        Assert.Contains("score 12 is not a valid NPS score", text, StringComparison.Ordinal);
    }

    /// <summary>Assessments with seeded probabilities, values, segments, levels and the sample rules' symptoms.</summary>
    private static string Assessments(TempDir dir, int n)
    {
        var path = dir.Combine("a.jsonl");
        var rng = new Random(11);
        string[] segments = ["smb", "enterprise", "consumer"];
        using var stream = File.Create(path);
        using var writer = new AssessmentJsonLines.Writer(stream);
        for (var i = 0; i < n; i++)
        {
            var p = rng.NextDouble();
            var symptoms = new List<Symptom>();
            if (rng.Next(6) == 0)
            {
                symptoms.Add(new Symptom("payment_trouble", SymptomSeverity.Critical, AsOf.AddDays(-rng.Next(20)), "two failed payments"));
            }

            if (rng.Next(8) == 0)
            {
                symptoms.Add(new Symptom("complaint", SymptomSeverity.Critical, AsOf.AddDays(-rng.Next(20)), "a complaint"));
            }

            var value = Math.Round((decimal)(rng.NextDouble() * rng.NextDouble() * 4000), 2);
            writer.Write(new RiskAssessment(new CustomerId($"C{i:D5}"), AsOf, p, p > 0.6 ? RiskLevel.High : p > 0.3 ? RiskLevel.Medium : RiskLevel.Low)
            {
                Value = new CustomerValue(value, value * 1.4m),
                Symptoms = symptoms,
                Segment = segments[rng.Next(3)],
                Owner = rng.Next(2) == 0 ? "rep-" + rng.Next(4) : null,
            });
        }

        return path;
    }
}
