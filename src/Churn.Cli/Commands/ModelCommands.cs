using System.CommandLine;
using System.Globalization;
using Churn.Abstractions;
using Churn.Data;
using Churn.Modeling;
using Churn.Modeling.MLNet;
using Churn.Reports;
using Sylvan.Data.Csv;

namespace Churn.Cli.Commands;

/// <summary><c>churn model train</c>, <c>churn model score</c> and <c>churn model evaluate</c>.</summary>
internal static class ModelCommands
{
    public static Command Build(TextWriter output, TextWriter error)
    {
        var model = new Command("model", "Train, score and evaluate churn models.");
        model.Subcommands.Add(Train(output, error));
        model.Subcommands.Add(Score(output, error));
        model.Subcommands.Add(Evaluate(output, error));
        model.Subcommands.Add(Info(output, error));
        model.Subcommands.Add(Drift(output, error));
        return model;
    }

    private static double? N(double v) => double.IsFinite(v) ? v : null;

    private static Dictionary<string, object?> MetricsJson(ClassificationMetrics m) => new()
    {
        ["auc"] = N(m.Auc),
        ["prAuc"] = N(m.PrAuc),
        ["logLoss"] = N(m.LogLoss),
        ["brier"] = N(m.Brier),
        ["ece"] = N(m.Ece),
        ["empc"] = N(m.Profit.Empc),
        ["empcFraction"] = N(m.Profit.EmpcFraction),
        ["mpc"] = N(m.Profit.Mpc),
        ["mpcFraction"] = N(m.Profit.MpcFraction),
        ["mpcThreshold"] = N(m.Profit.MpcThreshold),
        ["count"] = m.Count,
        ["positives"] = m.Positives,
        ["deciles"] = m.Deciles.Select(d => new { decile = d.Decile, customers = d.Customers, churners = d.Churners, churnRate = d.ChurnRate, lift = N(d.Lift), cumulativeGain = N(d.CumulativeGain) }),
    };

