using System.CommandLine;
using System.Globalization;
using System.Text;
using Churn.Abstractions;
using Churn.Data;
using Churn.Interventions;
using Churn.Sdk;
using Churn.Storage.Sqlite;

namespace Churn.Cli.Commands;

/// <summary><c>churn plan</c> (next best actions within budgets, limits and caps, with a holdout on every playbook) and <c>churn poll results</c> (NPS and CSAT by segment).</summary>
internal static class InterventionCommands
{
    /// <summary>The environment variable holding the holdout key when --holdout-key is not given.</summary>
    public const string KeyVariable = "CHURN_HOLDOUT_KEY";

    private static readonly string[] PollColumns = ["poll", "kind", "segment"];

    public static Command Plan(TextWriter output, TextWriter error)
    {
        var assessments = new Option<string>("--assessments") { Description = "The assessments (.jsonl from `churn assess`), one per customer.", Required = true };
        var playbooks = new Option<string>("--playbooks") { Description = "The playbooks file (JSON; see docs/interventions.md).", Required = true };
        var offers = new Option<string>("--offers") { Description = "The offer catalogue (JSON): offers, compensation limits, approvals.", Required = true };
        var segments = new Option<string?>("--segments") { Description = "Segments (.csv from `churn segment`): customer_id and a segment column; overrides the assessments' segments." };
        var segmentColumn = new Option<string?>("--segment-column") { Description = "The column of --segments to use (default 'segment', else the first after customer_id)." };
        var customers = new Option<string?>("--customers") { Description = "A customers CSV: preferred channels, consent (and consent_<channel> attributes), owner." };
        var budget = new Option<decimal?>("--budget") { Description = "The most the plan may spend on contacts and offers (default: no limit)." };
        var asOf = new Option<string?>("--as-of") { Description = "The plan's instant (ISO 8601; default: the assessments' latest instant)." };
        var since = new Option<string?>("--since") { Description = "The previous plan's instant: cadences and alerts after it start playbooks (default: a day before --as-of)." };
        var outFile = new Option<string>("--out") { Description = "The plan (.csv): customer_id, playbook, action, channel, offer, cost, owner, holdout, expected_value, then segment, tier, due, reason, approved_by, decision_id.", Required = true };
        var key = new Option<string?>("--holdout-key") { Description = $"The holdout's secret key (default: ${KeyVariable}, else the playbooks file's holdout.key)." };
        var store = new Option<string?>("--store") { Description = "A SQLite store: earlier decisions there count against caps, windows and budgets, and this plan's decisions and holdouts are added to it." };
        var maxErrors = new Option<int>("--max-errors") { Description = "How many rejected rows of --customers / --segments to list.", DefaultValueFactory = _ => 20 };
        var format = Formats.Option();
        var command = new Command("plan", "Plan the next best action of every assessed customer: the playbook run (and offer) of most expected net retained value, P(churn) x uplift x value - cost, within the budget, each offer's budget and cap, the compensation limits, the contact window and cap and quiet periods; every playbook holds out a share of its customers (never contacted, logged like the treated).")
        {
            assessments, playbooks, offers, segments, segmentColumn, customers, budget, asOf, since, outFile, key, store, maxErrors, format,
        };
        command.SetAction(async (parse, ct) =>
        {
            var json = Formats.IsJson(parse, format);
            var outPath = parse.GetValue(outFile)!;
            if (!outPath.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
            {
                return DataCommands.Usage(output, error, json, $"--out '{outPath}': name a .csv file.");
            }

            if (parse.GetValue(budget) is < 0)
            {
                return DataCommands.Usage(output, error, json, "--budget cannot be negative.");
            }

            DateTimeOffset? at = null, previous = null;
            if (parse.GetValue(asOf) is { } asOfText)
            {
                if (!Dates.TryParse(asOfText, out var parsed))
                {
                    return DataCommands.Usage(output, error, json, $"--as-of '{asOfText}' is not an ISO 8601 date or instant.");
                }

                at = parsed;
            }

            if (parse.GetValue(since) is { } sinceText)
            {
                if (!Dates.TryParse(sinceText, out var parsed))
                {
                    return DataCommands.Usage(output, error, json, $"--since '{sinceText}' is not an ISO 8601 date or instant.");
                }

                previous = parsed;
            }

            PlaybookSet set;
            OfferCatalog catalog;
            try
            {
                set = PlaybookSet.Parse(await ReadText(parse.GetValue(playbooks)!, "--playbooks", ct).ConfigureAwait(false), parse.GetValue(playbooks));
                catalog = OfferCatalog.Parse(await ReadText(parse.GetValue(offers)!, "--offers", ct).ConfigureAwait(false), parse.GetValue(offers));
            }
            catch (Exception ex) when (ex is InterventionFileException or FileNotFoundException or IOException)
            {
                return DataCommands.Fatal(output, error, json, ex.Message);
            }

            var keyText = parse.GetValue(key) ?? Environment.GetEnvironmentVariable(KeyVariable) ?? set.Holdout?.Key;
            if (string.IsNullOrEmpty(keyText) || keyText.Length < 16)
            {
                return DataCommands.Usage(output, error, json, $"the holdout needs a secret key of at least 16 characters: --holdout-key, ${KeyVariable}, or holdout.key in the playbooks file.");
            }

            var holdout = new Holdout(new HoldoutOptions { Key = keyText, Share = set.Holdout?.Share ?? 0.1, Period = set.Holdout?.Period ?? HoldoutPeriod.Never });
            InterventionPlanner planner;
            try
            {
                planner = new InterventionPlanner(set, catalog, holdout);
            }
            catch (ArgumentException ex)
            {
                return DataCommands.Fatal(output, error, json, ex.Message);
            }

            var report = new IngestReport(parse.GetValue(maxErrors));
            List<PlanCustomer> list;
            try
            {
                var profiles = parse.GetValue(customers) is { } c ? new CsvCustomerReader().ReadFile(c, report, ct).ToDictionary(p => p.Id) : null;
                var segmentOf = parse.GetValue(segments) is { } s ? ReadSegments(s, parse.GetValue(segmentColumn), report, ct) : null;
                list = await AssessmentInput.ReadAsync(parse.GetValue(assessments)!, TerminalProgress.Enabled(output, json), "plan", (a, _) => new PlanCustomer(a)
                {
                    Profile = profiles?.GetValueOrDefault(a.CustomerId),
                    Segment = segmentOf?.GetValueOrDefault(a.CustomerId),
                }, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is AssessmentFileException or FileNotFoundException or IngestException or IOException)
            {
                return DataCommands.Fatal(output, error, json, ex.Message, report);
            }

            if (list.Count == 0)
            {
                return DataCommands.Fatal(output, error, json, $"--assessments '{parse.GetValue(assessments)}' holds no assessment.", report);
            }

            var instant = at ?? list.Max(x => x.Assessment.AsOf);
            SqliteChurnStore? db = null;
            try
            {
                InterventionHistory? history = null;
                if (parse.GetValue(store) is { } dbPath)
                {
                    db = SqliteChurnStore.Open(new SqliteStoreOptions { Path = dbPath });
                    history = await InterventionHistory.ReadAsync(db, instant, cancellationToken: ct).ConfigureAwait(false);
                }

                var plan = TerminalProgress.Status(TerminalProgress.Enabled(output, json), "Planning", _ => planner.Plan(list, new PlanRequest(instant) { Since = previous, Budget = parse.GetValue(budget), History = history }, ct));
                AtomicFile.Write(outPath, stream => WritePlan(stream, plan));
                var stored = 0;
                if (db is not null && plan.Items.Count > 0)
                {
                    await db.AssignHoldoutsAsync(plan.ToHoldoutAssignments(), ct).ConfigureAwait(false);
                    stored = await db.AddDecisionsAsync(plan.ToDecisions(), ct).ConfigureAwait(false);
                }

                WriteSummary(output, json, plan, outPath, db is null ? null : stored, report);
                return report.Rejected > 0 ? ExitCodes.Rejected : ExitCodes.Ok;
            }
            catch (ChurnStoreException ex)
            {
                return DataCommands.Fatal(output, error, json, ex.Message, report);
            }
            catch (InvalidOperationException ex)
            {
                return DataCommands.Fatal(output, error, json, ex.Message, report);
            }
            finally
            {
                db?.Dispose();
            }
        });
        return command;
    }

    public static Command Poll(TextWriter output, TextWriter error)
    {
        var poll = new Command("poll", "Satisfaction polls.");
        var events = new Option<string>("--events") { Description = "An events CSV holding the poll responses as feedback events (type 'feedback', the score as amount; optional columns poll, kind, segment).", Required = true };
        var segments = new Option<string?>("--segments") { Description = "Segments (.csv from `churn segment`): customer_id and a segment column (default: the events' segment column, else all)." };
        var segmentColumn = new Option<string?>("--segment-column") { Description = "The column of --segments to use (default 'segment', else the first after customer_id)." };
        var kind = new Option<string>("--kind") { Description = "nps, csat, or auto: a poll's 'kind' column, else NPS when a score is 0 or above 5, else CSAT.", DefaultValueFactory = _ => "auto" };
        kind.AcceptOnlyFromAmong("auto", "nps", "csat");
        var maxErrors = new Option<int>("--max-errors") { Description = "How many rejected rows to list.", DefaultValueFactory = _ => 20 };
        var format = Formats.Option();
        var columns = new EventColumnOptions();
        var results = new Command("results", "NPS (promoters 9-10 minus detractors 0-6, in points) and CSAT (share of 4s and 5s, in percent) of every poll: overall, by segment and by month. Scores outside the poll's range are counted and left out (exit 1).");
        results.Options.Add(events);
        columns.AddTo(results);
        results.Options.Add(segments);
        results.Options.Add(segmentColumn);
        results.Options.Add(kind);
        results.Options.Add(maxErrors);
        results.Options.Add(format);
        results.SetAction(async (parse, ct) =>
        {
            var json = Formats.IsJson(parse, format);
            var path = parse.GetValue(events)!;
            if (!File.Exists(path))
            {
                return DataCommands.Fatal(output, error, json, $"--events '{path}' does not exist.");
            }

            var options = columns.Read(parse);
            var header = (File.ReadLines(path).FirstOrDefault() ?? string.Empty).Split(options.Delimiter).Select(h => h.Trim().Trim('"')).ToHashSet(StringComparer.Ordinal);
            foreach (var name in PollColumns.Where(header.Contains))
            {
                options.AttributeColumns.Add(name);
            }

            var feedback = new List<CustomerEvent>();
            IngestReport report;
            var segmentReport = new IngestReport(parse.GetValue(maxErrors));
            Dictionary<CustomerId, string>? segmentOf;
            try
            {
                segmentOf = parse.GetValue(segments) is { } s ? ReadSegments(s, parse.GetValue(segmentColumn), segmentReport, ct) : null;
                report = await DataCommands.ReadEventsAsync(path, options, Math.Max(0, parse.GetValue(maxErrors)), TerminalProgress.Enabled(output, json), e =>
                {
                    if (e.Type == CustomerEventType.Feedback)
                    {
                        feedback.Add(e);
                    }
                }, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IngestException or IOException)
            {
                return DataCommands.Fatal(output, error, json, ex.Message);
            }

            var forced = parse.GetValue(kind) switch { "nps" => PollKind.Nps, "csat" => PollKind.Csat, _ => (PollKind?)null };
            var answers = new List<PollAnswer>();
            var invalid = new List<string>();
            var kinds = new Dictionary<string, (PollKind Kind, bool Inferred)>(StringComparer.Ordinal);
            foreach (var group in feedback.GroupBy(e => e.Attributes?.GetValueOrDefault("poll") ?? "feedback"))
            {
                var declared = group.Select(e => e.Attributes?.GetValueOrDefault("kind")).FirstOrDefault(k => k is not null);
                var scores = group.Select(Score).Where(x => x is not null).Select(x => x!.Value).ToList();
                var pollKind = forced
                    ?? (declared?.ToLowerInvariant() switch { "nps" => PollKind.Nps, "csat" => PollKind.Csat, _ => scores.Any(x => x == 0 || x > 5) ? PollKind.Nps : PollKind.Csat });
                kinds[group.Key] = (pollKind, forced is null && declared is null);
                foreach (var e in group)
                {
                    var score = Score(e);
                    if (!Churn.Interventions.Poll.IsValidScore(pollKind, score))
                    {
                        invalid.Add(string.Create(CultureInfo.InvariantCulture, $"poll '{group.Key}', customer '{e.CustomerId}' at {e.Timestamp:yyyy-MM-ddTHH:mm:ssZ}: score {score?.ToString(CultureInfo.InvariantCulture) ?? "missing"} is not a valid {pollKind.ToString().ToUpperInvariant()} score"));
                        continue;
                    }

                    var segment = segmentOf is not null ? segmentOf.GetValueOrDefault(e.CustomerId, "all") : e.Attributes?.GetValueOrDefault("segment") ?? "all";
                    answers.Add(new PollAnswer(group.Key, pollKind, e.CustomerId, e.Timestamp, score!.Value, segment));
                }
            }

            var result = PollReport.Build(answers);
            WritePolls(output, json, result, kinds, report, feedback.Count, invalid, parse.GetValue(maxErrors));
            return report.Rejected > 0 || invalid.Count > 0 || segmentReport.Rejected > 0 ? ExitCodes.Rejected : ExitCodes.Ok;
        });
        poll.Subcommands.Add(results);
        return poll;
    }

    /// <summary>A response's score as given: the <c>score</c> attribute (events written by <c>Poll.ToEvent</c>, whose amount is on the 0–10 scale), else the amount.</summary>
    private static double? Score(CustomerEvent e) =>
        e.Attributes?.GetValueOrDefault("score") is { } text && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var given) ? given
        : e.Amount is { } a ? (double)a : null;

    private static async Task<string> ReadText(string path, string option, CancellationToken ct) =>
        File.Exists(path) ? await File.ReadAllTextAsync(path, ct).ConfigureAwait(false) : throw new FileNotFoundException($"{option} '{path}' does not exist.", path);

    private static Dictionary<CustomerId, string> ReadSegments(string path, string? column, IngestReport report, CancellationToken ct)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"--segments '{path}' does not exist.", path);
        }

