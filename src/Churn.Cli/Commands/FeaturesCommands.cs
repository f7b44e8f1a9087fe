using System.CommandLine;
using System.Globalization;
using Churn.Abstractions;
using Churn.Data;

namespace Churn.Cli.Commands;

/// <summary><c>churn features build</c>.</summary>
internal static class FeaturesCommands
{
    public static Command Build(TextWriter output, TextWriter error)
    {
        var features = new Command("features", "Build point-in-time feature snapshots.");
        features.Subcommands.Add(BuildCommand(output, error));
        return features;
    }

    /// <summary>Reads events (and profiles) into a log; reports rejected rows to the error writer.</summary>
    internal static async Task<(EventLog Log, Dictionary<CustomerId, CustomerProfile>? Profiles, IngestReport Events, IngestReport? Customers)> LoadAsync(
        ParseResult parse, string eventsPath, string? customersPath, EventColumnOptions columns, bool progress, CancellationToken ct)
    {
        var builder = new EventLogBuilder();
        Dictionary<CustomerId, CustomerProfile>? profiles = null;
        IngestReport? customerReport = null;
        if (customersPath is not null)
        {
            customerReport = new IngestReport(1000);
            profiles = new CsvCustomerReader().ReadFile(customersPath, customerReport, ct).ToDictionary(p => p.Id);
            foreach (var id in profiles.Keys)
            {
                builder.AddCustomer(id);
            }
        }

        var report = await DataCommands.ReadEventsIntoAsync(eventsPath, columns.Read(parse), 1000, progress, builder, ct).ConfigureAwait(false);
        return (builder.Build(ct), profiles, report, customerReport);
    }

    /// <summary>Warnings aggregated: the count and the first few, never one line per cell.</summary>
    internal static void WriteWarnings(TextWriter writer, string title, IngestReport report, int show)
    {
        if (report.WarningCount == 0)
        {
            return;
        }

        writer.WriteLine(title);
        foreach (var w in report.Warnings.Take(show))
        {
            writer.WriteLine("  " + w);
        }

        if (report.WarningCount > show)
        {
            writer.WriteLine($"  ... and {report.WarningCount - show:N0} more (--format json lists the first 100)");
        }
    }

    /// <summary>The accounting of one input in a JSON summary: counts, the first errors and warnings.</summary>
    internal static object Accounting(IngestReport report) => new
    {
        read = report.Read,
        accepted = report.Accepted,
        rejected = report.Rejected,
        errors = report.Errors.Take(100).Select(e => new { line = e.Line, column = e.Column, message = e.Message }),
        warnings = report.WarningCount,
        warningExamples = report.Warnings.Take(100).Select(e => new { line = e.Line, column = e.Column, message = e.Message }),
    };

    internal static void WriteIngestSummary(TextWriter error, string what, IngestReport report)
    {
        WriteWarnings(error, $"warning: {what}: {report.WarningCount:N0} values were read with a warning:", report, 5);

        if (report.IsClean)
        {
            return;
        }

        error.WriteLine($"warning: {what}: {report}; the rejected rows were left out:");
        foreach (var e in report.Errors.Take(20))
        {
            error.WriteLine("  " + e);
        }

        if (report.Rejected > 20)
        {
            error.WriteLine($"  ... and {report.Rejected - 20} more (run 'churn data validate' to list them all)");
        }
    }

