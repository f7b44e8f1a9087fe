using System.Text;

namespace Churn.Cli.Tests.Commands;

/// <summary>
/// Every command against a corpus of hostile inputs: no crash, no stack trace, an exit code with
/// its documented meaning (never 4, which means a bug), and, where the JSON tells the accounting,
/// read = accepted + rejected.
/// </summary>
public sealed class HostileInputTests : IClassFixture<HostileInputTests.Fixture>
{
    private readonly Fixture _fixture;

    public HostileInputTests(Fixture fixture) => _fixture = fixture;

    /// <summary>The corpus: name and bytes. Large ones are generated, not stored.</summary>
    public static TheoryData<string> Corpus => [.. Inputs().Select(i => i.Name)];

    private static IEnumerable<(string Name, byte[] Bytes)> Inputs()
    {
        static byte[] T(string s) => Encoding.UTF8.GetBytes(s);
        yield return ("empty", []);
        yield return ("blank-lines", T("\n\n\r\n  \n"));
        yield return ("header-only", T("customer_id,timestamp,type,amount\n"));
        yield return ("binary", [.. Enumerable.Range(0, 4096).Select(i => (byte)((i * 7919) % 256))]);
        yield return ("unterminated-quote", T("customer_id,timestamp,type,amount\nc1,2026-01-01,purchase,5\n\"c2,2026-01-02,purchase,5\nc3,2026-01-03,purchase,5\n"));
        yield return ("ragged", T("customer_id,timestamp,type,amount\nc1,2026-01-01\nc2,2026-01-02,purchase,5,extra,more\nc3,2026-01-03,purchase,5\n"));
        yield return ("nul-and-bad-utf8", [.. T("customer_id,timestamp,type,amount\nc1,2026-01-01,purchase,5\nc\0 2,2026-01-01,purchase,5\n"), 0xC3, 0x28, .. T(",2026-01-01,purchase,5\n")]);
        yield return ("huge-numbers", T("customer_id,timestamp,type,amount,tenure,Churn\nc1,2026-01-01,purchase,1e400,Infinity,Yes\nc2,2026-01-01,purchase,-3.5e38,NaN,No\nc3,2026-01-02,purchase,5,1,No\n"));
        yield return ("day-month-dates", T("customer_id,timestamp,type,amount,date\nc1,01/02/2026,purchase,5,01/02/2026\nc2,13/02/2026,purchase,5,13/02/2026\n"));
        yield return ("duplicate-headers", T("customer_id,timestamp,type,type,amount\nc1,2026-01-01,purchase,login,5\n"));
        yield return ("json-not-csv", T("{ \"version\": \"1\", \"rules\": [ { \"id\": \"a\", \"expression\": \"x > 1\" } ] }"));
        yield return ("hash-and-formulas", T("customer_id,timestamp,type,amount\n#c1,2026-01-01,purchase,5\n=HYPERLINK(\"x\"),2026-01-01,purchase,5\n@c3,2026-01-01,purchse,5\n"));
        yield return ("wide-header", T(string.Join(',', Enumerable.Range(0, 5_000).Select(i => $"c{i}")) + "\n" + string.Join(',', Enumerable.Range(0, 5_000).Select(i => i % 3 == 0 ? "x" : $"{i}")) + "\n"));
        yield return ("over-long-line", T("customer_id,timestamp,type,amount\nc1,2026-01-01,purchase," + new string('9', (1 << 22) + 100) + "\nc2,2026-01-01,purchase,5\n"));
        yield return ("deep-json", T(new string('[', 100_000) + new string(']', 100_000)));
    }

