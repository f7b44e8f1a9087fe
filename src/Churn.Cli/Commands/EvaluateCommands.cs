using System.CommandLine;
using System.Globalization;
using Churn.Data;
using Churn.Evaluation;
using Churn.Modeling;
using Churn.Reports;

namespace Churn.Cli.Commands;

/// <summary><c>churn evaluate campaign</c>: what each arm changed against the control, with intervals and p-values.</summary>
internal static class EvaluateCommands
{
    public static Command Build(TextWriter output, TextWriter error)
    {
        var evaluate = new Command("evaluate", "Evaluate interventions: the effect of each arm against its control (holdout).");
        evaluate.Subcommands.Add(Campaign(output, error));
        evaluate.Subcommands.Add(Uplift(output, error));
        return evaluate;
    }

    private static Command Campaign(TextWriter output, TextWriter error)
    {
        var data = new Option<string>("--data") { Description = "A CSV with one row per customer: the arm and the outcome.", Required = true };
        var armColumn = new Option<string>("--arm-column") { Description = "The column naming each customer's arm.", Required = true };
        var control = new Option<string>("--control") { Description = "The control arm's value (the holdout).", Required = true };
        var outcome = new Option<string>("--outcome") { Description = "The outcome column (0/1, or an amount).", Required = true };
        var kind = new Option<string>("--outcome-kind") { Description = "binary (0/1: Newcombe interval, z-test) or continuous (Welch interval and t-test); default: binary when every outcome is 0 or 1.", DefaultValueFactory = _ => "auto" };
        kind.AcceptOnlyFromAmong("auto", "binary", "continuous");
        var by = new Option<string?>("--by") { Description = "Also evaluate within each value of this column (a segment, playbook or offer)." };
        var bootstrap = new Option<int>("--bootstrap") { Description = "Percentile bootstrap with this many resamples instead of the analytic intervals (0: analytic).", DefaultValueFactory = _ => 0 };
        var seed = new Option<long>("--seed") { Description = "The bootstrap's seed.", DefaultValueFactory = _ => 42 };
        var delimiter = Delimiters.Option();
        var maxErrors = new Option<int>("--max-errors") { Description = "How many rejected rows to list.", DefaultValueFactory = _ => 20 };
        var reportOption = ReportOutput.Option("each arm against the control (table and chart)");
        var format = Formats.Option();
        var command = new Command("campaign", "Per arm: customers, mean outcome, difference against the control with its 95 % interval, relative lift and p-value (Holm-adjusted across arms too). Rows without an arm or an outcome are counted and left out (exit 1).")
        {
            data, armColumn, control, outcome, kind, by, bootstrap, seed, delimiter, maxErrors, reportOption, format,
        };
        command.SetAction(async (parse, ct) =>
        {
            await Task.Yield();
            var json = Formats.IsJson(parse, format);
            var path = parse.GetValue(data)!;
            if (!File.Exists(path))
            {
                return DataCommands.Fatal(output, error, json, $"--data '{path}' does not exist.");
            }

            if (parse.GetValue(bootstrap) is < 0 or > 100_000)
            {
                return DataCommands.Usage(output, error, json, "--bootstrap lies between 0 and 100,000.");
            }

            var (arm, outcomeName, groupBy) = (parse.GetValue(armColumn)!, parse.GetValue(outcome)!, parse.GetValue(by));
            var report = new IngestReport(parse.GetValue(maxErrors));
            CsvTable table;
            try
            {
                table = CsvTable.Read(path, report, new CsvTableOptions
                {
                    Delimiter = parse.GetValue(delimiter),
                    TextColumns = groupBy is null ? [arm] : [arm, groupBy],
                    NumberColumns = [outcomeName],
                    RequiredColumns = groupBy is null ? [arm, outcomeName] : [arm, outcomeName, groupBy],
                }, ct);
            }
            catch (IngestException ex)
            {
                return DataCommands.Fatal(output, error, json, ex.Message, report);
            }

            var arms = table.Columns[table.IndexOf(arm)].Texts!;
            var ys = table.Columns[table.IndexOf(outcomeName)].Numbers!;
            var groups = groupBy is null ? null : table.Columns[table.IndexOf(groupBy)].Texts!;
            var rows = new List<(string Arm, double Y, string? Group)>(table.RowCount);
            var skipped = new List<string>();
            for (var i = 0; i < table.RowCount; i++)
            {
                if (string.IsNullOrEmpty(arms[i]) || double.IsNaN(ys[i]))
                {
                    skipped.Add(string.Create(CultureInfo.InvariantCulture, $"line {table.Lines[i]}: {(string.IsNullOrEmpty(arms[i]) ? $"no {arm}" : $"no {outcomeName}")}"));
                    continue;
                }

                rows.Add((arms[i]!, ys[i], groups?[i]));
            }

            var outcomeKind = parse.GetValue(kind) switch
            {
                "binary" => OutcomeKind.Binary,
                "continuous" => OutcomeKind.Continuous,
                _ => rows.All(r => r.Y is 0 or 1) ? OutcomeKind.Binary : OutcomeKind.Continuous,
            };
            var options = new EvaluationOptions { Bootstrap = parse.GetValue(bootstrap), Seed = parse.GetValue(seed) };
            CampaignEffect overall;
            var byGroup = new List<(string Group, CampaignEffect? Effect, string? Problem)>();
            try
            {
                overall = CampaignEvaluator.Evaluate(rows.Select(r => (r.Arm, r.Y)), parse.GetValue(control)!, outcomeKind, options);
                if (groupBy is not null)
                {
                    foreach (var g in rows.GroupBy(r => r.Group ?? string.Empty).OrderBy(g => g.Key, StringComparer.Ordinal))
                    {
                        try
                        {
                            byGroup.Add((g.Key, CampaignEvaluator.Evaluate(g.Select(r => (r.Arm, r.Y)), parse.GetValue(control)!, outcomeKind, options), null));
                        }
                        catch (ArgumentException ex)
                        {
                            byGroup.Add((g.Key, null, ex.Message));
                        }
                    }
                }
            }
            catch (ArgumentException ex)
            {
                return DataCommands.Fatal(output, error, json, ex.Message, report);
            }

            string? reportPath = null;
            if (parse.GetValue(reportOption) is { } reportDir)
            {
                try
                {
                    reportPath = ReportOutput.Save(EvaluationReport.Campaign(overall, outcomeName), reportDir, "campaign-report.html", ct);
                }
                catch (IOException ex)
                {
                    return DataCommands.Fatal(output, error, json, ex.Message, report);
                }
            }

            Write(output, json, overall, outcomeName, byGroup, groupBy, report, skipped, parse.GetValue(maxErrors), reportPath);
            return report.Rejected > 0 || skipped.Count > 0 ? ExitCodes.Rejected : ExitCodes.Ok;
        });
        return command;
    }