    private static Command BuildCommand(TextWriter output, TextWriter error)
    {
        var events = new Option<string>("--events") { Description = "The events CSV file.", Required = true };
        var customers = new Option<string?>("--customers") { Description = "Optional customers CSV (customer_id, signup_date, ...): gives tenure from the signup date and includes customers with no events." };
        var asOf = new Option<string>("--as-of") { Description = "The instant the snapshots describe; later events are never used.", Required = true };
        var windows = new Option<string>("--windows") { Description = "Window lengths in days, comma-separated.", DefaultValueFactory = _ => "7,30,90" };
        var outFile = new Option<string>("--out") { Description = "The snapshots CSV to write.", Required = true };
        var strict = new Option<bool>("--strict") { Description = "Fail (exit 1) when any input row is rejected; nothing is written then." };
        var format = Formats.Option();
        var columns = new EventColumnOptions();
        var command = new Command("build", "Write one snapshot per customer known at --as-of: recency, frequency, monetary, windowed counts and trends, tickets, complaints, feedback, usage decline, payment failures.");
        command.Options.Add(events);
        command.Options.Add(customers);
        command.Options.Add(asOf);
        command.Options.Add(windows);
        command.Options.Add(outFile);
        command.Options.Add(strict);
        columns.AddTo(command);
        command.Options.Add(format);
        command.SetAction(async (parse, ct) =>
        {
            var json = Formats.IsJson(parse, format);
            if (!Dates.TryParse(parse.GetValue(asOf), out var asOfDate))
            {
                return DataCommands.Usage(output, error, json, $"--as-of '{parse.GetValue(asOf)}' is not a date (use 2026-01-01 or 2026-01-01T00:00:00Z).");
            }

            var windowDays = new List<int>();
            foreach (var part in parse.GetValue(windows)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var d))
                {
                    return DataCommands.Usage(output, error, json, $"--windows: '{part}' is not a whole number of days.");
                }

                windowDays.Add(d);
            }

            FeatureBuilder builder;
            try
            {
                builder = new FeatureBuilder(new FeatureBuilderOptions { WindowDays = windowDays });
            }
            catch (ArgumentException ex)
            {
                return DataCommands.Fatal(output, error, json, ex.Message);
            }

            var eventsPath = parse.GetValue(events)!;
            var customersPath = parse.GetValue(customers);
            foreach (var path in new[] { eventsPath, customersPath })
            {
                if (path is not null && !File.Exists(path))
                {
                    return DataCommands.Fatal(output, error, json, $"file '{path}' does not exist.");
                }
            }

            EventLog log;
            Dictionary<CustomerId, CustomerProfile>? profiles;
            IngestReport eventReport;
            IngestReport? customerReport;
            try
            {
                (log, profiles, eventReport, customerReport) = await LoadAsync(parse, eventsPath, customersPath, columns, TerminalProgress.Enabled(output, json), ct).ConfigureAwait(false);
            }
            catch (IngestException ex)
            {
                return DataCommands.Fatal(output, error, json, ex.Message);
            }

            var batch = builder.BuildAll(log, asOfDate, profiles, cancellationToken: ct);
            var outPath = parse.GetValue(outFile)!;
            var rejected = eventReport.Rejected + (customerReport?.Rejected ?? 0);
            var refused = rejected > 0 && parse.GetValue(strict);
            if (!refused)
            {
                // Whole or not at all: a failed run leaves an earlier snapshots file as it was.
                AtomicFile.Write(outPath, stream =>
                {
                    using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false), 1 << 16);
                    batch.WriteCsv(writer, ct);
                });
            }

            if (json)
            {
                Json.Write(output, new
                {
                    snapshots = refused ? 0 : batch.Count,
                    features = batch.Schema.Count,
                    asOf = asOfDate,
                    @out = refused ? null : outPath,
                    events = Accounting(eventReport),
                    customers = customerReport is null ? null : Accounting(customerReport),
                });
            }
            else
            {
                WriteIngestSummary(error, eventsPath, eventReport);
                if (customerReport is not null)
                {
                    WriteIngestSummary(error, customersPath!, customerReport);
                }

                output.WriteLine(refused
                    ? $"--strict: {rejected:N0} input rows were rejected, so nothing was written."
                    : $"Wrote {batch.Count:N0} snapshots x {batch.Schema.Count} features as of {asOfDate:yyyy-MM-dd HH:mm}Z to {outPath} (events: {eventReport}).");
            }

            return refused ? ExitCodes.Rejected : ExitCodes.Ok;
        });
        return command;
    }
}
