using System.Globalization;
using System.Text.Json;
using Churn.Abstractions;
using Churn.Sdk;

namespace Churn.Cli.Tests.Commands;

public sealed class SegmentCommandsTests
{
    private const string Schemes = """
        {
          "schemes": [
            { "id": "value-risk", "type": "value-risk", "riskCuts": { "quantiles": [0.8] }, "crossWith": ["preferred_channel"] },
            { "id": "rfm", "type": "rfm" },
            { "id": "rules", "type": "rules", "rules": [ { "id": "noisy", "name": "Many tickets", "when": "tickets_90d >= 2" }, { "id": "premium", "name": "Premium plan", "when": "plan == \"premium\"" } ], "fallback": { "id": "rest", "name": "Everyone else" } },
            { "id": "clusters", "type": "kmeans", "inputs": ["probability", "value", "tenure_days"], "k": { "min": 2, "max": 5 } }
          ]
        }
        """;

    [Fact]
    public async Task Segment_WritesOneColumnPerScheme_AndProfilesEverySegment()
    {
        using var dir = new TempDir();
        var (events, customers, features, assessments, ids) = await BaseAsync(dir);
        var scheme = dir.File("s.json", Schemes);
        var output = dir.Combine("seg.csv");
        var saved = dir.Combine("fitted.json");

        var (exit, stdout, stderr) = await CliRunner.RunAsync("segment", "--assessments", assessments, "--scheme", scheme, "--customers", customers, "--features", features, "--out", output, "--save", saved, "--report", dir.Combine("report"), "--format", "json");

        Assert.True(exit == 0, stderr + stdout);
        var json = CliRunner.Json(stdout);
        Assert.Equal(ids.Count, json.GetProperty("customers").GetInt32());
        var lines = File.ReadAllLines(output);
        Assert.Equal("customer_id,value-risk,rfm,rules,clusters", lines[0]);
        Assert.Equal(ids, lines.Skip(1).Select(l => l.Split(',')[0]).ToList());
        var columns = lines.Skip(1).Select(l => l.Split(',')).ToArray();
        var schemes = json.GetProperty("schemes").EnumerateArray().ToList();
        Assert.Equal(["value-risk", "rfm", "rules", "kmeans"], schemes.Select(s => s.GetProperty("type").GetString()));
        for (var s = 0; s < schemes.Count; s++)
        {
            // The JSON's counts are the file's.
            var segments = schemes[s].GetProperty("segments").EnumerateArray().ToList();
            Assert.Equal(ids.Count, segments.Sum(x => x.GetProperty("customers").GetInt32()));
            foreach (var segment in segments)
            {
                Assert.Equal(columns.Count(c => c[s + 1] == segment.GetProperty("id").GetString()), segment.GetProperty("customers").GetInt32());
                foreach (var field in new[] { "name", "meanProbability", "meanValue", "valueAtRisk" })
                {
                    Assert.True(segment.TryGetProperty(field, out _), field);
                }
            }
        }

        var html = File.ReadAllText(json.GetProperty("report").GetString()!);
        Assert.Contains("Value at risk by segment", html, StringComparison.Ordinal);
        Assert.Equal(12, Directory.GetFiles(dir.Combine("report/charts"), "*.svg").Length);
        Assert.Contains(columns, c => c[1].StartsWith("protect/", StringComparison.Ordinal));
        Assert.Contains(columns, c => c[3] == "premium");
        Assert.Contains(columns, c => c[2] is "champions" or "loyal" or "potential-loyalist");

        // The saved fit segments the same customers the same way on the next run.
        var again = dir.Combine("seg2.csv");
        var (exit2, _, err2) = await CliRunner.RunAsync("segment", "--assessments", assessments, "--scheme", saved, "--customers", customers, "--features", features, "--out", again);
        Assert.True(exit2 == 0, err2);
        Assert.Equal(lines, File.ReadAllLines(again));
    }

