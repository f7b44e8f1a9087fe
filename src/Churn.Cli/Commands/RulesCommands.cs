using System.CommandLine;
using System.Globalization;
using Churn.Abstractions;
using Churn.Data;
using Churn.Rules;
using Sylvan.Data.Csv;

namespace Churn.Cli.Commands;

/// <summary><c>churn rules check</c> and <c>churn rules run</c>.</summary>
internal static class RulesCommands
{
    private static readonly string[] DefaultTexts = ["plan", "region", "owner", "age_band"];
    private static readonly string[] DefaultDates = ["signup_date"];

    public static Command Build(TextWriter output, TextWriter error)
    {
        var rules = new Command("rules", "Check rule sets and apply them to a customer table.");
        rules.Subcommands.Add(Check(output, error));
        rules.Subcommands.Add(Run(output, error));
        return rules;
    }

    private static (RuleSet? Set, IReadOnlyList<(int Line, int Column)> Positions, IReadOnlyList<RuleSetIssue> Issues) Load(string path)
    {
        try
        {
            var (set, positions) = RuleSetJson.Parse(File.ReadAllText(path));
            return (set, positions, []);
        }
        catch (RuleSetFormatException ex)
        {
            return (null, [], ex.Issues);
        }
    }

    private static int Report(TextWriter output, bool json, string path, RuleSet? set, IReadOnlyList<RuleSetIssue> issues)
    {
        if (json)
        {
            Json.Write(output, new
            {
                valid = issues.Count == 0,
                rules = set?.Rules.Count ?? 0,
                version = set?.Version,
                errors = issues.Select(i => new { line = i.Line, column = i.Column, ruleId = i.RuleId, message = i.Message }),
            });
        }
        else if (issues.Count == 0)
        {
            output.WriteLine($"{path}: valid (version {set!.Version}, {set.Rules.Count} rules, {set.Rules.Count(r => r.Severity == SymptomSeverity.Critical)} critical).");
        }
        else
        {
            foreach (var i in issues)
            {
                output.WriteLine($"{path}:{i}");
            }

            output.WriteLine($"{issues.Count} error{(issues.Count == 1 ? string.Empty : "s")}.");
        }

        return issues.Count == 0 ? ExitCodes.Ok : ExitCodes.Rejected;
    }

    private static Command Check(TextWriter output, TextWriter error)
    {
        var rulesFile = new Option<string>("--rules") { Description = "The rule set (JSON).", Required = true };
        var data = new Option<string?>("--data") { Description = "A customer table (CSV) whose columns the rules may name; without it, the standard feature names of 'churn features build' plus plan, region, owner, age_band and signup_date." };
        var id = new Option<string?>("--id") { Description = "The id column of --data (left out of the rule variables)." };
        var format = Formats.Option();
        var command = new Command("check", "Check a rule set: JSON structure, ids, severities, and every expression against the known features. Exit code 0 only when valid; errors give the line and column in the file.");
        foreach (var o in new Option[] { rulesFile, data, id, format })
        {
            command.Options.Add(o);
        }

        command.SetAction((parse, ct) =>
        {
            var json = Formats.IsJson(parse, format);
            var path = parse.GetValue(rulesFile)!;
            if (!File.Exists(path))
            {
                return Task.FromResult(DataCommands.Fatal(output, error, json, $"file '{path}' does not exist."));
            }

            var (set, positions, issues) = Load(path);
            if (set is not null)
            {
                RuleSchema schema;
                if (parse.GetValue(data) is { } table)
                {
                    if (!File.Exists(table))
                    {
                        return Task.FromResult(DataCommands.Fatal(output, error, json, $"file '{table}' does not exist."));
                    }

                    schema = Table.Infer(table, parse.GetValue(id), ct).Schema;
                }
                else
                {
                    schema = new RuleSchema(new FeatureBuilder().Schema.Names, DefaultTexts, DefaultDates);
                }

                issues = CompiledRuleSet.Validate(set, schema, positions);
            }

            return Task.FromResult(Report(output, json, path, set, issues));
        });
        return command;
    }

