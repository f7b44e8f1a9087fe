using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Churn.Abstractions;
using Churn.Data;
using Churn.Reports;
using Churn.Sdk;
using Churn.Segmentation;

namespace Churn.Cli.Commands;

/// <summary><c>churn segment</c>: place assessed customers in the segments of one or more schemes and profile them.</summary>
internal static class SegmentCommands
{
    public static Command Build(TextWriter output, TextWriter error)
    {
        var assessments = new Option<string>("--assessments") { Description = "The assessments (.jsonl from `churn assess`).", Required = true };
        var scheme = new Option<string>("--scheme") { Description = "The scheme file (JSON): value-risk, rfm, rules and kmeans schemes; a file saved by --save refits with its clusters' ids kept.", Required = true };
        var outFile = new Option<string>("--out") { Description = "The segments (.csv): customer_id and one column per scheme ('segment' when there is one).", Required = true };
        var customers = new Option<string?>("--customers") { Description = "A customers CSV (preferred channels, consent, attributes) for dimensions, rules and profiles." };
        var features = new Option<string?>("--features") { Description = "A features CSV (from `churn features build`) for RFM, rules and clusters on features, and the profiles' defining features." };
        var save = new Option<string?>("--save") { Description = "Also save the fitted schemes (cut points, RFM boundaries, centroids) as JSON: the segmenter of a pipeline (`AddSegmentation(o => o.File = ...)`), and --scheme of the next run." };
        var reportOption = ReportOutput.Option("segment sizes, value at risk, the value x risk map and the profiles");
        var maxErrors = new Option<int>("--max-errors") { Description = "How many rejected rows of --customers / --features to list.", DefaultValueFactory = _ => 20 };
        var format = Formats.Option();
        var command = new Command("segment", "Place every assessed customer in one segment per scheme (value x risk, RFM, rules, clusters, crossed with preferences) and profile the segments: size, churn rate, value, value at risk, defining features, channels.")
        {
            assessments, scheme, outFile, customers, features, save, reportOption, maxErrors, format,
        };
        command.SetAction(async (parse, ct) =>
        {
            var json = Formats.IsJson(parse, format);
            var clock = Stopwatch.StartNew();
            var outPath = parse.GetValue(outFile)!;
            if (!outPath.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
            {
                return DataCommands.Usage(output, error, json, $"--out '{outPath}': name a .csv file.");
            }

            var schemePath = parse.GetValue(scheme)!;
            string schemeText;
            try
            {
                schemeText = await File.ReadAllTextAsync(schemePath, ct).ConfigureAwait(false);
                _ = Segmenter.ReadSchemes(schemeText, schemePath);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
            {
                return DataCommands.Fatal(output, error, json, ex is FileNotFoundException or DirectoryNotFoundException ? $"--scheme '{schemePath}' does not exist." : ex.Message);
            }

            var report = new IngestReport(parse.GetValue(maxErrors));
            List<SegmentInput> inputs;
            try
            {
                var profiles = parse.GetValue(customers) is { } c ? ReadProfiles(c, report, ct) : null;
                var snapshots = parse.GetValue(features) is { } f ? ReadFeatures(f, report, ct) : null;
                var path = parse.GetValue(assessments)!;
                inputs = await AssessmentInput.ReadAsync(path, TerminalProgress.Enabled(output, json), "segment", (a, line) =>
                {
                    CustomerSnapshot? snapshot = null;
                    if (snapshots is not null && snapshots.TryGetValue(a.CustomerId, out var row))
                    {
                        if (row.AsOf is { } at && at != a.AsOf)
                        {
                            throw new AssessmentFileException(path, line, string.Create(CultureInfo.InvariantCulture, $"customer '{a.CustomerId}' is assessed as of {a.AsOf:yyyy-MM-ddTHH:mm:ssZ}, but --features holds their features as of {at:yyyy-MM-ddTHH:mm:ssZ}; build the features at the assessments' instant"));
                        }

                        snapshot = row.Snapshot;
                    }

                    CustomerProfile? profile = null;
                    profiles?.TryGetValue(a.CustomerId, out profile);
                    return new SegmentInput(a, snapshot is null ? null : new CustomerSnapshot(a.CustomerId, a.AsOf, snapshot.Schema, snapshot.Values.ToArray()), profile);
                }, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is AssessmentFileException or FileNotFoundException or IngestException or IOException)
            {
                return DataCommands.Fatal(output, error, json, ex.Message, report);
            }

            if (inputs.Count == 0)
            {
                return DataCommands.Fatal(output, error, json, $"--assessments '{parse.GetValue(assessments)}' holds no assessment.", report);
            }

            Segmenter segmentation;
            SegmentationResult result;
            string? reportPath = null;
            try
            {
                segmentation = Segmenter.FitJson(schemeText, inputs, refit: true, schemePath, ct);
                result = segmentation.Run(inputs, ct);
            }
            catch (Exception ex) when (ex is ArgumentException or SegmentRuleException)
            {
                return DataCommands.Fatal(output, error, json, ex.Message, report);
            }

            try
            {
                AtomicFile.Write(outPath, stream => WriteCsv(stream, inputs, result));
                if (parse.GetValue(save) is { } savePath)
                {
                    segmentation.Save(savePath);
                }

                if (parse.GetValue(reportOption) is { } reportDir)
                {
                    reportPath = ReportOutput.Save(SegmentReport.Create(result, inputs), reportDir, "segment-report.html", ct);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return DataCommands.Fatal(output, error, json, ex.Message, report);
            }

            var seconds = Math.Round(clock.Elapsed.TotalSeconds, 2);
            if (json)
            {
                Json.Write(output, new
                {
                    customers = inputs.Count,
                    schemes = result.Schemes.Select(s => new
                    {
                        id = s.Scheme.Id,
                        type = s.Scheme.Scheme.Kind,
                        segments = s.Profiles.Select(p => new
                        {
                            id = p.SegmentId,
                            name = p.Name,
                            customers = p.Customers,
                            meanProbability = p.MeanProbability is { } mp ? Math.Round(mp, 6) : (double?)null,
                            meanValue = Math.Round(p.MeanValue, 2),
                            valueAtRisk = Math.Round(p.ValueAtRisk, 2),
                            totalValue = Math.Round(p.TotalValue, 2),
                            churnRate = p.ChurnRate,
                            definingFeatures = p.DefiningFeatures.Select(d => d.Text),
                            preferredChannels = p.PreferredChannels.Select(c => new { channel = c.Channel, share = Math.Round(c.Share, 4) }),
                        }),
                    }),
                    @out = outPath,
                    saved = parse.GetValue(save),
                    report = reportPath,
                    rejected = report.Rejected,
                    seconds,
                });
            }
            else
            {
                foreach (var e in report.Errors)
                {
                    error.WriteLine($"warning: {e}");
                }

                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Segmented {inputs.Count:N0} customers with {result.Schemes.Count} scheme(s) in {seconds:0.0} s. Wrote {outPath}{(parse.GetValue(save) is { } sp ? " and " + sp : string.Empty)}."));
                foreach (var s in result.Schemes)
                {
                    output.WriteLine();
                    output.WriteLine($"{s.Scheme.Id} ({s.Scheme.Scheme.Kind}):");
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {"segment",-32} {"customers",10} {"mean p",8} {"mean value",12} {"value at risk",14}"));
                    foreach (var p in s.Profiles.Where(p => p.Customers > 0))
                    {
                        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {p.SegmentId,-32} {p.Customers,10:N0} {(p.MeanProbability is { } m ? m.ToString("0.000", CultureInfo.InvariantCulture) : "-"),8} {p.MeanValue,12:N2} {p.ValueAtRisk,14:N2}"));
                    }
                }
            }

            return report.Rejected == 0 ? ExitCodes.Ok : ExitCodes.Rejected;
        });
        return command;
    }

    private static void WriteCsv(Stream stream, List<SegmentInput> inputs, SegmentationResult result)
    {
        using var w = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16);
        w.Write("customer_id");
        if (result.Schemes.Count == 1)
        {
            w.Write(",segment");
        }
        else
        {
            foreach (var s in result.Schemes)
            {
                w.Write(',');
                w.Write(CsvField.Quote(s.Scheme.Id));
            }
        }

        w.Write('\n');
        for (var i = 0; i < inputs.Count; i++)
        {
            w.Write(CsvField.Quote(inputs[i].CustomerId.Value));
            foreach (var s in result.Schemes)
            {
                w.Write(',');
                w.Write(CsvField.Quote(s.Segments[i]));
            }

            w.Write('\n');
        }
    }

    private static Dictionary<CustomerId, CustomerProfile> ReadProfiles(string path, IngestReport report, CancellationToken ct) =>
        new CsvCustomerReader().ReadFile(path, report, ct).ToDictionary(p => p.Id);

    /// <summary>Reads a features file: customer_id, optionally as_of, then numbers; one row per customer.</summary>
    private static Dictionary<CustomerId, (CustomerSnapshot Snapshot, DateTimeOffset? AsOf)> ReadFeatures(string path, IngestReport report, CancellationToken ct)
    {
        // as_of is optional: read as text when the header has it.
        var header = File.Exists(path) ? File.ReadLines(path).FirstOrDefault() ?? string.Empty : string.Empty;
        var hasAsOf = header.Split(',').Any(h => h.Trim().Trim('"') == "as_of");
        var table = CsvTable.Read(path, report, new CsvTableOptions { TextColumns = hasAsOf ? ["customer_id", "as_of"] : ["customer_id"], RequiredColumns = ["customer_id"] }, ct);
        var ids = table.Columns[table.IndexOf("customer_id")].Texts!;
        var asOf = table.IndexOf("as_of") is var a and >= 0 ? table.Columns[a].Texts : null;
        var numbers = table.Columns.Where(c => c.Kind == CsvColumnKind.Number).ToArray();
        var schema = new FeatureSchema(numbers.Select(c => new FeatureDefinition(c.Name, FeatureKind.Number, c.Name.Replace('_', ' '))));
        var result = new Dictionary<CustomerId, (CustomerSnapshot, DateTimeOffset?)>(table.RowCount);
        for (var r = 0; r < table.RowCount; r++)
        {
            if (string.IsNullOrEmpty(ids[r]))
            {
                continue;
            }

            var id = new CustomerId(ids[r]!);
            var values = new double[numbers.Length];
            for (var j = 0; j < numbers.Length; j++)
            {
                values[j] = numbers[j].Numbers![r];
            }

            DateTimeOffset? at = asOf?[r] is { } text && Dates.TryParse(text, out var parsed) ? parsed : null;
            if (!result.TryAdd(id, (new CustomerSnapshot(id, DateTimeOffset.MinValue, schema, values), at)))
            {
                throw new IngestException(new IngestError(Path.GetFileName(path), table.Lines[r], 1, ids[r], $"customer '{ids[r]}' has two rows; segment features of one instant"));
            }
        }

        return result;
    }
}
