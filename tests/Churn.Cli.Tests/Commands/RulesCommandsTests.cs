namespace Churn.Cli.Tests.Commands;

public sealed class RulesCommandsTests
{
    private const string Rules = """
        {
          "version": "1",
          "rules": [
            { "id": "tickets", "expression": "tickets_30d >= 3", "severity": "critical" },
            { "id": "gold_quiet", "expression": "plan == \"gold\" and logins_30d < 2", "severity": "minor", "weight": 2 },
            { "id": "no_feedback", "expression": "feedback_last is null", "severity": "minor", "weight": 1 }
          ],
          "minorThreshold": 3
        }
        """;

    private const string Table = "id,tickets_30d,logins_30d,feedback_last,plan\na,5,0,,gold\nb,0,9,8,silver\nc,1,1,,gold\nd,3,1,7,\n";

    [Fact]
    public async Task Check_ValidAndInvalid_ExitCodesAndPositions()
    {
        using var dir = new TempDir();
        var good = dir.File("rules.json", Rules);
        var bad = dir.File("bad.json", Rules.Replace("tickets_30d >= 3", "tikets_30d >= 3", StringComparison.Ordinal));
        var data = dir.File("table.csv", Table);

        var (okExit, okOut, _) = await CliRunner.RunAsync("rules", "check", "--rules", good, "--data", data, "--id", "id");
        var (badExit, badOut, _) = await CliRunner.RunAsync("rules", "check", "--rules", bad, "--data", data, "--id", "id", "--format", "json");

        Assert.Equal(0, okExit);
        Assert.Contains("valid", okOut, StringComparison.Ordinal);
        Assert.Equal(1, badExit);
        var error = CliRunner.Json(badOut).GetProperty("errors")[0];
        Assert.Equal(4, error.GetProperty("line").GetInt32());
        Assert.Equal(39, error.GetProperty("column").GetInt32());
        Assert.Contains("did you mean 'tickets_30d'?", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_ReportsEveryProblem_StructureAndExpressions_InLineOrder()
    {
        using var dir = new TempDir();
        var rules = dir.File("many.json", """
            {
              "version": "1",
              "rules": [
                { "id": "a", "expression": "tikets_30d >= 3", "severity": "critical" },
                { "id": "b", "expression": "logins_30d <", "severity": "sometimes" },
                { "id": "a", "expression": "logins_30d < 2", "weight": -1 },
                { "id": "c", "expression": "" }
              ]
            }
            """);

        var (exit, output, _) = await CliRunner.RunAsync("rules", "check", "--rules", rules, "--data", dir.File("t.csv", Table), "--id", "id", "--format", "json");

        Assert.Equal(1, exit);
        var errors = CliRunner.Json(output).GetProperty("errors").EnumerateArray().Select(e => (Line: e.GetProperty("line").GetInt32(), Message: e.GetProperty("message").GetString()!)).ToList();
        Assert.Contains(errors, e => e.Line == 4 && e.Message.Contains("tickets_30d", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Line == 5 && e.Message.Contains("sometimes", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Line == 5 && e.Message.Contains("expression", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Line == 6 && e.Message.Contains("used by another rule", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Line == 6 && e.Message.Contains("weight", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Line == 7 && e.Message.Contains("missing or empty", StringComparison.Ordinal));
        Assert.Equal(errors.OrderBy(e => e.Line).Select(e => e.Line), errors.Select(e => e.Line));
    }

    [Fact]
    public async Task Check_DuplicateJsonKeys_AreAnError_NotLastWins()
    {
        using var dir = new TempDir();
        var rules = dir.File("dup.json", """
            {
              "version": "1",
              "rules": [
                { "id": "a", "expression": "tickets_30d >= 3", "expression": "tickets_30d >= 300" }
              ]
            }
            """);

        var (exit, output, _) = await CliRunner.RunAsync("rules", "check", "--rules", rules, "--format", "json");

        Assert.Equal(1, exit);
        var error = CliRunner.Json(output).GetProperty("errors")[0];
        Assert.Equal(4, error.GetProperty("line").GetInt32());
        Assert.Contains("expression", error.GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Run_ACustomerAttributeMissingFromTheTable_SaysWhereItComesFrom()
    {
        using var dir = new TempDir();
        var rules = dir.File("plan.json", """{ "version": "1", "rules": [ { "id": "basic", "expression": "plan == \"basic\"" } ] }""");

        var (checkExit, _, _) = await CliRunner.RunAsync("rules", "check", "--rules", rules);
        var (runExit, runOut, _) = await CliRunner.RunAsync("rules", "run", "--rules", rules, "--data", dir.File("snapshots.csv", "customer_id,logins_30d\na,1\n"), "--id", "customer_id");

        Assert.Equal((0, 1), (checkExit, runExit));
        Assert.Contains("'plan' is a customer attribute, which 'churn features build' does not write", runOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_SymptomsFile_GuardsFormulaLikeIds_AndIsWrittenWhole()
    {
        using var dir = new TempDir();
        var output = dir.Combine("symptoms.csv");

        var (exit, _, _) = await CliRunner.RunAsync("rules", "run", "--rules", dir.File("r.json", Rules), "--data", dir.File("t.csv", "id,tickets_30d,logins_30d,feedback_last,plan\n=HYPERLINK(\"http://x\"),5,0,,gold\n-7,5,0,,gold\n"), "--id", "id", "--out", output);

        Assert.Equal(0, exit);
        var lines = File.ReadAllLines(output);
        Assert.Contains(lines, l => l.StartsWith("\"'=HYPERLINK(\"\"http://x\"\")\",tickets,", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("-7,tickets,", StringComparison.Ordinal));
        Assert.Empty(Directory.GetFiles(dir.Path, ".symptoms.csv.*"));
    }

    [Fact]
    public async Task Check_MalformedJson_ReportsPosition()
    {
        using var dir = new TempDir();
        var file = dir.File("rules.json", "{\n  \"version\": \"1\",\n  \"rules\": [ { \"id\": \"a\" \"expression\": \"x\" } ]\n}");

        var (exit, output, _) = await CliRunner.RunAsync("rules", "check", "--rules", file);

        Assert.Equal(1, exit);
        Assert.Contains(":3:", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_JsonContract_FlaggedCountsAndSymptomsCsv()
    {
        using var dir = new TempDir();
        var rules = dir.File("rules.json", Rules);
        var data = dir.File("table.csv", Table);
        var outFile = dir.Combine("symptoms.csv");

        var (exit, output, _) = await CliRunner.RunAsync("rules", "run", "--rules", rules, "--data", data, "--id", "id", "--format", "json", "--out", outFile, "--report", dir.Combine("report"));

        Assert.Equal(0, exit);
        var json = CliRunner.Json(output);
        var html = File.ReadAllText(json.GetProperty("report").GetString()!);
        Assert.Contains("Customers flagged by each rule", html, StringComparison.Ordinal);
        Assert.Contains("<td>tickets</td><td class=\"n\">2</td>", html, StringComparison.Ordinal);
        Assert.Equal(4, json.GetProperty("customers").GetInt32());
        Assert.Equal([("tickets", 2), ("gold_quiet", 2), ("no_feedback", 2)], json.GetProperty("rules").EnumerateArray().Select(r => (r.GetProperty("id").GetString()!, r.GetProperty("flagged").GetInt32())));
        Assert.Equal(3, json.GetProperty("anyFlagged").GetInt32());
        var lines = File.ReadAllLines(outFile);
        Assert.Equal("customer_id,rule_id,severity,explanation", lines[0]);
        Assert.Contains("a,tickets,critical,tickets_30d = 5", lines);
        Assert.Contains(lines, l => l.StartsWith("a,recapitulative,critical,", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("c,gold_quiet,minor,", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_UnknownIdColumn_IsAClearError()
    {
        using var dir = new TempDir();

        var (exit, _, error) = await CliRunner.RunAsync("rules", "run", "--rules", dir.File("r.json", Rules), "--data", dir.File("t.csv", Table), "--id", "customer");

        Assert.Equal(3, exit);
        Assert.Contains("id column 'customer'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_RulesThatCountDays_NeedAnInstant_NeverTheClock()
    {
        using var dir = new TempDir();
        var rules = dir.File("dated.json", """
            { "version": "1", "rules": [ { "id": "new", "expression": "daysSince(signup_date) < 60", "severity": "minor", "weight": 1 } ] }
            """);
        var withoutInstant = dir.File("t.csv", "id,signup_date\na,2025-12-01\nb,2025-06-01\n");
        var withInstant = dir.File("u.csv", "id,signup_date,as_of\na,2025-12-01,2026-01-01\nb,2025-06-01,2026-01-01\n");

        var (missingExit, _, missingError) = await CliRunner.RunAsync("rules", "run", "--rules", rules, "--data", withoutInstant, "--id", "id");
        var (givenExit, givenOut, _) = await CliRunner.RunAsync("rules", "run", "--rules", rules, "--data", withoutInstant, "--id", "id", "--as-of", "2026-01-01", "--format", "json");
        var (columnExit, columnOut, _) = await CliRunner.RunAsync("rules", "run", "--rules", rules, "--data", withInstant, "--id", "id", "--format", "json");

        Assert.Equal(2, missingExit);
        Assert.Contains("rule 'new' counts days from an instant", missingError, StringComparison.Ordinal);
        Assert.Contains("--as-of", missingError, StringComparison.Ordinal);
        Assert.Equal((0, 0), (givenExit, columnExit));
        Assert.Equal(1, CliRunner.Json(givenOut).GetProperty("rules")[0].GetProperty("flagged").GetInt32());
        Assert.Equal(1, CliRunner.Json(columnOut).GetProperty("rules")[0].GetProperty("flagged").GetInt32());
    }
}