    private static Command Run(TextWriter output, TextWriter error)
    {
        var rulesFile = new Option<string>("--rules") { Description = "The rule set (JSON).", Required = true };
        var data = new Option<string>("--data") { Description = "The customer table (CSV), for example the snapshots of 'churn features build'. Column types are inferred: numbers, dates (ISO 8601) or text; blanks are null.", Required = true };
        var id = new Option<string>("--id") { Description = "The id column.", Required = true };
        var outFile = new Option<string?>("--out") { Description = "Write per-customer symptoms here (customer_id, rule_id, severity, explanation)." };
        var format = Formats.Option();
        var command = new Command("run", "Apply a rule set to every row of a table: how many customers each rule flags, their overlap, and optionally each customer's symptoms.");
        foreach (var o in new Option[] { rulesFile, data, id, outFile, format })
        {
            command.Options.Add(o);
        }

        command.SetAction((parse, ct) =>
        {
            var json = Formats.IsJson(parse, format);
            var path = parse.GetValue(rulesFile)!;
            var table = parse.GetValue(data)!;
            foreach (var p in new[] { path, table })
            {
                if (!File.Exists(p))
                {
                    return Task.FromResult(DataCommands.Fatal(output, error, json, $"file '{p}' does not exist."));
                }
            }

            var (set, positions, issues) = Load(path);
            Table.Inferred inferred;
            try
            {
                inferred = Table.Infer(table, parse.GetValue(id), ct);
            }
            catch (ArgumentException ex)
            {
                return Task.FromResult(DataCommands.Fatal(output, error, json, ex.Message));
            }

            if (set is not null)
            {
                issues = CompiledRuleSet.Validate(set, inferred.Schema, positions);
            }

            if (issues.Count > 0)
            {
                return Task.FromResult(Report(output, json, path, set, issues));
            }

            var compiled = CompiledRuleSet.Compile(set!, inferred.Schema);
            using var writer = parse.GetValue(outFile) is { } o ? new StreamWriter(o, append: false, new System.Text.UTF8Encoding(false)) : null;
            writer?.Write("customer_id,rule_id,severity,explanation\n");
            var threshold = set!.MinorThreshold ?? 3;
            var rejected = new List<(long Line, string Message)>();
            var report = RuleDryRun.Run(
                compiled,
                Table.Rows(table, inferred, rejected, ct),
                threshold,
                writer is null ? null : (customer, input, fired) =>
                {
                    var minor = 0.0;
                    foreach (var i in fired)
                    {
                        var r = compiled.Rules[i];
                        minor += r.Rule.Severity == SymptomSeverity.Minor ? r.Rule.Weight : 0;
                        writer.Write($"{CsvField.Quote(customer.Value)},{CsvField.Quote(r.Rule.Id)},{r.Rule.Severity.ToString().ToLowerInvariant()},{CsvField.Quote(r.Condition.Explain(input))}\n");
                    }

                    if (minor >= threshold && minor > 0)
                    {
                        writer.Write($"{CsvField.Quote(customer.Value)},{SymptomEngine.RecapitulativeRuleId},critical,{CsvField.Quote(string.Create(CultureInfo.InvariantCulture, $"minor symptoms add up to {minor:0.##} (threshold {threshold:0.##})"))}\n");
                    }
                },
                ct);

            if (json)
            {
                Json.Write(output, new
                {
                    customers = report.Customers,
                    rules = report.Rules.Select(r => new { id = r.Id, flagged = r.Flagged, severity = r.Severity.ToString().ToLowerInvariant() }),
                    anyFlagged = report.AnyFlagged,
                    recapitulative = report.RecapitulativeFlagged,
                    overlap = Enumerable.Range(0, report.Rules.Count).Select(i => Enumerable.Range(0, report.Rules.Count).Select(j => report.Overlap[i, j])),
                    rejected = rejected.Count,
                    errors = rejected.Take(1000).Select(r => new { line = r.Line, column = 0, message = r.Message }),
                });
            }
            else
            {
                output.WriteLine($"{report.Customers:N0} customers; {report.AnyFlagged:N0} flagged by at least one rule ({(report.Customers == 0 ? 0 : report.AnyFlagged / (double)report.Customers):P1}); {report.RecapitulativeFlagged:N0} reach the recapitulative threshold {threshold:0.##}.");
                foreach (var r in report.Rules)
                {
                    output.WriteLine($"  {r.Id,-30} {r.Severity.ToString().ToLowerInvariant(),-9} {r.Flagged,10:N0}  {(report.Customers == 0 ? 0 : r.Flagged / (double)report.Customers),7:P1}");
                }

                foreach (var (line, message) in rejected.Take(20))
                {
                    error.WriteLine($"warning: {table}:{line}: {message}");
                }
            }

            return Task.FromResult(rejected.Count > 0 ? ExitCodes.Rejected : ExitCodes.Ok);
        });
        return command;
    }


    /// <summary>A CSV table read twice: once to infer column types, once to evaluate, so it streams.</summary>
    private static class Table
    {
        public static Inferred Infer(string path, string? idColumn, CancellationToken ct)
        {
            using var csv = CsvDataReader.Create(path, new CsvDataReaderOptions { HasHeaders = true });
            var names = Enumerable.Range(0, csv.FieldCount).Select(i => csv.GetName(i).Trim()).ToArray();
            var idIndex = idColumn is null ? -1 : Array.FindIndex(names, n => string.Equals(n, idColumn, StringComparison.OrdinalIgnoreCase));
            if (idColumn is not null && idIndex < 0)
            {
                throw new ArgumentException($"the id column '{idColumn}' is not in {Path.GetFileName(path)} ({string.Join(", ", names)}).");
            }

            var numeric = Enumerable.Repeat(true, names.Length).ToArray();
            var date = Enumerable.Repeat(true, names.Length).ToArray();
            var seen = new bool[names.Length];
            var rows = 0;
            while (csv.Read())
            {
                if ((++rows & 0xFFFF) == 0)
                {
                    ct.ThrowIfCancellationRequested();
                }

                for (var i = 0; i < Math.Min(names.Length, csv.RowFieldCount); i++)
                {
                    var v = csv.GetFieldSpan(i).Trim();
                    if (v.IsEmpty)
                    {
                        continue;
                    }

                    seen[i] = true;
                    numeric[i] = numeric[i] && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
                    date[i] = date[i] && !numeric[i] && v.Length >= 10 && DateTimeOffset.TryParse(v, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _);
                }
            }

            var kinds = new RuleValueType[names.Length];
            for (var i = 0; i < names.Length; i++)
            {
                kinds[i] = !seen[i] || numeric[i] ? RuleValueType.Number : date[i] ? RuleValueType.Date : RuleValueType.Text;
            }

            var columns = Enumerable.Range(0, names.Length).Where(i => i != idIndex).ToArray();
            var schema = new RuleSchema(
                columns.Where(i => kinds[i] == RuleValueType.Number).Select(i => names[i]),
                columns.Where(i => kinds[i] == RuleValueType.Text).Select(i => names[i]),
                columns.Where(i => kinds[i] == RuleValueType.Date).Select(i => names[i]));
            return new Inferred(schema, names, kinds, idIndex, Array.FindIndex(names, n => n.Equals("as_of", StringComparison.OrdinalIgnoreCase)));
        }

        public static IEnumerable<(CustomerId, RuleInput)> Rows(string path, Inferred table, List<(long Line, string Message)> rejected, CancellationToken ct)
        {
            using var csv = CsvDataReader.Create(path, new CsvDataReaderOptions { HasHeaders = true });
            var slot = new int[table.Names.Length];
            for (var i = 0; i < slot.Length; i++)
            {
                slot[i] = table.Schema.TryGet(table.Names[i], out var v) ? v.Index : -1;
            }

            var now = TimeProvider.System.GetUtcNow();
            long line = 1;
            while (csv.Read())
            {
                line++;
                if ((line & 0xFFFF) == 0)
                {
                    ct.ThrowIfCancellationRequested();
                }

                if (csv.RowFieldCount != table.Names.Length)
                {
                    rejected.Add((line, $"the row has {csv.RowFieldCount} fields but the header has {table.Names.Length}"));
                    continue;
                }

                var id = table.IdIndex >= 0 ? csv.GetFieldSpan(table.IdIndex).Trim().ToString() : (line - 1).ToString(CultureInfo.InvariantCulture);
                if (id.Length == 0)
                {
                    rejected.Add((line, "the id is empty"));
                    continue;
                }

                var asOf = table.AsOfIndex >= 0 && DateTimeOffset.TryParse(csv.GetFieldSpan(table.AsOfIndex).Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var a) ? a : now;
                var input = table.Schema.NewInput(asOf);
                for (var i = 0; i < table.Names.Length; i++)
                {
                    if (slot[i] < 0)
                    {
                        continue;
                    }

                    var v = csv.GetFieldSpan(i).Trim();
                    if (v.IsEmpty)
                    {
                        continue;
                    }

                    switch (table.Kinds[i])
                    {
                        case RuleValueType.Number:
                            input.Numbers[slot[i]] = double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture);
                            break;
                        case RuleValueType.Date:
                            input.Dates[slot[i]] = DateTimeOffset.Parse(v, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).UtcTicks;
                            break;
                        default:
                            input.Texts[slot[i]] = v.ToString();
                            break;
                    }
                }

                yield return (new CustomerId(id), input);
            }
        }

        public sealed record Inferred(RuleSchema Schema, string[] Names, RuleValueType[] Kinds, int IdIndex, int AsOfIndex);
    }
}