    private static IEnumerable<string[]> Commands(string input, Fixture f, string output) =>
    [
        ["data", "validate", "--events", input],
        ["features", "build", "--events", input, "--as-of", "2026-02-01", "--out", output],
        ["features", "build", "--events", f.Events, "--customers", input, "--as-of", "2026-02-01", "--out", output],
        ["labels", "build", "--events", input, "--as-of", "2026-01-15", "--out", output],
        ["value", "fit", "--transactions", input, "--calibration-end", "2026-01-15", "--time-unit", "days"],
        ["value", "score", "--transactions", input, "--calibration-end", "2026-01-15", "--time-unit", "days", "--out", output],
        ["rules", "check", "--rules", input],
        ["rules", "run", "--rules", input, "--data", f.Table, "--id", "customerID"],
        ["rules", "run", "--rules", f.Rules, "--data", input, "--id", "customer_id", "--as-of", "2026-02-01", "--out", output],
        ["model", "train", "--data", input, "--label", "Churn", "--folds", "2", "--out", output],
        ["model", "score", "--model", f.Model, "--data", input, "--out", output],
        ["model", "score", "--model", input, "--data", f.Table, "--out", output],
        ["model", "info", "--model", input],
        ["model", "drift", "--model", f.Model, "--data", input],
        ["model", "drift", "--model", input, "--data", f.Table],
        ["model", "evaluate", "--scores", input, "--score-column", "amount", "--label", "Churn"],
        ["dataset", "build", "--events", input, "--as-of", "2026-01-10", "--horizon-days", "10", "--out", output],
        ["assess", "--events", input, "--as-of", "2026-02-01", "--out", output + ".jsonl"],
        ["assess", "--events", f.Events, "--model", input, "--as-of", "2026-02-01", "--out", output + ".jsonl"],
        ["backtest", "--events", input, "--train-as-of", "2026-01-02", "--test-as-of", "2026-01-20", "--horizon-days", "10"],
        ["segment", "--assessments", input, "--scheme", f.Scheme, "--out", output],
        ["segment", "--assessments", f.Assessments, "--scheme", input, "--out", output],
        ["store", "info", "--db", input],
        ["store", "export", "--db", input, "--table", "events", "--out", output],
        ["plan", "--assessments", input, "--playbooks", Fixture.Playbooks, "--offers", Fixture.Offers, "--out", output],
        ["plan", "--assessments", f.Assessments, "--playbooks", input, "--offers", Fixture.Offers, "--out", output],
        ["plan", "--assessments", f.Assessments, "--playbooks", Fixture.Playbooks, "--offers", input, "--out", output],
        ["plan", "--assessments", f.Assessments, "--playbooks", Fixture.Playbooks, "--offers", Fixture.Offers, "--segments", input, "--out", output],
        ["plan", "--assessments", f.Assessments, "--playbooks", Fixture.Playbooks, "--offers", Fixture.Offers, "--customers", input, "--out", output],
        ["poll", "results", "--events", input],
        ["evaluate", "campaign", "--data", input, "--arm-column", "type", "--control", "login", "--outcome", "amount"],
    ];

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task EveryCommand_OnAHostileInput_ExitsWithAMeaning_AndNoTrace(string name)
    {
        var bytes = Inputs().Single(i => i.Name == name).Bytes;
        using var dir = new TempDir();
        var input = dir.Combine(name + ".csv");
        File.WriteAllBytes(input, bytes);
        var failures = new List<string>();
        foreach (var args in Commands(input, _fixture, dir.Combine("out.csv")))
        {
            foreach (var json in new[] { false, true })
            {
                string[] full = json ? [.. args, "--format", "json"] : args;
                var (exit, output, error) = await CliRunner.RunAsync(full);
                var what = $"{string.Join(' ', full.Take(2))} {(json ? "json" : "text")}: exit {exit}";
                if (exit is not (0 or 1 or 2 or 3))
                {
                    failures.Add($"{what}: {error.Split('\n')[0]}");
                }

                if (error.Contains("   at ", StringComparison.Ordinal) || output.Contains("   at ", StringComparison.Ordinal))
                {
                    failures.Add($"{what}: a stack trace");
                }

                if (json && exit is 0 or 1 && output.Length > 0 && output[0] == '{')
                {
                    var root = CliRunner.Json(output);
                    if (root.TryGetProperty("read", out var read) && root.TryGetProperty("accepted", out var accepted) && root.TryGetProperty("rejected", out var rejected)
                        && read.GetInt64() != accepted.GetInt64() + rejected.GetInt64())
                    {
                        failures.Add($"{what}: read {read} != accepted {accepted} + rejected {rejected}");
                    }
                }
            }
        }

        Assert.Empty(failures);
    }