    private static void WriteMetrics(TextWriter output, ClassificationMetrics m)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  ROC-AUC {m.Auc:F4}   PR-AUC {m.PrAuc:F4}   log-loss {m.LogLoss:F4}   Brier {m.Brier:F4}   ECE {m.Ece:F4}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  EMPC {m.Profit.Empc:F3} per customer (target {m.Profit.EmpcFraction:P1})   MPC {m.Profit.Mpc:F3} (target {m.Profit.MpcFraction:P1}, score >= {m.Profit.MpcThreshold:F3})"));
        output.WriteLine("  decile  customers  churners   rate   lift  cumulative gain");
        foreach (var d in m.Deciles)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {d.Decile,6} {d.Customers,10} {d.Churners,9} {d.ChurnRate,6:P1} {d.Lift,6:F2} {d.CumulativeGain,16:P1}"));
        }
    }

    private static Command Train(TextWriter output, TextWriter error)
    {
        var data = new Option<string>("--data") { Description = "The training table (CSV): one row per customer (or customer and as-of date), a label column and input columns.", Required = true };
        var label = new Option<string>("--label") { Description = "The label column.", Required = true };
        var positive = new Option<string?>("--positive") { Description = "The label value meaning churned (default: yes / true / 1)." };
        var id = new Option<string?>("--id") { Description = "The id column (not an input)." };
        var ignore = new Option<string?>("--ignore") { Description = "Columns to leave out, comma-separated." };
        var folds = new Option<int>("--folds") { Description = "Cross-validation folds.", DefaultValueFactory = _ => 5 };
        var trainer = new Option<string>("--trainer") { Description = "auto (histogram boosted trees and logistic regression, their capacity and blend chosen on held-out rows), hgb (histogram gradient boosting alone, its capacity chosen likewise), fasttree, lightgbm or logistic.", DefaultValueFactory = _ => "auto" }.AcceptOnlyFromAmong("auto", "hgb", "fasttree", "lightgbm", "logistic");
        var seed = new Option<int>("--seed") { Description = "Seed.", DefaultValueFactory = _ => 42 };
        var threads = new Option<int>("--threads") { Description = "Threads for the tree learner; 0 = all cores (the default). auto and hgb give the same model for any count; fasttree and lightgbm may differ slightly between counts.", DefaultValueFactory = _ => 0 };
        var search = new Option<bool>("--search") { Description = "Choose the tree settings among four fixed candidates inside every fold (instead of the adaptive default)." };
        var treeSettings = new Option<string?>("--trees") { Description = "Fixed tree settings instead of the adaptive default (capacity and blend chosen on held-out rows inside every fold): TREES,LEAVES,LEARNING-RATE[,MIN-LEAF[,L2]], for example 200,8,0.05 (L2 shrinkage of the booster's leaf values, default 1)." };
        var outFile = new Option<string>("--out") { Description = "The model file to write.", Required = true };
        var format = Formats.Option();
        var command = new Command("train", "Train a calibrated churn model, print its cross-validated metrics, and save it.");
        var balance = new Option<bool>("--balance-classes") { Description = "Weight churners and non-churners to equal totals while fitting (calibration keeps probabilities true)." };
        var calibration = new Option<string>("--calibration") { Description = "platt (sigmoid; the default) or isotonic (Platt, then a monotone step map; wants a few thousand rows).", DefaultValueFactory = _ => "platt" }.AcceptOnlyFromAmong("platt", "isotonic");
        var strict = new Option<bool>("--strict") { Description = "Fail (exit 1) when any row of --data is rejected, instead of training on the others." };
        var economics = new EconomicsOptions();
        var report = ReportOutput.Option("the model's cross-validated charts (ROC, PR, reliability, gains, lift, profit, scores, importance, folds)");
        foreach (var o in new Option[] { data, label, positive, id, ignore, folds, trainer, seed, threads, search, treeSettings, balance, calibration, strict, outFile, format, report })
        {
            command.Options.Add(o);
        }

        economics.AddTo(command);

        command.SetAction((parse, ct) =>
        {
            var json = Formats.IsJson(parse, format);
            var path = parse.GetValue(data)!;
            if (!File.Exists(path))
            {
                return Task.FromResult(DataCommands.Fatal(output, error, json, $"file '{path}' does not exist."));
            }

            var (profit, economicsError) = economics.Read(parse);
            if (profit is null)
            {
                return Task.FromResult(DataCommands.Usage(output, error, json, economicsError!));
            }

            TrainingResult result;
            ModelTable table;
            List<string> hints;
            var ingest = new IngestReport(1000);
            try
            {
                var progress = TerminalProgress.Enabled(output, json);
                table = TerminalProgress.Status(progress, $"Reading {Path.GetFileName(path)}", _ => ModelTable.FromCsv(path, parse.GetValue(label), parse.GetValue(positive), parse.GetValue(id), parse.GetValue(ignore)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), report: ingest));
                if (parse.GetValue(strict) && !ingest.IsClean)
                {
                    return Task.FromResult(Rejected(output, error, json, path, ingest));
                }

                hints = parse.GetValue(id) is null ? IdLikeColumns(table) : [];
                TreeSettings? fixedTrees = null;
                if (parse.GetValue(treeSettings) is { } text && !TryParseTrees(text, out fixedTrees))
                {
                    return Task.FromResult(DataCommands.Usage(output, error, json, $"--trees '{text}' is not TREES,LEAVES,LEARNING-RATE[,MIN-LEAF[,L2]] (for example 200,8,0.05): whole numbers of trees (1 or more), leaves (2 to 1024) and rows per leaf, a learning rate in (0, 1], and an L2 shrinkage of 0 or more."));
                }

                var options = new ChurnModelTrainerOptions
                {
                    Folds = parse.GetValue(folds),
                    Seed = parse.GetValue(seed),
                    Search = parse.GetValue(search),
                    BalanceClasses = parse.GetValue(balance),
                    Calibration = parse.GetValue(calibration) == "isotonic" ? CalibrationMethod.Isotonic : CalibrationMethod.Platt,
                    Threads = parse.GetValue(threads),
                    Learners = LearnersOf(parse.GetValue(trainer)!),
                    Profit = profit,
                };
                if (fixedTrees is not null)
                {
                    options.Trees = fixedTrees;
                }

                result = TerminalProgress.Status(progress, $"Training on {table.Count:N0} rows: {options.Folds}-fold cross-validation, then the final model", _ => new ChurnModelTrainer(options, catalog: Learners).Train(table, ct));
            }
            catch (ArgumentException ex)
            {
                return Task.FromResult(DataCommands.Fatal(output, error, json, ex.Message));
            }

            var outPath = parse.GetValue(outFile)!;
            result.Model.Save(outPath);
            var m = result.CrossValidation.Metrics;
            string? reportPath = null;
            if (parse.GetValue(report) is { } reportDir)
            {
                try
                {
                    var ignored = parse.GetValue(ignore) ?? string.Empty;
                    reportPath = ReportOutput.Save(
                        ChurnModelReport.Create(result, table, profit, [("file", Path.GetFileName(path)), ("rows read", ingest.Read.ToString("N0", CultureInfo.InvariantCulture)), ("rows rejected", ingest.Rejected.ToString("N0", CultureInfo.InvariantCulture)), ("columns ignored", ignored.Length == 0 ? "none" : ignored)], ct),
                        reportDir,
                        "model-report.html",
                        ct);
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
                    cv = MetricsJson(m),
                    folds = result.CrossValidation.Folds,
                    rows = result.Model.Metadata.TrainingRows,
                    churnRate = result.Model.Metadata.ChurnRate,
                    trainer = result.Model.Metadata.Trainer,
                    learners = result.Model.Metadata.Learners,
                    blendWeights = BlendWeights(result.Model.Metadata),
                    treeSettings = result.Model.Metadata.TreeSettings,
                    balancedClasses = result.Model.Metadata.BalancedClasses,
                    calibration = result.Model.Metadata.IsotonicX is null ? "platt" : "isotonic",
                    features = result.Model.Featurizer.FeatureNames.Count,
                    @out = outPath,
                    input = IngestJson(ingest),
                    profit = EconomicsOptions.Json(profit),
                    report = reportPath,
                    hints,
                });
            }
            else
            {
                FeaturesCommands.WriteIngestSummary(error, path, ingest);
                foreach (var hint in hints)
                {
                    error.WriteLine("note: " + hint);
                }

                output.WriteLine($"Trained {result.Model.Metadata.Trainer} ({string.Join(" + ", result.Model.Metadata.Learners)}) on {result.Model.Metadata.TrainingRows:N0} rows ({result.Model.Metadata.ChurnRate:P1} churned), {result.Model.Featurizer.FeatureNames.Count} encoded features; saved {outPath}.");
                output.WriteLine($"{result.CrossValidation.Folds}-fold cross-validation (calibrated out-of-fold probabilities):");
                WriteMetrics(output, m);
                if (reportPath is not null)
                {
                    output.WriteLine($"Report: {reportPath}");
                }
            }

            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static Command Score(TextWriter output, TextWriter error)
    {
        var modelFile = new Option<string>("--model") { Description = "The model file.", Required = true };
        var data = new Option<string>("--data") { Description = "The customers to score (CSV with the training columns).", Required = true };
        var id = new Option<string?>("--id") { Description = "The id column (default: the first column)." };
        var reasons = new Option<int>("--reasons") { Description = "How many reasons per customer.", DefaultValueFactory = _ => 3 };
        var outFile = new Option<string>("--out") { Description = "The scores to write: a .csv (id, probability, risk_level, reasons) or a .jsonl (one JSON object per customer: id, probability, riskLevel, reasons with feature, value, contribution and text).", Required = true };
        var format = Formats.Option();
        var command = new Command("score", "Score customers with a model: calibrated probability, risk level and the top reasons.");
        var strict = new Option<bool>("--strict") { Description = "Fail (exit 1) when any row of --data is rejected (a bad number, or a category value the model never saw in training), instead of scoring the others; nothing is written." };
        foreach (var o in new Option[] { modelFile, data, id, reasons, strict, outFile, format })
        {
            command.Options.Add(o);
        }

        command.SetAction((parse, ct) =>
        {
            var json = Formats.IsJson(parse, format);
            try
            {
                var model = ChurnModel.Load(parse.GetValue(modelFile)!, Learners);
                var path = parse.GetValue(data)!;
                if (!File.Exists(path))
                {
                    return Task.FromResult(DataCommands.Fatal(output, error, json, $"file '{path}' does not exist."));
                }

                var idColumn = parse.GetValue(id) ?? FirstColumn(path);
                var ingest = new IngestReport(1000);
                var top = parse.GetValue(reasons);
                var levels = new RiskLevelPolicy();
                var outPath = parse.GetValue(outFile)!;
                long customers = 0;
                double total = 0;

                // The file is read a block at a time on one thread while the blocks before are
                // scored, explained and written: reading and scoring overlap, memory stays bounded.
                using var queue = new System.Collections.Concurrent.BlockingCollection<ModelTable>(boundedCapacity: 2);
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
                var reader = Task.Run(
                    () =>
                    {
                        try
                        {
                            foreach (var block in ModelTable.ReadCsvBlocks(path, model.Featurizer, idColumn, ingest, 65_536, parse.GetValue(strict) ? UnknownValueHandling.Reject : UnknownValueHandling.Warn, stop.Token))
                            {
                                queue.Add(block, stop.Token);
                            }
                        }
                        finally
                        {
                            queue.CompleteAdding();
                        }
                    },
                    stop.Token);
                try
                {
                    TerminalProgress.Status(TerminalProgress.Enabled(output, json), $"Scoring {Path.GetFileName(path)}", status => AtomicFile.Write(outPath, stream =>
                    {
                        using var w = new StreamWriter(stream, new System.Text.UTF8Encoding(false), 1 << 16);
                        var jsonLines = outPath.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase);
                        if (!jsonLines)
                        {
                            w.Write("id,probability,risk_level,reasons\n");
                        }

                        foreach (var table in queue.GetConsumingEnumerable(ct))
                        {
                            var explanation = top > 0 ? model.Explain(table, top) : null;
                            var probabilities = explanation?.Probabilities.ToArray() ?? model.Score(table);
                            w.Write(jsonLines ? JsonLines(table, probabilities, explanation, levels) : Lines(table, probabilities, explanation, levels));
                            customers += table.Count;
                            status($"Scored {customers:N0} customers");
                            total += probabilities.Sum();
                        }

                        reader.GetAwaiter().GetResult();
                        if (parse.GetValue(strict) && !ingest.IsClean)
                        {
                            throw new StrictRejection();
                        }
                    }));
                }
                catch (StrictRejection)
                {
                    return Task.FromResult(Rejected(output, error, json, path, ingest));
                }
                finally
                {
                    // The reader stops if scoring failed; its own failure, if any, was raised above.
                    stop.Cancel();
                    ((IAsyncResult)reader).AsyncWaitHandle.WaitOne();
                }

                if (json)
                {
                    Json.Write(output, new { customers, meanProbability = customers == 0 ? 0 : total / customers, @out = outPath, input = IngestJson(ingest) });
                }
                else
                {
                    FeaturesCommands.WriteIngestSummary(error, path, ingest);
                    output.WriteLine($"Scored {customers:N0} customers (mean probability {(customers == 0 ? 0 : total / customers):P1}); wrote {outPath}.");
                }

                return Task.FromResult(ExitCodes.Ok);
            }
            catch (Exception ex) when (ex is ModelFileException or ArgumentException)
            {
                return Task.FromResult(DataCommands.Fatal(output, error, json, ex.Message));
            }
        });
        return command;
    }

    private static Command Info(TextWriter output, TextWriter error)
    {
        var modelFile = new Option<string>("--model") { Description = "The model file.", Required = true };
        var format = Formats.Option();
        var command = new Command("info", "Describe a model file (checked first): its inputs, training data and window, cross-validated metrics, learners, calibration and the SDK that wrote it.");
        command.Options.Add(modelFile);
        command.Options.Add(format);
        command.SetAction((parse, ct) =>
        {
            var json = Formats.IsJson(parse, format);
            ChurnModel model;
            try
            {
                model = ChurnModel.Load(parse.GetValue(modelFile)!, Learners);
            }
            catch (Exception ex) when (ex is ModelFileException or ArgumentException)
            {
                return Task.FromResult(DataCommands.Fatal(output, error, json, ex.Message));
            }

            var m = model.Metadata;
            var cv = m.CrossValidation;
            var inputs = model.Featurizer.Specs.Select(s => new
            {
                name = s.Name,
                kind = s.Kind == ModelColumnKind.Numeric ? "number" : "category",
                levels = s.Kind == ModelColumnKind.Numeric ? null : s.Levels,
                rareLevels = s.OtherLevels?.Count,
            }).ToList();
            if (json)
            {
                Json.Write(output, new
                {
                    file = parse.GetValue(modelFile),
                    format = m.Format,
                    sdkVersion = m.SdkVersion,
                    trainer = m.Trainer,
                    learners = m.Learners,
                    rows = m.TrainingRows,
                    churnRate = m.ChurnRate,
                    trainedAt = m.TrainedAt,
                    trainingWindow = new { start = m.TrainingWindowStart, end = m.TrainingWindowEnd },
                    seed = m.Seed,
                    cv = cv is null ? null : new { folds = cv.Folds, auc = N(cv.Auc), prAuc = N(cv.PrAuc), logLoss = N(cv.LogLoss), brier = N(cv.Brier), ece = N(cv.Ece), empc = N(cv.Empc) },
                    calibration = m.IsotonicX is null ? "platt" : "isotonic",
                    balancedClasses = m.BalancedClasses,
                    treeSettings = m.TreeSettings,
                    blendWeights = BlendWeights(m),
                    encodedFeatures = model.Featurizer.FeatureNames.Count,
                    inputs,
                });
            }
            else
            {
                output.WriteLine($"{parse.GetValue(modelFile)}: {m.Format}, written by Churn.Sdk {m.SdkVersion}");
                output.WriteLine($"  trainer    {m.Trainer} ({string.Join(" + ", m.Learners)}), calibration {(m.IsotonicX is null ? "platt" : "isotonic")}{(m.BalancedClasses ? ", balanced classes" : string.Empty)}, seed {m.Seed}");
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  trained on {m.TrainingRows:N0} rows ({m.ChurnRate:P1} churned) at {m.TrainedAt:yyyy-MM-dd HH:mm}Z{(m.TrainingWindowStart is { } a && m.TrainingWindowEnd is { } b ? $", window {a:yyyy-MM-dd} to {b:yyyy-MM-dd}" : string.Empty)}"));
                if (cv is not null)
                {
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {cv.Folds}-fold CV  ROC-AUC {cv.Auc:F4}   PR-AUC {cv.PrAuc:F4}   log-loss {cv.LogLoss:F4}   Brier {cv.Brier:F4}   ECE {cv.Ece:F4}"));
                }

                output.WriteLine($"  inputs     {inputs.Count} columns, {model.Featurizer.FeatureNames.Count} encoded features:");
                foreach (var s in model.Featurizer.Specs)
                {
                    output.WriteLine(s.Kind == ModelColumnKind.Numeric ? $"    {s.Name} (number)" : $"    {s.Name} (category: {string.Join(", ", s.Levels.Take(8))}{(s.Levels.Count > 8 ? ", ..." : string.Empty)})");
                }
            }

            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static Command Evaluate(TextWriter output, TextWriter error)
    {
        var scores = new Option<string>("--scores") { Description = "A CSV with a score column and a label column (for example a CRM's own health score).", Required = true };
        var scoreColumn = new Option<string>("--score-column") { Description = "The score column (higher = more likely to churn).", Required = true };
        var label = new Option<string>("--label") { Description = "The label column.", Required = true };
        var positive = new Option<string?>("--positive") { Description = "The label value meaning churned (default: yes / true / 1)." };
        var format = Formats.Option();
        var command = new Command("evaluate", "Compute every metric (ROC-AUC, PR-AUC, log-loss, Brier, ECE, EMPC, MPC, lift) of any score against outcomes.");
        var economics = new EconomicsOptions();
        var report = ReportOutput.Option("the score's charts (ROC, PR, reliability, gains, lift, profit, scores)");
        foreach (var o in new Option[] { scores, scoreColumn, label, positive, format, report })
        {
            command.Options.Add(o);
        }

        economics.AddTo(command);

        command.SetAction((parse, ct) =>
        {
            var json = Formats.IsJson(parse, format);
            var path = parse.GetValue(scores)!;
            if (!File.Exists(path))
            {
                return Task.FromResult(DataCommands.Fatal(output, error, json, $"file '{path}' does not exist."));
            }

            var (profit, economicsError) = economics.Read(parse);
            if (profit is null)
            {
                return Task.FromResult(DataCommands.Usage(output, error, json, economicsError!));
            }

            try
            {
                var table = ModelTable.FromCsv(path, parse.GetValue(label), parse.GetValue(positive));
                var column = table.Columns.FirstOrDefault(c => string.Equals(c.Name, parse.GetValue(scoreColumn), StringComparison.OrdinalIgnoreCase))
                    ?? throw new ArgumentException($"the score column '{parse.GetValue(scoreColumn)}' is not in {Path.GetFileName(path)}.");
                if (column.Kind != ModelColumnKind.Numeric)
                {
                    throw new ArgumentException($"the score column '{column.Name}' holds text, not numbers.");
                }

                var missing = Array.FindIndex(column.Numbers!, double.IsNaN);
                if (missing >= 0)
                {
                    throw new ArgumentException($"{Path.GetFileName(path)}:{missing + 2}: the score is empty.");
                }

                var m = MetricsCalculator.Compute(column.Numbers, [.. table.Labels!], profit);
                string? reportPath = null;
                if (parse.GetValue(report) is { } reportDir)
                {
                    var reportData = new ModelReportData(column.Numbers!, [.. table.Labels!]) { Source = $"scores '{column.Name}' of {Path.GetFileName(path)}", Profit = profit };
                    reportPath = ReportOutput.Save(ChurnModelReport.Create("Churn score report", reportData, ct), reportDir, "score-report.html", ct);
                }

                if (json)
                {
                    var fields = MetricsJson(m);
                    fields["profit"] = EconomicsOptions.Json(profit);
                    fields["report"] = reportPath;
                    Json.Write(output, fields);
                }
                else
                {
                    output.WriteLine($"{m.Count:N0} customers, {m.Positives:N0} churned ({m.Positives / (double)m.Count:P1}):");
                    WriteMetrics(output, m);
                    if (double.IsNaN(m.LogLoss))
                    {
                        output.WriteLine("  (the scores are not probabilities in [0, 1]: log-loss, Brier and ECE need probabilities)");
                    }

                    if (reportPath is not null)
                    {
                        output.WriteLine($"Report: {reportPath}");
                    }
                }

                return Task.FromResult(ExitCodes.Ok);
            }
            catch (ArgumentException ex)
            {
                return Task.FromResult(DataCommands.Fatal(output, error, json, ex.Message));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return Task.FromResult(DataCommands.Fatal(output, error, json, $"--report: {ex.Message}"));
            }
        });
        return command;
    }

    /// <summary>One scored block as CSV lines, formatted a slice at a time on all cores.</summary>
    private static string Lines(ModelTable table, double[] probabilities, ModelExplanation? explanation, RiskLevelPolicy levels)
    {
        const int slice = 8_192;
        var parts = new string[(table.Count + slice - 1) / slice];
        Parallel.For(0, parts.Length, b =>
        {
            var text = new System.Text.StringBuilder();
            for (var i = b * slice; i < Math.Min(table.Count, (b + 1) * slice); i++)
            {
                var why = explanation is null ? string.Empty : string.Join("; ", explanation.Reasons[i].Select(r => r.Text));
                text.Append(CultureInfo.InvariantCulture, $"{CsvField.Quote(table.Ids![i])},{probabilities[i]:R},{RiskLevelPolicy.Name(levels.LevelOf(probabilities[i]))},{CsvField.Quote(why)}\n");
            }

            parts[b] = text.ToString();
        });
        return string.Concat(parts);
    }

    /// <summary>One scored block as JSON lines, a slice at a time on all cores.</summary>
    private static string JsonLines(ModelTable table, double[] probabilities, ModelExplanation? explanation, RiskLevelPolicy levels)
    {
        const int slice = 8_192;
        var parts = new string[(table.Count + slice - 1) / slice];
        Parallel.For(0, parts.Length, b =>
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            using (var j = new System.Text.Json.Utf8JsonWriter(buffer, new System.Text.Json.JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                for (var i = b * slice; i < Math.Min(table.Count, (b + 1) * slice); i++)
                {
                    j.WriteStartObject();
                    j.WriteString("id", table.Ids![i]);
                    j.WriteNumber("probability", probabilities[i]);
                    j.WriteString("riskLevel", RiskLevelPolicy.Name(levels.LevelOf(probabilities[i])));
                    j.WriteStartArray("reasons");
                    foreach (var r in explanation?.Reasons[i] ?? [])
                    {
                        j.WriteStartObject();
                        j.WriteString("feature", r.Feature);
                        if (double.IsFinite(r.Value))
                        {
                            j.WriteNumber("value", r.Value);
                        }
                        else
                        {
                            j.WriteNull("value");
                        }

                        j.WriteNumber("contribution", r.Contribution);
                        j.WriteString("text", r.Text);
                        j.WriteEndObject();
                    }

                    j.WriteEndArray();
                    j.WriteEndObject();
                    j.Flush();
                    System.Buffers.BuffersExtensions.Write(buffer, "\n"u8);
                    j.Reset(buffer);
                }
            }

            parts[b] = System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
        });
        return string.Concat(parts);
    }

    /// <summary>Thrown inside an atomic write to abandon it: --strict and a row was rejected.</summary>
    private sealed class StrictRejection : Exception
    {
    }

    /// <summary>The <c>input</c> object of the JSON summaries: counts, the first errors and the first warnings.</summary>
    internal static object IngestJson(IngestReport ingest) => new
    {
        read = ingest.Read,
        accepted = ingest.Accepted,
        rejected = ingest.Rejected,
        errors = ingest.Errors.Take(100).Select(e => e.ToString()),
        warnings = ingest.WarningCount,
        warningExamples = ingest.Warnings.Take(100).Select(e => e.ToString()),
    };

    private static int Rejected(TextWriter output, TextWriter error, bool json, string path, IngestReport report)
    {
        if (json)
        {
            Json.Write(output, new { read = report.Read, accepted = report.Accepted, rejected = report.Rejected, errors = report.Errors.Select(e => new { line = e.Line, column = e.Column, message = e.Message }) });
        }
        else
        {
            FeaturesCommands.WriteIngestSummary(error, path, report);
        }

        return ExitCodes.Rejected;
    }

    /// <summary>Columns that look like an id (a different value on every row) in a table trained without --id: they cannot help, or worse, a numbered id leaks the row order.</summary>
    private static List<string> IdLikeColumns(ModelTable table)
    {
        var hints = new List<string>();
        if (table.Count < 20)
        {
            return hints;
        }

        foreach (var c in table.Columns)
        {
            var distinct = c.Kind == ModelColumnKind.Categorical
                ? c.Categories!.All(v => v is not null) && c.Categories!.Distinct(StringComparer.Ordinal).Count() == table.Count
                : c.Name.Contains("id", StringComparison.OrdinalIgnoreCase) && c.Numbers!.All(v => double.IsFinite(v) && v == Math.Floor(v)) && c.Numbers!.Distinct().Count() == table.Count;
            if (distinct)
            {
                hints.Add($"column '{c.Name}' holds a different value on every row, like an id, and was used as an input; pass --id {c.Name} (or --ignore {c.Name}).");
            }
        }

        return hints;
    }

    /// <summary>The learners the CLI trains with and reads: the built-in ones and ML.NET's.</summary>
    internal static LearnerCatalog Learners { get; } = LearnerCatalog.Default.WithMLNet();

    /// <summary>Each learner's weight in the blend, in the order of the learners (equal when the file records none).</summary>
    private static double[] BlendWeights(ModelMetadata m) =>
        m.BlendWeights is { } w ? [.. w] : [.. m.Learners.Select(_ => 1.0 / m.Learners.Count)];

    /// <summary>Parses --trees: TREES,LEAVES,LEARNING-RATE[,MIN-LEAF[,L2]] within the trainer's ranges.</summary>
    internal static bool TryParseTrees(string text, out TreeSettings? settings)
    {
        settings = null;
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var c = System.Globalization.CultureInfo.InvariantCulture;
        if (parts.Length is < 3 or > 5
            || !int.TryParse(parts[0], System.Globalization.NumberStyles.None, c, out var trees) || trees is < 1 or > 100_000
            || !int.TryParse(parts[1], System.Globalization.NumberStyles.None, c, out var leaves) || leaves is < 2 or > 1024
            || !double.TryParse(parts[2], System.Globalization.NumberStyles.Float, c, out var rate) || rate is not (> 0 and <= 1))
        {
            return false;
        }

        var minLeaf = 20;
        if (parts.Length >= 4 && (!int.TryParse(parts[3], System.Globalization.NumberStyles.None, c, out minLeaf) || minLeaf < 1))
        {
            return false;
        }

        var l2 = 1.0;
        if (parts.Length == 5 && (!double.TryParse(parts[4], System.Globalization.NumberStyles.Float, c, out l2) || !double.IsFinite(l2) || l2 < 0))
        {
            return false;
        }

        settings = new TreeSettings(trees, leaves, rate, minLeaf) { L2 = l2 };
        return true;
    }

    /// <summary>The learners of a --trainer value.</summary>
    internal static List<string> LearnersOf(string trainer) => trainer switch
    {
        "auto" => [.. ChurnModelTrainerOptions.DefaultLearners],
        var one => [one],
    };

    /// <summary>The first header name, or null when the header cannot be read (the reader that follows then says why).</summary>
    private static Command Drift(TextWriter output, TextWriter error)
    {
        var modelFile = new Option<string>("--model") { Description = "The model file (trained by this version: it keeps its training data's distributions).", Required = true };
        var data = new Option<string>("--data") { Description = "The new data (CSV with the training columns).", Required = true };
        var id = new Option<string?>("--id") { Description = "The id column (default: the first column)." };
        var threshold = new Option<double>("--threshold") { Description = "The PSI of the probability at which the data counts as drifted.", DefaultValueFactory = _ => 0.25 };
        var format = Formats.Option();
        var command = new Command("drift", "The population stability index (PSI) of every feature and of the model's probability on new data against the training data; drifted when the probability's PSI reaches the threshold (exit 0 either way; read `drifted`).")
        {
            modelFile, data, id, threshold, format,
        };
        command.SetAction((parse, ct) =>
        {
            var json = Formats.IsJson(parse, format);
            var path = parse.GetValue(data)!;
            if (parse.GetValue(threshold) is not (> 0 and < 100))
            {
                return Task.FromResult(DataCommands.Usage(output, error, json, "--threshold is a positive PSI, such as 0.1 or 0.25."));
            }

            var report = new IngestReport(20);
            try
            {
                var model = ChurnModel.Load(parse.GetValue(modelFile)!, Learners);
                if (!File.Exists(path))
                {
                    return Task.FromResult(DataCommands.Fatal(output, error, json, $"file '{path}' does not exist."));
                }

                var table = ModelTable.FromCsv(path, label: null, id: parse.GetValue(id) ?? FirstColumn(path), report: report);
                var drift = model.Drift(table, parse.GetValue(threshold));
                if (json)
                {
                    Json.Write(output, new
                    {
                        overall = drift.Overall,
                        threshold = drift.Threshold,
                        drifted = drift.Drifted,
                        features = drift.Features.Select(f => new { name = f.Feature, psi = f.Psi, verdict = f.Verdict }),
                        rows = drift.Rows,
                        rejected = report.Rejected,
                    });
                }
                else
                {
                    var c = CultureInfo.InvariantCulture;
                    output.WriteLine(string.Create(c, $"{drift.Rows:N0} rows: the probability's PSI is {drift.Overall:0.0000} ({(drift.Drifted ? "DRIFTED" : "below")} the threshold {drift.Threshold:0.##})."));
                    foreach (var f in drift.Features)
                    {
                        output.WriteLine(string.Create(c, $"  {f.Feature,-32} PSI {f.Psi,8:0.0000}  {f.Verdict}"));
                    }
                }

                return Task.FromResult(report.Rejected > 0 ? ExitCodes.Rejected : ExitCodes.Ok);
            }
            catch (Exception ex) when (ex is ModelFileException or ArgumentException or IngestException or IOException)
            {
                return Task.FromResult(DataCommands.Fatal(output, error, json, ex.Message, report));
            }
        });
        return command;
    }

    private static string? FirstColumn(string path)
    {
        try
        {
            using var csv = CsvDataReader.Create(path, new CsvDataReaderOptions { HasHeaders = true, Comment = '\0', MaxBufferSize = 1 << 24 });
            return csv.FieldCount > 0 ? csv.GetName(0) : null;
        }
        catch (Exception ex) when (ex is CsvFormatException or CsvMissingHeadersException)
        {
            return null;
        }
    }

}
