using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Churn.Abstractions;
using Churn.Data;
using Churn.Modeling;
using Churn.Rules;
using Churn.Reports;
using Churn.Sdk;
using Churn.Storage.Sqlite;

namespace Churn.Cli.Commands;

/// <summary><c>churn dataset build</c>, <c>churn assess</c> and <c>churn backtest</c>: the pipeline from events to assessments.</summary>
internal static class PipelineCommands
{
    private const int StoreBatch = 5_000;


    public static Command Dataset(TextWriter output, TextWriter error)
    {
        var dataset = new Command("dataset", "Build training tables from events.");
        var inputs = new PipelineInputs(horizonRequired: true);
        var asOf = new Option<string>("--as-of") { Description = "The instant the features describe and the labels look forward from.", Required = true };
        var outFile = new Option<string>("--out") { Description = "The table to write: customer_id, as_of, the features, churned (true/false).", Required = true };
        var command = new Command("build", "Write one row per customer at risk at --as-of: point-in-time features and whether the customer churned within the horizon. Train on it with: churn model train --data T.csv --label churned --id customer_id --ignore as_of.");
        inputs.AddTo(command);
        command.Options.Add(asOf);
        command.Options.Add(outFile);
        command.SetAction(async (parse, ct) =>
        {
            var json = inputs.IsJson(parse);
            var (data, pipeline, fail) = await inputs.LoadAsync(parse, output, error, ct).ConfigureAwait(false);
            if (fail is { } code)
            {
                return code;
            }

            if (!Dates.TryParse(parse.GetValue(asOf), out var at))
            {
                return DataCommands.Usage(output, error, json, $"--as-of '{parse.GetValue(asOf)}' is not a date (use 2026-01-01 or 2026-01-01T00:00:00Z).");
            }

            TrainingSet set;
            try
            {
                set = TerminalProgress.Status(TerminalProgress.Enabled(output, json), "Building features and labels", _ => pipeline!.BuildTrainingSet(data!, at, parse.GetValue(inputs.Horizon), ct));
            }
            catch (ArgumentException ex)
            {
                return DataCommands.Fatal(output, error, json, ex.Message);
            }

            var outPath = parse.GetValue(outFile)!;
            var stamp = at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
            AtomicFile.Write(outPath, stream =>
            {
                using var w = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16);
                w.Write("customer_id,as_of");
                foreach (var f in set.Schema.Features)
                {
                    w.Write(',');
                    w.Write(CsvField.Quote(f.Name));
                }

                w.Write(",churned\n");
                Span<char> number = stackalloc char[32];
                foreach (var (snapshot, churned) in set.Rows)
                {
                    w.Write(CsvField.Quote(snapshot.CustomerId.Value));
                    w.Write(',');
                    w.Write(stamp);
                    foreach (var v in snapshot.Values)
                    {
                        w.Write(',');
                        if (!double.IsNaN(v) && v.TryFormat(number, out var n, "R", CultureInfo.InvariantCulture))
                        {
                            w.Write(number[..n]);
                        }
                    }

                    w.Write(churned ? ",true\n" : ",false\n");
                }
            });

            var churners = set.Rows.Count(r => r.Churned);
            if (json)
            {
                Json.Write(output, new { customers = set.Rows.Count, churners, churnRate = set.Rows.Count == 0 ? 0 : churners / (double)set.Rows.Count, features = set.Schema.Count, asOf = at, @out = outPath, events = PipelineInputs.Accounting(data!) });
            }
            else
            {
                PipelineInputs.WriteWarnings(error, data!);
                output.WriteLine($"Wrote {set.Rows.Count:N0} customers at risk on {at:yyyy-MM-dd} x {set.Schema.Count} features to {outPath}: {churners:N0} churned within {parse.GetValue(inputs.Horizon) ?? 30} days ({(set.Rows.Count == 0 ? 0 : churners / (double)set.Rows.Count):P1}).");
            }

            return inputs.ExitCode(parse, data!);
        });
        dataset.Subcommands.Add(command);
        return dataset;
    }

    public static Command Assess(TextWriter output, TextWriter error)
    {
        var inputs = new PipelineInputs(horizonRequired: false);
        var asOf = new Option<string>("--as-of") { Description = "The instant of the assessment; nothing later is read.", Required = true };
        var model = new Option<string?>("--model") { Description = "The model file (trained on `churn dataset build` features). Without it, levels come from symptoms alone." };
        var rules = new Option<string?>("--rules") { Description = "A rule-set file (JSON) for symptoms." };
        var reasons = new Option<int>("--reasons") { Description = "Reasons per customer.", DefaultValueFactory = _ => 3 };
        var noValue = new Option<bool>("--no-predicted-value") { Description = "Skip the BG/NBD and Gamma-Gamma fit (predicted value and P(alive) stay null)." };
        var outFile = new Option<string>("--out") { Description = "The assessments: .jsonl for one JSON object per customer, .csv for flat columns.", Required = true };
        var db = new Option<string?>("--db") { Description = "Also store the assessments in this SQLite store (created if missing): each customer's current one and the history." };
        var report = ReportOutput.Option("customers by level, the value x risk map, the reasons and symptoms across the base and the most valuable customers at risk");
        var command = new Command("assess", "Assess every customer known at --as-of: probability, level and its reason, reasons, symptoms, value, segment and owner.");
        inputs.AddTo(command);
        foreach (var o in new Option[] { asOf, model, rules, reasons, noValue, outFile, db, report })
        {
            command.Options.Add(o);
        }

        command.SetAction(async (parse, ct) =>
        {
            var json = inputs.IsJson(parse);
            var clock = Stopwatch.StartNew();
            if (!Dates.TryParse(parse.GetValue(asOf), out var at))
            {
                return DataCommands.Usage(output, error, json, $"--as-of '{parse.GetValue(asOf)}' is not a date (use 2026-01-01 or 2026-01-01T00:00:00Z).");
            }

            var outPath = parse.GetValue(outFile)!;
            var csv = outPath.EndsWith(".csv", StringComparison.OrdinalIgnoreCase);
            if (!csv && !outPath.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) && !outPath.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            {
                return DataCommands.Usage(output, error, json, $"--out '{outPath}': name a .jsonl file (one JSON object per customer) or a .csv file (flat columns).");
            }

            var (data, pipeline, fail) = await inputs.LoadAsync(parse, output, error, ct, b =>
            {
                if (parse.GetValue(model) is { } m)
                {
                    b.WithModelFile(m);
                }

                if (parse.GetValue(rules) is { } r)
                {
                    b.WithRulesFile(r);
                }

                b.Configure(o => (o.Reasons, o.PredictValue) = (parse.GetValue(reasons), !parse.GetValue(noValue)));
            }).ConfigureAwait(false);
            if (fail is { } code)
            {
                return code;
            }

            var byLevel = new long[5];
            long count = 0;
            long stored = 0;
            string? reportPath = null;
            SqliteChurnStore? store = null;
            try
            {
                if (parse.GetValue(db) is { } dbPath)
                {
                    // Opened before the work, so that a file it cannot use is reported before minutes of assessing.
                    store = SqliteChurnStore.Open(dbPath);
                }

                var prepared = pipeline!.Prepare(data!, at, ct);
                var reportBuilder = parse.GetValue(report) is null ? null : new AssessmentReportBuilder(prepared.Customers);
                await TerminalProgress.RunAsync(TerminalProgress.Enabled(output, json), "Assessing", prepared.Customers, progress => Task.Run(
                    () =>
                    {
                        AtomicFile.Write(outPath, stream =>
                        {
                            using var sink = csv ? (IAssessmentSink)new CsvSink(stream) : new JsonLinesSink(stream);
                            var batch = new List<RiskAssessment>(StoreBatch);
                            foreach (var a in prepared.AssessAll(ct))
                            {
                                sink.Write(a);
                                reportBuilder?.Add(a);
                                byLevel[(int)a.Level]++;
                                if (store is not null)
                                {
                                    batch.Add(a);
                                    if (batch.Count == StoreBatch)
                                    {
                                        store.UpsertAssessmentsAsync(batch, ct).AsTask().GetAwaiter().GetResult();
                                        stored += batch.Count;
                                        batch.Clear();
                                    }
                                }

                                if ((++count & 0xFFF) == 0)
                                {
                                    progress.Report(count);
                                }
                            }

                            if (store is not null && batch.Count > 0)
                            {
                                store.UpsertAssessmentsAsync(batch, ct).AsTask().GetAwaiter().GetResult();
                                stored += batch.Count;
                            }
                        });
                        return 0;
                    },
                    ct)).ConfigureAwait(false);
                if (reportBuilder is not null)
                {
                    reportPath = ReportOutput.Save(reportBuilder.Build(), parse.GetValue(report)!, "assessment-report.html", ct);
                }
            }
            catch (Exception ex) when (ex is ModelFileException or ArgumentException or ChurnStoreException or IOException or UnauthorizedAccessException)
            {
                return DataCommands.Fatal(output, error, json, ex.Message);
            }
            finally
            {
                store?.Dispose();
            }

            var seconds = Math.Round(clock.Elapsed.TotalSeconds, 2);
            if (json)
            {
                Json.Write(output, new
                {
                    customers = count,
                    byLevel = new { low = byLevel[0], medium = byLevel[1], high = byLevel[2], critical = byLevel[3], churned = byLevel[4] },
                    seconds,
                    asOf = at,
                    @out = outPath,
                    events = PipelineInputs.Accounting(data!),
                    db = parse.GetValue(db),
                    stored,
                    report = reportPath,
                });
            }
            else
            {
                PipelineInputs.WriteWarnings(error, data!);
                output.WriteLine($"Assessed {count:N0} customers as of {at:yyyy-MM-dd} in {seconds:0.0} s: low {byLevel[0]:N0}, medium {byLevel[1]:N0}, high {byLevel[2]:N0}, critical {byLevel[3]:N0}, churned {byLevel[4]:N0}. Wrote {outPath}{(store is null ? string.Empty : $" and stored {stored:N0} in {parse.GetValue(db)}")}{(reportPath is null ? string.Empty : $"; report {reportPath}")}.");
            }

            return inputs.ExitCode(parse, data!);
        });
        return command;
    }

    public static Command Backtest(TextWriter output, TextWriter error)
    {
        var inputs = new PipelineInputs(horizonRequired: true);
        var trainAsOf = new Option<string>("--train-as-of") { Description = "The training instant: the model learns from who churned in the horizon after it.", Required = true };
        var testAsOf = new Option<string>("--test-as-of") { Description = "The test instant, at least one horizon later: the model scores the customers at risk then.", Required = true };
        var command = new Command("backtest", "Train as of one date and measure as of a later one: the honest time-based check of a churn model on your own events.");
        inputs.AddTo(command);
        command.Options.Add(trainAsOf);
        command.Options.Add(testAsOf);
        command.SetAction(async (parse, ct) =>
        {
            var json = inputs.IsJson(parse);
            if (!Dates.TryParse(parse.GetValue(trainAsOf), out var train) || !Dates.TryParse(parse.GetValue(testAsOf), out var test))
            {
                return DataCommands.Usage(output, error, json, "--train-as-of and --test-as-of must be dates (2026-01-01 or 2026-01-01T00:00:00Z).");
            }

            var (data, pipeline, fail) = await inputs.LoadAsync(parse, output, error, ct).ConfigureAwait(false);
            if (fail is { } code)
            {
                return code;
            }

            BacktestResult result;
            try
            {
                result = TerminalProgress.Status(TerminalProgress.Enabled(output, json), "Back-testing: training at the first instant, scoring at the second", _ => pipeline!.Backtest(data!, train, test, parse.GetValue(inputs.Horizon), ct));
            }
            catch (ArgumentException ex) when (ex.ParamName is "trainAsOf" or "testAsOf" or "horizonDays" or "horizon")
            {
                // The instants and the horizon given do not fit together: a usage error.
                return DataCommands.Usage(output, error, json, ex.Message.Replace($" (Parameter '{ex.ParamName}')", string.Empty, StringComparison.Ordinal));
            }
            catch (ArgumentException ex)
            {
                return DataCommands.Fatal(output, error, json, ex.Message);
            }

            var m = result.Test;
            static double? N(double v) => double.IsFinite(v) ? v : null;
            if (json)
            {
                Json.Write(output, new
                {
                    train = new { customers = result.TrainCustomers, churners = result.TrainChurners, asOf = train },
                    test = new { customers = result.TestCustomers, churners = result.TestChurners, auc = N(m.Auc), prAuc = N(m.PrAuc), brier = N(m.Brier), ece = N(m.Ece), logLoss = N(m.LogLoss), asOf = test },
                    horizonDays = parse.GetValue(inputs.Horizon),
                    learners = result.Training.Model.Metadata.Learners,
                });
            }
            else
            {
                PipelineInputs.WriteWarnings(error, data!);
                output.WriteLine($"Trained as of {train:yyyy-MM-dd} on {result.TrainCustomers:N0} customers at risk ({result.TrainChurners:N0} churned within {parse.GetValue(inputs.Horizon)} days).");
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Tested as of {test:yyyy-MM-dd} on {result.TestCustomers:N0} customers ({result.TestChurners:N0} churned): ROC-AUC {m.Auc:F4}, PR-AUC {m.PrAuc:F4}, Brier {m.Brier:F4}, ECE {m.Ece:F4}."));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Writes one assessment at a time.</summary>
    private interface IAssessmentSink : IDisposable
    {
        void Write(RiskAssessment a);
    }

    /// <summary>One JSON object per line, with the fields of the public contract (<see cref="AssessmentJsonLines"/>).</summary>
    private sealed class JsonLinesSink(Stream stream) : IAssessmentSink
    {
        private readonly AssessmentJsonLines.Writer _writer = new(stream);

        public void Write(RiskAssessment a) => _writer.Write(a);

        public void Dispose() => _writer.Dispose();
    }

    /// <summary>Flat columns: reasons and symptoms joined with "; ".</summary>
    private sealed class CsvSink : IAssessmentSink
    {
        private readonly StreamWriter _w;

        public CsvSink(Stream stream)
        {
            _w = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16);
            _w.Write("customer_id,as_of,probability,level,level_reason,reasons,symptoms,value_historical,value_predicted,p_alive,currency,segment,owner\n");
        }

        public void Write(RiskAssessment a)
        {
            var w = _w;
            w.Write(CsvField.Quote(a.CustomerId.Value));
            w.Write(',');
            w.Write(a.AsOf.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
            w.Write(',');
            w.Write(a.Probability?.Value.ToString("R", CultureInfo.InvariantCulture));
            w.Write(',');
            w.Write(RiskLevelPolicy.Name(a.Level));
            w.Write(',');
            w.Write(CsvField.Quote(a.LevelReason));
            w.Write(',');
            w.Write(CsvField.Quote(string.Join("; ", a.Reasons.Select(r => r.Text))));
            w.Write(',');
            w.Write(CsvField.Quote(string.Join("; ", a.Symptoms.Select(s => $"{s.Severity.ToString().ToLowerInvariant()} {s.RuleId}"))));
            w.Write(',');
            w.Write(a.Value?.Historical.ToString(CultureInfo.InvariantCulture));
            w.Write(',');
            w.Write(a.Value?.Predicted?.ToString(CultureInfo.InvariantCulture));
            w.Write(',');
            w.Write(a.Value?.PAlive?.ToString("R", CultureInfo.InvariantCulture));
            w.Write(',');
            w.Write(a.Value?.Currency);
            w.Write(',');
            w.Write(CsvField.Quote(a.Segment ?? string.Empty));
            w.Write(',');
            w.Write(CsvField.Quote(a.Owner ?? string.Empty));
            w.Write('\n');
        }

        public void Dispose() => _w.Dispose();
    }

    /// <summary>The options every pipeline command shares, and reading the data they name.</summary>
    internal sealed class PipelineInputs
    {
        private readonly Option<string> _events = new("--events") { Description = "The events CSV file.", Required = true };
        private readonly Option<string?> _customers = new("--customers") { Description = "Optional customers CSV (customer_id, signup_date, owner, ...)." };
        private readonly Option<string> _definition = new Option<string>("--definition") { Description = "contractual (a cancellation) or non-contractual (no activity for the horizon).", DefaultValueFactory = _ => "contractual" }
            .AcceptOnlyFromAmong("contractual", "non-contractual");

        private readonly Option<string?> _observedUntil = new("--observed-until") { Description = "The instant up to which the data is complete (default: the last event)." };
        private readonly Option<bool> _strict = new("--strict") { Description = "Fail (exit 1) when any input row is rejected." };
        private readonly Option<string> _format = Formats.Option();
        private readonly EventColumnOptions _columns = new();

        public PipelineInputs(bool horizonRequired)
        {
            Horizon = new Option<int?>("--horizon-days")
            {
                Description = "The prediction horizon in days (for non-contractual churn also the inactivity period)." + (horizonRequired ? string.Empty : " Default 30."),
                Required = horizonRequired,
            };
        }

        public Option<int?> Horizon { get; }

        public void AddTo(Command command)
        {
            foreach (var o in new Option[] { _events, _customers, Horizon, _definition, _observedUntil, _strict })
            {
                command.Options.Add(o);
            }

            _columns.AddTo(command);
            command.Options.Add(_format);
        }

        public bool IsJson(ParseResult parse) => Formats.IsJson(parse, _format);

        public async Task<(CustomerData? Data, ChurnPipeline? Pipeline, int? Fail)> LoadAsync(ParseResult parse, TextWriter output, TextWriter error, CancellationToken ct, Action<ChurnPipelineBuilder>? more = null)
        {
            var json = IsJson(parse);
            DateTimeOffset? until = null;
            if (parse.GetValue(_observedUntil) is { } u)
            {
                if (!Dates.TryParse(u, out var d))
                {
                    return (null, null, DataCommands.Usage(output, error, json, $"--observed-until '{u}' is not a date."));
                }

                until = d;
            }

            var eventsPath = parse.GetValue(_events)!;
            var customersPath = parse.GetValue(_customers);
            foreach (var path in new[] { eventsPath, customersPath })
            {
                if (path is not null && !File.Exists(path))
                {
                    return (null, null, DataCommands.Fatal(output, error, json, $"file '{path}' does not exist."));
                }
            }

            try
            {
                var builder = ChurnPipeline.CreateBuilder().WithLabels(o =>
                {
                    o.HorizonDays = parse.GetValue(Horizon) ?? 30;
                    o.Definition = parse.GetValue(_definition) == "contractual" ? ChurnDefinition.Contractual : ChurnDefinition.NonContractual;
                    o.ObservedUntil = until;
                }).WithLearners(ModelCommands.Learners);
                more?.Invoke(builder);
                var pipeline = builder.Build();
                var (log, profiles, events, customers) = await FeaturesCommands.LoadAsync(parse, eventsPath, customersPath, _columns, TerminalProgress.Enabled(output, json), ct).ConfigureAwait(false);
                return (new CustomerData(log, profiles, events, customers), pipeline, null);
            }
            catch (RuleSetFormatException ex)
            {
                return (null, null, DataCommands.Fatal(output, error, json, $"{parse.GetValue<string?>("--rules")}: {ex.Message}"));
            }
            catch (Exception ex) when (ex is IngestException or ModelFileException or ArgumentException or IOException)
            {
                return (null, null, DataCommands.Fatal(output, error, json, ex.Message));
            }
        }

        public static object Accounting(CustomerData data) => new
        {
            read = data.EventsReport?.Read ?? 0,
            accepted = data.EventsReport?.Accepted ?? 0,
            rejected = data.EventsReport?.Rejected ?? 0,
        };

        public static void WriteWarnings(TextWriter error, CustomerData data)
        {
            if (data.EventsReport is { } events)
            {
                FeaturesCommands.WriteIngestSummary(error, "events", events);
            }

            if (data.CustomersReport is { } customers)
            {
                FeaturesCommands.WriteIngestSummary(error, "customers", customers);
            }
        }

        public int ExitCode(ParseResult parse, CustomerData data) =>
            parse.GetValue(_strict) && ((data.EventsReport?.Rejected ?? 0) + (data.CustomersReport?.Rejected ?? 0)) > 0 ? ExitCodes.Rejected : ExitCodes.Ok;
    }
}