    [Fact]
    public async Task AnEmptyFile_IsUnusableInput_ExitThree_InEveryReader()
    {
        using var dir = new TempDir();
        var empty = dir.File("empty.csv", string.Empty);
        foreach (var args in Commands(empty, _fixture, dir.Combine("out.csv")).Where(a => a[0] is "data" or "features" or "labels" or "value" or "model" or "dataset" or "assess" or "backtest" or "segment" or "poll" or "evaluate" || (a[0] == "plan" && !a.Contains("--customers"))))
        {
            var (exit, _, error) = await CliRunner.RunAsync(args);

            Assert.True(exit == 3, $"{string.Join(' ', args.Take(2))}: exit {exit}: {error}");
        }
    }

    [Fact]
    public async Task Hints_NameTheOptionsThatExist_AndTheDelimiterTheFileUses()
    {
        using var dir = new TempDir();
        var semicolons = dir.File("semi.csv", "customer_id;timestamp;type\nc1;2026-01-01;login\n");
        var events = dir.File("e.csv", "customer_id,timestamp,type,amount\nc1,2026-01-05,purchase,5\n");

        var (semiExit, _, semiError) = await CliRunner.RunAsync("data", "validate", "--events", semicolons);
        var (formatExit, _, formatError) = await CliRunner.RunAsync("data", "validate", "--events", events, "--time-format", "%");
        var (valueFormatExit, _, _) = await CliRunner.RunAsync("value", "fit", "--transactions", events, "--date-format", "%", "--calibration-end", "2026-01-01", "--time-unit", "days");
        var (valueExit, _, valueError) = await CliRunner.RunAsync("value", "fit", "--transactions", events, "--calibration-end", "2026-01-01", "--time-unit", "days");

        Assert.Equal((3, 2, 2, 3), (semiExit, formatExit, valueFormatExit, valueExit));
        Assert.Contains("--delimiter semicolon", semiError, StringComparison.Ordinal);
        Assert.Contains("'%' is not a .NET date format", formatError, StringComparison.Ordinal);
        Assert.Contains("--date-column", valueError, StringComparison.Ordinal);
        Assert.DoesNotContain("--time-column", valueError, StringComparison.Ordinal);
    }

    /// <summary>Valid companions for the inputs under test: events, a table, a model, rules, assessments and a scheme.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        private readonly TempDir _dir = new();

        public string Events { get; private set; } = string.Empty;

        public string Table { get; private set; } = string.Empty;

        public string Model { get; private set; } = string.Empty;

        public string Rules { get; private set; } = string.Empty;

        public string Assessments { get; private set; } = string.Empty;

        public string Scheme { get; private set; } = string.Empty;

        public static string Playbooks { get; } = Path.Combine(AppContext.BaseDirectory, "data", "interventions", "playbooks.json");

        public static string Offers { get; } = Path.Combine(AppContext.BaseDirectory, "data", "interventions", "offers.json");

        public async ValueTask InitializeAsync()
        {
            var telco = Path.Combine(AppContext.BaseDirectory, "data", "telco", "Telco-Customer-Churn.csv");
            Table = _dir.File("telco.csv", string.Join("\n", File.ReadLines(telco).Take(201)) + "\n");
            Model = _dir.Combine("m.model");
            var (trained, _, trainError) = await CliRunner.RunAsync("model", "train", "--data", Table, "--label", "Churn", "--id", "customerID", "--folds", "2", "--out", Model);
            Assert.True(trained == 0, trainError);
            Events = _dir.File("events.csv", "customer_id,timestamp,type,amount\n" + string.Join("\n", Enumerable.Range(0, 30).Select(i => $"c{i % 6},2026-01-{(i % 28) + 1:00},{(i % 3 == 0 ? "purchase" : "login")},{(i % 3 == 0 ? "10" : string.Empty)}")) + "\n");
            Rules = _dir.File("rules.json", """{ "version": "1", "rules": [ { "id": "quiet", "expression": "logins_30d < 2" } ] }""");
            Assessments = _dir.Combine("a.jsonl");
            var (assessed, _, assessError) = await CliRunner.RunAsync("assess", "--events", Events, "--as-of", "2026-02-01", "--out", Assessments);
            Assert.True(assessed == 0, assessError);
            Scheme = _dir.File("scheme.json", """{ "id": "vr", "type": "value-risk" }""");
        }

        public ValueTask DisposeAsync()
        {
            _dir.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
