using System.CommandLine;
using Churn.Abstractions;
using Churn.Data;

namespace Churn.Cli.Commands;

/// <summary><c>churn labels build</c>.</summary>
internal static class LabelsCommands
{
    public static Command Build(TextWriter output, TextWriter error)
    {
        var labels = new Command("labels", "Build churn labels for a prediction horizon.");
        labels.Subcommands.Add(BuildCommand(output, error));
        return labels;
    }

    private static Command BuildCommand(TextWriter output, TextWriter error)
    {
        var events = new Option<string>("--events") { Description = "The events CSV file.", Required = true };
        var asOf = new Option<string>("--as-of") { Description = "The instant the labels look forward from.", Required = true };
        var horizon = new Option<int>("--horizon") { Description = "Prediction horizon in days (for non-contractual churn also the inactivity period).", DefaultValueFactory = _ => 30 };
        var definition = new Option<string>("--definition") { Description = "contractual (a cancellation in the horizon) or non-contractual (no activity in the horizon).", DefaultValueFactory = _ => "contractual" }
            .AcceptOnlyFromAmong("contractual", "non-contractual");
        var observedUntil = new Option<string?>("--observed-until") { Description = "The instant up to which the data is complete (default: the last event)." };
        var outFile = new Option<string>("--out") { Description = "The labels CSV to write (customer_id, as_of, churned).", Required = true };
        var format = Formats.Option();
        var columns = new EventColumnOptions();
        var command = new Command("build", "Label every customer at risk at --as-of as churned or not; customers already churned then are left out.");
        foreach (var o in new Option[] { events, asOf, horizon, definition, observedUntil, outFile })
        {
            command.Options.Add(o);
        }

        columns.AddTo(command);
        command.Options.Add(format);
        command.SetAction(async (parse, ct) =>
        {
            var json = Formats.IsJson(parse, format);
            if (!Dates.TryParse(parse.GetValue(asOf), out var asOfDate))
            {
                return DataCommands.Usage(output, error, json, $"--as-of '{parse.GetValue(asOf)}' is not a date.");
            }

            DateTimeOffset? until = null;
            if (parse.GetValue(observedUntil) is { } u)
            {
                if (!Dates.TryParse(u, out var d))
                {
                    return DataCommands.Usage(output, error, json, $"--observed-until '{u}' is not a date.");
                }

                until = d;
            }

            var path = parse.GetValue(events)!;
            if (!File.Exists(path))
            {
                return DataCommands.Fatal(output, error, json, $"file '{path}' does not exist.");
            }

            EventLog log;
            IngestReport report;
            try
            {
                (log, _, report, _) = await FeaturesCommands.LoadAsync(parse, path, null, columns, TerminalProgress.Enabled(output, json), ct).ConfigureAwait(false);
            }
            catch (IngestException ex)
            {
                return DataCommands.Fatal(output, error, json, ex.Message);
            }

            IReadOnlyList<ChurnLabel> labels;
            try
            {
                var builder = new LabelBuilder(new LabelOptions
                {
                    HorizonDays = parse.GetValue(horizon),
                    Definition = parse.GetValue(definition) == "contractual" ? ChurnDefinition.Contractual : ChurnDefinition.NonContractual,
                    ObservedUntil = until,
                });
                labels = builder.LabelAll(log, asOfDate);
            }
            catch (ArgumentException ex)
            {
                return DataCommands.Fatal(output, error, json, ex.Message);
            }

            var outPath = parse.GetValue(outFile)!;
            AtomicFile.Write(outPath, stream =>
            {
                using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false));
                writer.Write("customer_id,as_of,churned\n");
                foreach (var l in labels)
                {
                    writer.Write($"{CsvField.Quote(l.CustomerId.Value)},{l.AsOf.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ},{(l.Churned ? "true" : "false")}\n");
                }
            });

            var churned = labels.Count(l => l.Churned);
            if (json)
            {
                Json.Write(output, new { customers = labels.Count, churned, churnRate = labels.Count == 0 ? 0 : churned / (double)labels.Count, @out = outPath, events = new { read = report.Read, accepted = report.Accepted, rejected = report.Rejected } });
            }
            else
            {
                FeaturesCommands.WriteIngestSummary(error, path, report);
                output.WriteLine($"Labelled {labels.Count:N0} customers at risk on {asOfDate:yyyy-MM-dd}: {churned:N0} churned within {parse.GetValue(horizon)} days ({(labels.Count == 0 ? 0 : churned / (double)labels.Count):P1}). Wrote {outPath}.");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
