using System.CommandLine;
using System.Globalization;
using Churn.Abstractions;
using Churn.Data;
using Churn.Reports;
using Churn.Rules;

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

            // Every problem at once: the structure's, then each expression's (the JSON itself stops at its first syntax error).
            var (set, positions, issues) = RuleSetJson.ParseWithIssues(File.ReadAllText(path));
            if (set is not null)
            {
                RuleSchema schema;
                if (parse.GetValue(data) is { } table)
                {
                    if (!File.Exists(table))
                    {
                        return Task.FromResult(DataCommands.Fatal(output, error, json, $"file '{table}' does not exist."));
                    }

                    try
                    {
                        schema = Table.Read(table, parse.GetValue(id), new IngestReport(0), ct).Schema;
                    }
                    catch (Exception ex) when (ex is ArgumentException or IngestException)
                    {
                        return Task.FromResult(DataCommands.Fatal(output, error, json, ex.Message));
                    }
                }
                else
                {
                    schema = new RuleSchema(new FeatureBuilder().Schema.Names, DefaultTexts, DefaultDates);
                }

                var expressions = CompiledRuleSet.Validate(new RuleSet(set.Version, [.. set.Rules.Where(r => r.Expression.Length > 0)]), schema, [.. positions.Where((_, i) => set.Rules[i].Expression.Length > 0)]);
                issues = [.. issues.Concat(expressions).OrderBy(i => i.Line).ThenBy(i => i.Column)];
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
        var reportOption = ReportOutput.Option("the customers flagged per rule, the severity mix and the overlap matrix");
        var asOfOption = new Option<string?>("--as-of") { Description = "The instant days are counted from (daysSince) for rows without an as_of column or value; required then, never the clock." };
        foreach (var o in new Option[] { rulesFile, data, id, asOfOption, outFile, format, reportOption })
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
            Table inferred;
            var ingest = new IngestReport(1000);
            try
            {
                inferred = Table.Read(table, parse.GetValue(id), ingest, ct);
            }
            catch (Exception ex) when (ex is ArgumentException or IngestException)
            {
                return Task.FromResult(DataCommands.Fatal(output, error, json, ex.Message));
            }

            if (set is not null)
            {
                // 'rules check' without --data accepts the customer attributes; a snapshots table does not hold them: say so.
                issues = [.. CompiledRuleSet.Validate(set, inferred.Schema, positions).Select(i =>
                    DefaultTexts.Concat(DefaultDates).FirstOrDefault(a => i.Message.Contains($"unknown feature '{a}'", StringComparison.Ordinal)) is { } attribute
                        ? i with { Message = $"{i.Message}; '{attribute}' is a customer attribute, which 'churn features build' does not write: add the column to the table, or run the rules with 'churn assess --customers'" }
                        : i)];
            }

            if (issues.Count > 0)
            {
                return Task.FromResult(Report(output, json, path, set, issues));
            }

            var compiled = CompiledRuleSet.Compile(set!, inferred.Schema);
            DateTimeOffset? fallback = null;
            if (parse.GetValue(asOfOption) is { } asOfText)
            {
                if (!Dates.TryParse(asOfText, out var at))
                {
                    return Task.FromResult(DataCommands.Usage(output, error, json, $"--as-of '{asOfText}' is not a date (use 2026-01-01 or 2026-01-01T00:00:00Z)."));
                }

                fallback = at;
            }

            // Rules that count days need an instant; the clock would make the result depend on the day it runs.
            var dated = compiled.Rules.FirstOrDefault(r => r.Condition.Variables.Any(v => v.Type == RuleValueType.Date));
            if (dated is not null && fallback is null && !inferred.HasInstants)
            {
                return Task.FromResult(DataCommands.Usage(output, error, json, $"rule '{dated.Rule.Id}' counts days from an instant, but {Path.GetFileName(table)} has no as_of column (or some rows leave it blank): give --as-of, for example --as-of 2026-01-01."));
            }

            var threshold = set!.MinorThreshold ?? 3;
            RuleDryRunReport Run(StreamWriter? writer)
            {
                writer?.Write("customer_id,rule_id,severity,explanation\n");
                return RuleDryRun.Run(
                    compiled,
                    inferred.Rows(fallback ?? DateTimeOffset.UnixEpoch),
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
            }

            // The symptoms file is written whole or not at all.
            RuleDryRunReport report = null!;
            TerminalProgress.Status(TerminalProgress.Enabled(output, json), $"Applying {compiled.Rules.Count} rules", _ =>
            {
                if (parse.GetValue(outFile) is { } o)
                {
                    AtomicFile.Write(o, stream =>
                    {
                        using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false), 1 << 16);
                        report = Run(writer);
                    });
                }
                else
                {
                    report = Run(null);
                }
            });

            string? reportPath = null;
            if (parse.GetValue(reportOption) is { } reportDir)
            {
                try
                {
                    reportPath = ReportOutput.Save(RulesReport.Create(report, Path.GetFileName(table)), reportDir, "rules-report.html", ct);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    return Task.FromResult(DataCommands.Fatal(output, error, json, $"--report '{reportDir}': {ex.Message}"));
                }
            }

            if (json)
            {
                Json.Write(output, new
                {
                    customers = report.Customers,
                    report = reportPath,
                    rules = report.Rules.Select(r => new { id = r.Id, flagged = r.Flagged, severity = r.Severity.ToString().ToLowerInvariant() }),
                    anyFlagged = report.AnyFlagged,
                    recapitulative = report.RecapitulativeFlagged,
                    overlap = Enumerable.Range(0, report.Rules.Count).Select(i => Enumerable.Range(0, report.Rules.Count).Select(j => report.Overlap[i, j])),
                    rejected = ingest.Rejected,
                    errors = ingest.Errors.Select(e => new { line = e.Line, column = e.Column, message = e.Message }),
                });
            }
            else
            {
                output.WriteLine($"{report.Customers:N0} customers; {report.AnyFlagged:N0} flagged by at least one rule ({(report.Customers == 0 ? 0 : report.AnyFlagged / (double)report.Customers):P1}); {report.RecapitulativeFlagged:N0} reach the recapitulative threshold {threshold:0.##}.");
                foreach (var r in report.Rules)
                {
                    output.WriteLine($"  {r.Id,-30} {r.Severity.ToString().ToLowerInvariant(),-9} {r.Flagged,10:N0}  {(report.Customers == 0 ? 0 : r.Flagged / (double)report.Customers),7:P1}");
                }

                FeaturesCommands.WriteIngestSummary(error, table, ingest);
                if (reportPath is not null)
                {
                    output.WriteLine($"Report: {reportPath}");
                }
            }

            return Task.FromResult(ingest.Rejected > 0 ? ExitCodes.Rejected : ExitCodes.Ok);
        });
        return command;
    }


    /// <summary>A customer table (through Churn.Data's <see cref="CsvTable"/>): numbers, dates and texts inferred, bad rows counted with line and column.</summary>
    private sealed class Table
    {
        private readonly CsvTable _csv;
        private readonly int _id;
        private readonly int _asOf;

        private Table(CsvTable csv, int id, RuleSchema schema)
        {
            _csv = csv;
            _id = id;
            _asOf = csv.IndexOf("as_of") is var a && a >= 0 && csv.Columns[a].Kind == CsvColumnKind.Date ? a : -1;
            Schema = schema;
        }

        public RuleSchema Schema { get; }

        /// <summary>Gets a value indicating whether every row has its instant (an as_of column without blanks).</summary>
        public bool HasInstants => _asOf >= 0 && _csv.Columns[_asOf].Dates!.All(t => t != long.MinValue);

        public static Table Read(string path, string? idColumn, IngestReport report, CancellationToken ct)
        {
            CsvTable csv;
            try
            {
                csv = CsvTable.Read(path, report, new CsvTableOptions
                {
                    TextColumns = idColumn is null ? [] : [idColumn],
                    RequiredColumns = idColumn is null ? [] : [idColumn],
                    InferDates = true,
                }, ct);
            }
            catch (IngestException ex) when (idColumn is not null && ex.Error is { Line: 1 } e && e.ColumnName == idColumn)
            {
                throw new ArgumentException($"the id column '{idColumn}' is not in {Path.GetFileName(path)}: {e.Message.Replace(" Map your own column name with TextColumns.", string.Empty, StringComparison.Ordinal)}", ex);
            }

            var id = idColumn is null ? -1 : csv.IndexOf(idColumn);
            var columns = csv.Columns.Where((_, i) => i != id).ToList();
            var schema = new RuleSchema(
                columns.Where(c => c.Kind == CsvColumnKind.Number).Select(c => c.Name),
                columns.Where(c => c.Kind == CsvColumnKind.Text).Select(c => c.Name),
                columns.Where(c => c.Kind == CsvColumnKind.Date).Select(c => c.Name));
            return new Table(csv, id, schema);
        }

        /// <summary>The rows, each at its as_of instant, else at <paramref name="fallback"/>.</summary>
        public IEnumerable<(CustomerId, RuleInput)> Rows(DateTimeOffset fallback)
        {
            var slot = _csv.Columns.Select(c => Schema.TryGet(c.Name, out var v) ? v.Index : -1).ToArray();
            var now = fallback;
            for (var r = 0; r < _csv.RowCount; r++)
            {
                var id = _id >= 0 ? _csv.Columns[_id].Texts![r]! : (_csv.Lines[r] - 1).ToString(CultureInfo.InvariantCulture);
                var asOf = _asOf >= 0 && _csv.Columns[_asOf].Dates![r] is var t && t != long.MinValue ? new DateTimeOffset(t, TimeSpan.Zero) : now;
                var input = Schema.NewInput(asOf);
                for (var i = 0; i < slot.Length; i++)
                {
                    if (slot[i] < 0)
                    {
                        continue;
                    }

                    var c = _csv.Columns[i];
                    switch (c.Kind)
                    {
                        case CsvColumnKind.Number:
                            input.Numbers[slot[i]] = c.Numbers![r];
                            break;
                        case CsvColumnKind.Date:
                            input.Dates[slot[i]] = c.Dates![r] == long.MinValue ? RuleInput.NoDate : c.Dates[r];
                            break;
                        default:
                            input.Texts[slot[i]] = c.Texts![r];
                            break;
                    }
                }

                yield return (new CustomerId(id), input);
            }
        }
    }
}