    [Fact]
    public async Task Segment_OneScheme_WritesASegmentColumn_AndText()
    {
        using var dir = new TempDir();
        var (_, _, _, assessments, ids) = await BaseAsync(dir);
        var scheme = dir.File("s.json", """{ "id": "v", "type": "value-risk", "riskCuts": { "absolute": [0.5] } }""");
        var output = dir.Combine("seg.csv");

        var (exit, stdout, _) = await CliRunner.RunAsync("segment", "--assessments", assessments, "--scheme", scheme, "--out", output);

        Assert.Equal(0, exit);
        Assert.Equal("customer_id,segment", File.ReadLines(output).First());
        Assert.Equal(ids.Count + 1, File.ReadLines(output).Count());
        Assert.Contains("Segmented " + ids.Count.ToString("N0", CultureInfo.InvariantCulture) + " customers", stdout, StringComparison.Ordinal);
        Assert.Contains("value at risk", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Segment_BadInput_ExitsThree_WithTheReason_AndWritesNothing()
    {
        using var dir = new TempDir();
        var (_, _, _, assessments, _) = await BaseAsync(dir);
        var output = dir.Combine("seg.csv");
        var good = dir.File("good.json", """{ "id": "v", "type": "value-risk" }""");
        var otherDay = dir.Combine("features-other-day.csv");
        Assert.Equal(0, (await CliRunner.RunAsync("features", "build", "--events", Path.Combine(dir.Path, "base", "events.csv"), "--as-of", "2025-12-01", "--out", otherDay)).Exit);
        var damaged = dir.File("damaged.jsonl", File.ReadLines(assessments).First() + "\n{\"customerId\": \"x\", \"asOf\": \"2026-01-01T00:00:00Z\"}\n");

        var cases = new (string[] Args, string Expected)[]
        {
            (["--assessments", assessments, "--scheme", dir.File("bad.json", """{ "id": "v", "type": "value-risk", "valueCut": {} }""")], "unknown field 'valueCut'"),
            (["--assessments", assessments, "--scheme", dir.File("rule.json", """{ "id": "r", "type": "rules", "rules": [ { "id": "a", "when": "probability >" } ], "fallback": { "id": "b" } }""")], "segment 'a': line 1, column"),
            (["--assessments", assessments, "--scheme", dir.Combine("missing.json")], "does not exist"),
            (["--assessments", damaged, "--scheme", good], "damaged.jsonl:2:"),
            (["--assessments", assessments, "--scheme", dir.File("rfm.json", """{ "id": "r", "type": "rfm" }""")], "RFM segments need the customers' features"),
            (["--assessments", assessments, "--scheme", good, "--features", otherDay], "build the features at the assessments' instant"),
        };
        foreach (var (args, expected) in cases)
        {
            var (exit, _, err) = await CliRunner.RunAsync(["segment", .. args, "--out", output]);

            Assert.True(exit == 3, string.Join(' ', args) + ": " + err);
            Assert.Contains(expected, err, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
            Assert.False(File.Exists(output));
        }
    }

    /// <summary>A generated base, its features, and assessments written with seeded probabilities.</summary>
    private static async Task<(string Events, string Customers, string Features, string Assessments, List<string> Ids)> BaseAsync(TempDir dir)
    {
        var data = dir.Combine("base");
        Assert.Equal(0, (await CliRunner.RunAsync("data", "generate", "--customers", "400", "--seed", "5", "--out", data)).Exit);
        var events = Path.Combine(data, "events.csv");
        var customers = Path.Combine(data, "customers.csv");
        var features = dir.Combine("features.csv");
        Assert.Equal(0, (await CliRunner.RunAsync("features", "build", "--events", events, "--customers", customers, "--as-of", "2026-01-01", "--out", features)).Exit);
        var ids = File.ReadLines(features).Skip(1).Select(l => l.Split(',')[0]).ToList();
        var assessments = dir.Combine("a.jsonl");
        var asOf = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var rng = new Random(5);
        await using (var stream = File.Create(assessments))
        {
            using var writer = new AssessmentJsonLines.Writer(stream);
            foreach (var id in ids)
            {
                var p = rng.NextDouble() * rng.NextDouble();
                writer.Write(new RiskAssessment(new CustomerId(id), asOf, p, p > 0.3 ? RiskLevel.High : RiskLevel.Low)
                {
                    Value = new CustomerValue(Math.Round((decimal)(rng.NextDouble() * 2000), 2), Math.Round((decimal)(rng.NextDouble() * 3000), 2)),
                });
            }
        }

        return (events, customers, features, assessments, ids);
    }
}