    private static Command Uplift(TextWriter output, TextWriter error)
    {
        var data = new Option<string>("--data") { Description = "A CSV of a randomised experiment: one row per customer, the arm, the outcome and the features known before the treatment.", Required = true };
        var armColumn = new Option<string>("--arm-column") { Description = "The column naming each customer's arm.", Required = true };
        var treatment = new Option<string>("--treatment") { Description = "The treated arm's value.", Required = true };
        var control = new Option<string>("--control") { Description = "The control arm's value.", Required = true };
        var outcome = new Option<string>("--outcome") { Description = "The binary outcome column.", Required = true };
        var positive = new Option<string?>("--positive") { Description = "The outcome's positive value (default: 1, yes or true)." };
        var ignore = new Option<string[]>("--ignore") { Description = "Columns that are not features: other outcomes and anything measured after the treatment (comma-separated or repeated).", AllowMultipleArgumentsPerToken = true };
        var id = new Option<string?>("--id") { Description = "An id column (not a feature)." };
        var learner = new Option<string>("--learner") { Description = "t (two models), s (one model, the treatment a feature), x (Kunzel's X-learner) or ct (class transformation).", DefaultValueFactory = _ => "t" };
        learner.AcceptOnlyFromAmong("t", "s", "x", "ct");
        var trainer = new Option<string>("--trainer") { Description = "The classifier under the uplift method: auto (histogram boosted trees and logistic regression, their uplifts averaged), hgb, logistic, fasttree or lightgbm.", DefaultValueFactory = _ => "auto" }.AcceptOnlyFromAmong("auto", "hgb", "logistic", "fasttree", "lightgbm");
        var testShare = new Option<double>("--test-share") { Description = "The share of customers held back to score the model.", DefaultValueFactory = _ => 0.3 };
        var seed = new Option<int>("--seed") { Description = "The split's and the learner's seed.", DefaultValueFactory = _ => 42 };
        var reportOption = ReportOutput.Option("the Qini curve and the uplift among the top customers");
        var format = Formats.Option();
        var command = new Command("uplift", "Fit an uplift model on part of a randomised experiment (the project's own booster) and score it on the rest: Qini coefficient, AUUC, and the uplift among the top 10 %, 20 %, 30 % ...")
        {
            data, armColumn, treatment, control, outcome, positive, ignore, id, learner, trainer, testShare, seed, reportOption, format,
        };
        command.SetAction(async (parse, ct) =>
        {
            await Task.Yield();
            var json = Formats.IsJson(parse, format);
            var path = parse.GetValue(data)!;
            if (!File.Exists(path))
            {
                return DataCommands.Fatal(output, error, json, $"--data '{path}' does not exist.");
            }

            if (parse.GetValue(testShare) is not (> 0 and < 1))
            {
                return DataCommands.Usage(output, error, json, "--test-share lies between 0 and 1.");
            }

            var (arm, t, c) = (parse.GetValue(armColumn)!, parse.GetValue(treatment)!, parse.GetValue(control)!);
            var ignored = (parse.GetValue(ignore) ?? []).SelectMany(x => x.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
            var report = new IngestReport(20);
            ModelTable table;
            try
            {
                table = ModelTable.FromCsv(path, parse.GetValue(outcome)!, parse.GetValue(positive) ?? "1", parse.GetValue(id), ignored, report: report);
            }
            catch (Exception ex) when (ex is ArgumentException or IngestException or IOException)
            {
                return DataCommands.Fatal(output, error, json, ex.Message, report);
            }

            var armColumnData = table.Columns.FirstOrDefault(x => x.Name == arm);
            if (armColumnData?.Categories is not { } arms)
            {
                return DataCommands.Fatal(output, error, json, $"--arm-column '{arm}' is not a text column of '{path}' (columns: {string.Join(", ", table.Columns.Select(x => x.Name))}).", report);
            }

            int[] keep = [.. Enumerable.Range(0, table.Count).Where(i => arms[i] == t || arms[i] == c)];
            if (!keep.Any(i => arms[i] == t) || !keep.Any(i => arms[i] == c))
            {
                return DataCommands.Fatal(output, error, json, $"--treatment '{t}' or --control '{c}' has no row (arms: {string.Join(", ", arms.Distinct().Order(StringComparer.Ordinal))}).", report);
            }

            var subset = table.Subset(keep);
            var features = new ModelTable([.. subset.Columns.Where(x => x.Name != arm)]);
            var method = parse.GetValue(learner) switch { "s" => UpliftMethod.SLearner, "x" => UpliftMethod.XLearner, "ct" => UpliftMethod.ClassTransformation, _ => UpliftMethod.TLearner };
            var options = new UpliftOptions { Learners = [.. ModelCommands.LearnersOf(parse.GetValue(trainer)!).Select(ModelCommands.Learners.Find)] };
            UpliftReport result;
            try
            {
                result = TerminalProgress.Status(TerminalProgress.Enabled(output, json), "Fitting the uplift model", _ =>
                    UpliftEvaluation.Run(features, [.. keep.Select(i => arms[i] == t)], [.. subset.Labels!], method, parse.GetValue(testShare), parse.GetValue(seed), options, ct));
            }
            catch (ArgumentException ex)
            {
                return DataCommands.Fatal(output, error, json, ex.Message, report);
            }

            string? reportPath = null;
            if (parse.GetValue(reportOption) is { } reportDir)
            {
                try
                {
                    reportPath = ReportOutput.Save(EvaluationReport.Uplift(result, $"'{t}' against '{c}' on {parse.GetValue(outcome)}, {Path.GetFileName(path)}"), reportDir, "uplift-report.html", ct);
                }
                catch (IOException ex)
                {
                    return DataCommands.Fatal(output, error, json, ex.Message, report);
                }
            }

            if (json)
            {
                Json.Write(output, new
                {
                    report = reportPath,
                    qini = result.Qini,
                    auuc = result.Auuc,
                    upliftAt = result.UpliftAt.ToDictionary(kv => kv.Key.ToString(CultureInfo.InvariantCulture), kv => kv.Value),
                    learner = parse.GetValue(learner),
                    train = result.Train,
                    test = result.Test,
                    averageEffect = result.AverageEffect,
                    features = features.Columns.Select(x => x.Name),
                    seed = parse.GetValue(seed),
                    rejected = report.Rejected,
                });
            }
            else
            {
                var inv = CultureInfo.InvariantCulture;
                output.WriteLine(string.Create(inv, $"{method} on {result.Train:N0} customers, scored on {result.Test:N0} (seed {parse.GetValue(seed)}); features: {string.Join(", ", features.Columns.Select(x => x.Name))}."));
                output.WriteLine(string.Create(inv, $"Qini coefficient {result.Qini:0.0000}, AUUC {result.Auuc:0.0000}; average effect on the test customers {result.AverageEffect:+0.00%;-0.00%}."));
                output.WriteLine("Uplift among the top: " + string.Join(", ", result.UpliftAt.Select(kv => string.Create(inv, $"{kv.Key} % {kv.Value:+0.00%;-0.00%}"))));
                if (reportPath is not null)
                {
                    output.WriteLine($"Report: {reportPath}");
                }
            }

            return report.Rejected > 0 ? ExitCodes.Rejected : ExitCodes.Ok;
        });
        return command;
    }

    private static object Arms(CampaignEffect e) => e.Arms.Select(a => new
    {
        arm = a.Arm,
        n = a.N,
        mean = a.Mean,
        diff = a.Diff,
        ci95 = new[] { a.Ci95.Lower, a.Ci95.Upper },
        relativeLift = a.RelativeLift,
        p = a.P,
        pAdjusted = a.PAdjusted,
        relativeLiftCi95 = a.RelativeLiftCi is { } r ? new[] { r.Lower, r.Upper } : null,
        sum = a.Sum,
        sd = a.StandardDeviation,
    });

    private static void Write(TextWriter output, bool json, CampaignEffect e, string outcome, List<(string Group, CampaignEffect? Effect, string? Problem)> groups, string? by, IngestReport report, List<string> skipped, int maxErrors, string? reportPath)
    {
        if (json)
        {
            Json.Write(output, new
            {
                control = e.Control,
                arms = Arms(e),
                outcome,
                kind = e.Kind.ToString().ToLowerInvariant(),
                method = e.Method,
                rows = report.Accepted - skipped.Count,
                rejected = report.Rejected,
                skipped = skipped.Count,
                skippedExamples = skipped.Take(maxErrors),
                by,
                groups = by is null ? null : groups.Select(g => new { group = g.Group, arms = g.Effect is null ? null : Arms(g.Effect), problem = g.Problem }),
                report = reportPath,
            });
            return;
        }

        var c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c, $"{outcome} ({e.Kind.ToString().ToLowerInvariant()}) against '{e.Control}': {e.Method}."));
        Table(output, e);
        foreach (var (group, effect, problem) in groups)
        {
            output.WriteLine(string.Create(c, $"{by} = {group}:{(problem is null ? string.Empty : " " + problem)}"));
            if (effect is not null)
            {
                Table(output, effect);
            }
        }

        if (reportPath is not null)
        {
            output.WriteLine($"Report: {reportPath}");
        }

        if (skipped.Count > 0 || report.Rejected > 0)
        {
            output.WriteLine(string.Create(c, $"{skipped.Count:N0} rows without an arm or an outcome and {report.Rejected:N0} rejected rows were left out."));
            foreach (var s in skipped.Take(maxErrors))
            {
                output.WriteLine("  " + s);
            }
        }
    }

    private static void Table(TextWriter output, CampaignEffect e)
    {
        var c = CultureInfo.InvariantCulture;
        var numbers = e.Kind == OutcomeKind.Binary ? "0.00%" : "0.0000";
        foreach (var a in e.Arms)
        {
            output.WriteLine(string.Create(c, $"  {a.Arm,-22} n {a.N,9:N0}  mean {a.Mean.ToString(numbers, c),9}  diff {a.Diff.ToString(numbers, c),9}  95% [{a.Ci95.Lower.ToString(numbers, c)}, {a.Ci95.Upper.ToString(numbers, c)}]  lift {(a.RelativeLift is { } l ? l.ToString("+0.0%;-0.0%", c) : "n/a"),7}  p {a.P:0.####}"));
        }
    }
}
