using System.CommandLine;
using Churn.Abstractions;
using Churn.Data;

namespace Churn.Cli.Commands;

/// <summary><c>churn data validate</c> and <c>churn data generate</c>.</summary>
internal static class DataCommands
{
    private static readonly string[] SyntheticFiles = ["customers.csv", "events.csv", "truth.csv"];

    public static Command Build(TextWriter output, TextWriter error)
    {
        var data = new Command("data", "Check and create customer data.");
        data.Subcommands.Add(Validate(output, error));
        data.Subcommands.Add(Generate(output, error));
        return data;
    }

    /// <summary>Reads an events file with the given mapping, reporting progress on a terminal.</summary>
    /// <remarks>Events stream into <paramref name="sink"/>: a file larger than memory never sits in a list.</remarks>
    internal static async Task<IngestReport> ReadEventsAsync(
        string path, CsvEventReaderOptions options, int maxErrors, bool showProgress, Action<CustomerEvent> sink, CancellationToken cancellationToken)
    {
        var length = new FileInfo(path).Length;
        return await TerminalProgress.RunAsync(showProgress, $"Reading {Path.GetFileName(path)}", length, progress => Task.Run(
            () =>
            {
                var report = new IngestReport(maxErrors);
                var stream = new ProgressStream(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan), progress);
                foreach (var e in new CsvEventReader(options).Read(stream, Path.GetFileName(path), report, cancellationToken))
                {
                    sink(e);
                }

                return report;
            },
            cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Reads an events file straight into a log builder (no event objects), with a progress bar on a terminal.</summary>
    internal static async Task<IngestReport> ReadEventsIntoAsync(
        string path, CsvEventReaderOptions options, int maxErrors, bool showProgress, EventLogBuilder builder, CancellationToken cancellationToken)
    {
        var length = new FileInfo(path).Length;
        return await TerminalProgress.RunAsync(showProgress, $"Reading {Path.GetFileName(path)}", length, progress => Task.Run(
            () =>
            {
                var report = new IngestReport(maxErrors);
                var stream = new ProgressStream(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan), progress);
                new CsvEventReader(options).ReadInto(stream, Path.GetFileName(path), report, builder, cancellationToken);
                return report;
            },
            cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>An input cannot be used (exit 3): the message, and in JSON the accounting so far.</summary>
    internal static int Fatal(TextWriter output, TextWriter error, bool json, string message, IngestReport? report = null) =>
        Stop(output, error, json, message, report, ExitCodes.Unusable);

    /// <summary>An argument is wrong (exit 2): the message, and a pointer to --help.</summary>
    internal static int Usage(TextWriter output, TextWriter error, bool json, string message) =>
        Stop(output, error, json, message + " See --help.", null, ExitCodes.Usage);

    private static int Stop(TextWriter output, TextWriter error, bool json, string message, IngestReport? report, int exit)
    {
        // ArgumentException's " (Parameter 'x')" names a C# parameter, which means nothing on a command line.
        message = System.Text.RegularExpressions.Regex.Replace(message, @" \(Parameter '[^']*'\)", string.Empty);
        if (json)
        {
            var errors = (report?.Errors.Select(e => new { line = e.Line, column = e.Column, message = e.Message }) ?? []).Append(new { line = 0L, column = 0, message });
            Json.Write(output, new { read = report?.Read ?? 0, accepted = report?.Accepted ?? 0, rejected = report?.Rejected ?? 0, errors, fatal = message });
        }
        else
        {
            // What was read comes first: when every row was rejected, the rows say why, not the fit.
            if (report is not null)
            {
                FeaturesCommands.WriteIngestSummary(error, "input", report);
            }

            error.WriteLine("error: " + message);
        }

        return exit;
    }

    private static Command Validate(TextWriter output, TextWriter error)
    {
        var events = new Option<string>("--events") { Description = "The events CSV file.", Required = true };
        var maxErrors = new Option<int>("--max-errors") { Description = "How many errors to list (all are counted).", DefaultValueFactory = _ => 1000 };
        var format = Formats.Option();
        var columns = new EventColumnOptions();
        var command = new Command(
            "validate",
            "Read an events CSV (default columns customer_id, timestamp, type, amount, event_id) and report rows read, accepted and rejected with each error's line and column. Exit code 0 only when nothing was rejected.");
        command.Options.Add(events);
        columns.AddTo(command);
        command.Options.Add(maxErrors);
        command.Options.Add(format);
        command.SetAction(async (parse, ct) =>
        {
            var json = Formats.IsJson(parse, format);
            var path = parse.GetValue(events)!;
            if (!File.Exists(path))
            {
                return Fatal(output, error, json, $"file '{path}' does not exist.");
            }

            var customers = new HashSet<CustomerId>();
            IngestReport report;
            try
            {
                report = await ReadEventsAsync(path, columns.Read(parse), Math.Max(0, parse.GetValue(maxErrors)), TerminalProgress.Enabled(output, json), e => customers.Add(e.CustomerId), ct).ConfigureAwait(false);
            }
            catch (IngestException ex)
            {
                return Fatal(output, error, json, ex.Message);
            }

            if (json)
            {
                Json.Write(output, new
                {
                    read = report.Read,
                    accepted = report.Accepted,
                    rejected = report.Rejected,
                    errors = report.Errors.Select(e => new { line = e.Line, column = e.Column, message = e.Message, columnName = e.ColumnName }),
                    blankLines = report.BlankLines,
                    errorsTruncated = report.ErrorsTruncated,
                    customers = customers.Count,
                    file = path,
                    warnings = report.WarningCount,
                    warningExamples = report.Warnings.Take(100).Select(e => new { line = e.Line, column = e.Column, message = e.Message, columnName = e.ColumnName }),
                });
            }
            else
            {
                output.WriteLine($"{path}: read {report.Read}, accepted {report.Accepted}, rejected {report.Rejected}" + (report.BlankLines > 0 ? $" ({report.BlankLines} blank lines skipped)" : string.Empty));
                foreach (var e in report.Errors)
                {
                    output.WriteLine("  " + e);
                }

                if (report.ErrorsTruncated)
                {
                    output.WriteLine($"  ... and {report.Rejected - report.Errors.Count} more (raise --max-errors to list them)");
                }

                FeaturesCommands.WriteWarnings(output, $"{report.WarningCount:N0} warnings (rows read, but worth a look):", report, 10);
            }

            return report.IsClean ? ExitCodes.Ok : ExitCodes.Rejected;
        });
        return command;
    }

    private static Command Generate(TextWriter output, TextWriter error)
    {
        var customers = new Option<int>("--customers") { Description = "Number of customers (1 to 10,000,000).", DefaultValueFactory = _ => 10_000 };
        var seed = new Option<long>("--seed") { Description = "Seed: the same seed gives the same base.", DefaultValueFactory = _ => 42 };
        var outDir = new Option<string>("--out") { Description = "Folder to write customers.csv, events.csv and truth.csv into.", Required = true };
        var asOf = new Option<string>("--as-of") { Description = "As-of date of the planted truth; the data runs 30 days past it.", DefaultValueFactory = _ => "2026-01-01" };
        var months = new Option<int>("--history-months") { Description = "Months of history before the as-of date.", DefaultValueFactory = _ => 12 };
        var logins = new Option<double>("--logins-per-month") { Description = "Mean logins per customer per month.", DefaultValueFactory = _ => 4 };
        var noIds = new Option<bool>("--no-event-ids") { Description = "Leave out the event_id column." };
        var format = Formats.Option();
        var command = new Command("generate", "Write a synthetic customer base with planted churn drivers and known per-customer churn probabilities.");
        foreach (var o in new Option[] { customers, seed, outDir, asOf, months, logins, noIds, format })
        {
            command.Options.Add(o);
        }

        command.SetAction(async (parse, ct) =>
        {
            var json = Formats.IsJson(parse, format);
            if (!Dates.TryParse(parse.GetValue(asOf), out var asOfDate))
            {
                return Usage(output, error, json, $"--as-of '{parse.GetValue(asOf)}' is not a date (use 2026-01-01).");
            }

            var options = new SyntheticOptions
            {
                Customers = parse.GetValue(customers),
                Seed = parse.GetValue(seed),
                AsOf = asOfDate,
                HistoryMonths = parse.GetValue(months),
                LoginsPerMonth = parse.GetValue(logins),
                IncludeEventIds = !parse.GetValue(noIds),
            };
            SyntheticCustomerBase generator;
            try
            {
                generator = new SyntheticCustomerBase(options);
            }
            catch (ArgumentException ex)
            {
                return Fatal(output, error, json, ex.Message);
            }

            var dir = parse.GetValue(outDir)!;
            var (n, eventCount) = await TerminalProgress.RunAsync(
                TerminalProgress.Enabled(output, json),
                "Generating customers",
                options.Customers,
                p => generator.WriteCsvAsync(dir, new Progress<int>(v => p.Report(v)), ct)).ConfigureAwait(false);
            if (json)
            {
                Json.Write(output, new
                {
                    customers = n,
                    events = eventCount,
                    seed = options.Seed,
                    asOf = options.AsOf,
                    dataEnd = generator.DataEnd,
                    files = SyntheticFiles.Select(f => Path.Combine(dir, f)),
                });
            }
            else
            {
                output.WriteLine($"Wrote {n:N0} customers and {eventCount:N0} events to {dir} (seed {options.Seed}, as-of {options.AsOf:yyyy-MM-dd}, data until {generator.DataEnd:yyyy-MM-dd}).");
                output.WriteLine("  customers.csv  profiles (signup, owner, channels, consent, plan, region, age band)");
                output.WriteLine("  events.csv     purchases, logins, tickets, complaints, payment failures, feedback, subscription start/cancel");
                output.WriteLine("  truth.csv      planted churn probability at the as-of date and whether each customer churned in the next 30 days");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