        var names = (File.ReadLines(path).FirstOrDefault() ?? string.Empty).Split(',').Select(h => h.Trim().Trim('"')).ToList();
        var table = CsvTable.Read(path, report, new CsvTableOptions { TextColumns = names, RequiredColumns = ["customer_id"] }, ct);
        var name = column ?? (names.Contains("segment") ? "segment" : names.FirstOrDefault(n => n != "customer_id"));
        var index = name is null ? -1 : table.IndexOf(name);
        if (index < 0)
        {
            throw new IngestException($"--segments '{path}': no column '{name ?? "segment"}' (columns: {string.Join(", ", names)}).");
        }

        var ids = table.Columns[table.IndexOf("customer_id")].Texts!;
        var values = table.Columns[index].Texts!;
        var map = new Dictionary<CustomerId, string>();
        for (var i = 0; i < ids.Length; i++)
        {
            if (!string.IsNullOrEmpty(ids[i]) && !string.IsNullOrEmpty(values[i]))
            {
                map[new CustomerId(ids[i]!)] = values[i]!;
            }
        }

        return map;
    }

    private static void WritePlan(Stream stream, InterventionPlan plan)
    {
        using var w = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
        w.Write("customer_id,playbook,action,channel,offer,cost,owner,holdout,expected_value,segment,tier,due,reason,approved_by,decision_id\n");
        var c = CultureInfo.InvariantCulture;
        foreach (var i in plan.Items)
        {
            var due = i.Steps.Count == 0 ? string.Empty : i.Steps.Min(s => s.Due).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", c);
            w.Write(string.Join(',',
                CsvField.Quote(i.CustomerId.Value),
                CsvField.Quote(i.Playbook),
                CsvField.Quote(i.Action),
                CsvField.Quote(i.Channel ?? string.Empty),
                CsvField.Quote(i.Offer ?? string.Empty),
                i.Cost.ToString(c),
                CsvField.Quote(i.Owner ?? string.Empty),
                i.IsHoldout ? "true" : "false",
                i.ExpectedValue.ToString("0.####", c),
                CsvField.Quote(i.Segment),
                CsvField.Quote(i.Tier),
                due,
                CsvField.Quote(i.Reason),
                CsvField.Quote(i.Approval?.ApprovedBy ?? string.Empty),
                CsvField.Quote(i.Id)));
            w.Write('\n');
        }
    }

    private static void WriteSummary(TextWriter output, bool json, InterventionPlan plan, string outPath, int? stored, IngestReport report)
    {
        if (json)
        {
            Json.Write(output, new
            {
                customers = plan.Customers,
                planned = plan.Planned,
                heldOut = plan.HeldOut,
                contacted = plan.Contacted,
                cost = plan.Cost,
                budget = plan.Budget,
                byPlaybook = plan.ByPlaybook.Select(p => new { id = p.Id, planned = p.Planned, heldOut = p.HeldOut, cost = p.Cost }),
                asOf = plan.AsOf,
                holdoutPeriod = plan.HoldoutPeriod,
                tiers = plan.Tiers.Select(t => new { id = t.Id, minValue = t.MinValue == decimal.MinValue ? (decimal?)null : t.MinValue }),
                stored,
                rejected = report.Rejected,
                @out = outPath,
            });
            return;
        }

        var c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c, $"Plan as of {plan.AsOf:yyyy-MM-dd HH:mm}Z for {plan.Customers:N0} customers: {plan.Planned:N0} decided, {plan.HeldOut:N0} held out, {plan.Contacted:N0} contacted, cost {plan.Cost:N2}{(plan.Budget is { } b ? string.Create(c, $" of a budget of {b:N2}") : string.Empty)}."));
        foreach (var p in plan.ByPlaybook)
        {
            output.WriteLine(string.Create(c, $"  {p.Id,-24} {p.Planned,9:N0} decided {p.HeldOut,8:N0} held out   cost {p.Cost,12:N2}"));
        }

        if (stored is { } n)
        {
            output.WriteLine(string.Create(c, $"Stored {n:N0} new decisions."));
        }

        if (report.Rejected > 0)
        {
            FeaturesCommands.WriteIngestSummary(output, "customers / segments", report);
        }

        output.WriteLine($"Wrote {outPath}.");
    }

    private static void WritePolls(TextWriter output, bool json, PollReport report, Dictionary<string, (PollKind Kind, bool Inferred)> kinds, IngestReport read, int feedback, List<string> invalid, int maxErrors)
    {
        static Dictionary<string, object> Row(string key, PollScore s) => new()
        {
            [key] = s.Group,
            ["responses"] = s.Responses,
            ["score"] = Math.Round(s.Score, 2),
            ["mean"] = Math.Round(s.Mean, 3),
            ["promoters"] = s.Promoters,
            ["passives"] = s.Passives,
            ["detractors"] = s.Detractors,
        };
        if (json)
        {
            Json.Write(output, new
            {
                events = read.Accepted,
                rejected = read.Rejected,
                feedback,
                invalid = invalid.Count,
                invalidExamples = invalid.Take(maxErrors),
                polls = report.Overall.Select(o => new
                {
                    poll = o.Poll,
                    kind = o.Kind.ToString().ToLowerInvariant(),
                    kindInferred = kinds[o.Poll].Inferred,
                    responses = o.Responses,
                    score = Math.Round(o.Score, 2),
                    mean = Math.Round(o.Mean, 3),
                    promoters = o.Promoters,
                    passives = o.Passives,
                    detractors = o.Detractors,
                    bySegment = report.BySegment.Where(s => s.Poll == o.Poll).Select(s => Row("segment", s)),
                    byMonth = report.ByMonth.Where(s => s.Poll == o.Poll).Select(s => Row("month", s)),
                }),
            });
            return;
        }

        var c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c, $"{feedback:N0} feedback events, {invalid.Count:N0} with a score outside the poll's range (left out), {read.Rejected:N0} rows rejected."));
        foreach (var o in report.Overall)
        {
            var unit = o.Kind == PollKind.Nps ? "NPS" : "CSAT";
            output.WriteLine(string.Create(c, $"{o.Poll} ({unit}{(kinds[o.Poll].Inferred ? ", kind inferred from the scores" : string.Empty)}): {o.Score:0.#} from {o.Responses:N0} responses"));
            foreach (var s in report.BySegment.Where(s => s.Poll == o.Poll))
            {
                output.WriteLine(string.Create(c, $"  {s.Group,-24} {unit} {s.Score,6:0.#}   n = {s.Responses,7:N0}   {s.Promoters} / {s.Passives} / {s.Detractors}"));
            }

            foreach (var s in report.ByMonth.Where(s => s.Poll == o.Poll))
            {
                output.WriteLine(string.Create(c, $"  {s.Group,-24} {unit} {s.Score,6:0.#}   n = {s.Responses,7:N0}"));
            }
        }

        foreach (var line in invalid.Take(maxErrors))
        {
            output.WriteLine("  " + line);
        }
    }
}
