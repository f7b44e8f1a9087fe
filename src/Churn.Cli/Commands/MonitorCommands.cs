using System.CommandLine;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Churn.Abstractions;
using Churn.Data;
using Churn.Monitoring;
using Churn.Sdk;
using Churn.Storage.Sqlite;

namespace Churn.Cli.Commands;

/// <summary><c>churn monitor replay</c>: history replayed as a live stream through the monitor.</summary>
internal static class MonitorCommands
{
    private const string CheckpointName = "monitor-replay";

    public static Command Build(TextWriter output, TextWriter error)
    {
        var monitor = new Command("monitor", "Live monitoring: keep assessments current from a stream of events and raise alerts when risk rises.");
        monitor.Subcommands.Add(Replay(output, error));
        return monitor;
    }

    private static Command Replay(TextWriter output, TextWriter error)
    {
        var inputs = new PipelineCommands.PipelineInputs(horizonRequired: false);
        var model = new Option<string>("--model") { Description = "The model file.", Required = true };
        var rules = new Option<string?>("--rules") { Description = "A rule-set file (JSON) for symptoms: kept live, a critical symptom beginning raises an alert." };
        var outFile = new Option<string>("--out") { Description = "The alerts raised, as JSON lines (.jsonl).", Required = true };
        var assessments = new Option<string?>("--assessments") { Description = "Also write every customer's final assessment (as of the last event) as JSON lines: the same as churn assess --as-of that instant --no-predicted-value." };
        var db = new Option<string?>("--db") { Description = "A SQLite store for checkpoints and alerts: a replay stopped part-way and started again with the same arguments resumes from its last checkpoint." };
        var every = new Option<int>("--checkpoint-every") { Description = "Events between checkpoints (with --db).", DefaultValueFactory = _ => 10_000 };
        var alertLevel = new Option<string>("--alert-level") { Description = "The lowest level alerted: medium, high or critical.", DefaultValueFactory = _ => "high" }.AcceptOnlyFromAmong("medium", "high", "critical");
        var cooldown = new Option<int>("--cooldown-days") { Description = "Days after an alert at a level before another at that level for the same customer.", DefaultValueFactory = _ => 7 };
        var command = new Command("replay", "Replay an events file in time order through the live monitor: alerts as they would have been raised, and the final assessments.");
        inputs.AddTo(command);
        foreach (var o in new Option[] { model, rules, outFile, assessments, db, every, alertLevel, cooldown })
        {
            command.Options.Add(o);
        }

        command.SetAction(async (parse, ct) =>
        {
            var json = inputs.IsJson(parse);
            if (parse.GetValue(every) < 1 || parse.GetValue(cooldown) < 0)
            {
                return DataCommands.Usage(output, error, json, "--checkpoint-every must be at least 1 and --cooldown-days at least 0.");
            }

            var clock = Stopwatch.StartNew();
            var (data, pipeline, fail) = await inputs.LoadAsync(parse, output, error, ct, b =>
            {
                b.WithModelFile(parse.GetValue(model)!).Configure(o => o.PredictValue = false);
                if (parse.GetValue(rules) is { } r)
                {
                    b.WithRulesFile(r);
                }
            }).ConfigureAwait(false);
            if (fail is { } code)
            {
                return code;
            }

            var events = TimeOrdered(data!.Log);
            var options = new MonitorOptions
            {
                AlertLevel = parse.GetValue(alertLevel) switch { "medium" => RiskLevel.Medium, "critical" => RiskLevel.Critical, _ => RiskLevel.High },
                Cooldown = TimeSpan.FromDays(parse.GetValue(cooldown)),
            };
            SqliteChurnStore? store = null;
            try
            {
                store = parse.GetValue(db) is { } path ? SqliteChurnStore.Open(path) : null;
                var memory = new InMemoryAlertSink();
                IAlertSink sink = store is null ? memory : new StoreAlertSink(store);
                using var live = new ChurnMonitor(pipeline!, options, [sink], data.ProfileOf);
                var start = 0L;
                if (store is not null && await store.GetCheckpointAsync(CheckpointName, ct).ConfigureAwait(false) is { } checkpoint)
                {
                    await live.ReadStateAsync(checkpoint.State, ct).ConfigureAwait(false);
                    start = checkpoint.Position;
                }

                var replayed = Stopwatch.StartNew();
                TerminalProgress.Status(TerminalProgress.Enabled(output, json), "Replaying events", status =>
                {
                    // In batches (applied on all cores), cut at every checkpoint.
                    var checkpointEvery = parse.GetValue(every);
                    for (var i = start; i < events.Length;)
                    {
                        var end = Math.Min(events.Length, i + options.BatchSize);
                        if (store is not null)
                        {
                            end = Math.Min(end, start + ((((i - start) / checkpointEvery) + 1) * checkpointEvery));
                        }

                        live.ObserveManyAsync(new ArraySegment<CustomerEvent>(events, (int)i, (int)(end - i)), ct).AsTask().GetAwaiter().GetResult();
                        if (store is not null && (end - start) % checkpointEvery == 0)
                        {
                            Checkpoint(live, store, end, ct);
                        }

                        if ((i >> 16) != (end >> 16))
                        {
                            status($"Replayed {end:N0} of {events.Length:N0} events");
                        }

                        i = end;
                    }
                });
                await live.FlushAsync(ct).ConfigureAwait(false);
                if (events.Length > 0)
                {
                    // As of the last event, as churn assess --as-of that instant would assess everyone.
                    await live.ReassessAsync(events[^1].Timestamp, ct).ConfigureAwait(false);
                }

                var seconds = replayed.Elapsed.TotalSeconds;
                if (store is not null)
                {
                    Checkpoint(live, store, events.Length, ct);
                }

                var alerts = Ordered(store is null ? memory.Alerts : await ReadAlerts(store, ct).ConfigureAwait(false));
                await AtomicFile.WriteAsync(parse.GetValue(outFile)!, stream => WriteAlerts(stream, alerts)).ConfigureAwait(false);
                if (parse.GetValue(assessments) is { } assessmentsPath)
                {
                    var all = live.CurrentAll().OrderBy(a => data.Log.IndexOf(a.CustomerId)).ToList();
                    await AtomicFile.WriteAsync(assessmentsPath, stream =>
                    {
                        using var writer = new AssessmentJsonLines.Writer(stream);
                        foreach (var a in all)
                        {
                            writer.Write(a);
                        }

                        return Task.CompletedTask;
                    }).ConfigureAwait(false);
                }

                var stats = live.Stats;
                var byLevel = new Dictionary<string, long>
                {
                    ["low"] = stats.ByLevel[0],
                    ["medium"] = stats.ByLevel[1],
                    ["high"] = stats.ByLevel[2],
                    ["critical"] = stats.ByLevel[3],
                    ["churned"] = stats.ByLevel[4],
                };
                var perSecond = seconds > 0 ? (events.Length - start) / seconds : 0;
                if (json)
                {
                    Json.Write(output, new
                    {
                        events = stats.Events,
                        customers = stats.Customers,
                        alerts = alerts.Count,
                        byLevel,
                        eventsPerSecond = Math.Round(perSecond),
                        duplicates = stats.Duplicates,
                        late = stats.Late,
                        resumedAt = start,
                        input = PipelineCommands.PipelineInputs.Accounting(data),
                        @out = parse.GetValue(outFile),
                        seconds = Math.Round(clock.Elapsed.TotalSeconds, 2),
                    });
                }
                else
                {
                    PipelineCommands.PipelineInputs.WriteWarnings(error, data);
                    output.WriteLine($"Replayed {stats.Events:N0} events of {stats.Customers:N0} customers{(start > 0 ? $" (resumed after {start:N0})" : string.Empty)} at {perSecond:N0} events/s: {alerts.Count:N0} alerts; now low {byLevel["low"]:N0}, medium {byLevel["medium"]:N0}, high {byLevel["high"]:N0}, critical {byLevel["critical"]:N0}, churned {byLevel["churned"]:N0}. Wrote {parse.GetValue(outFile)}.");
                }

                return inputs.ExitCode(parse, data);
            }
            catch (ChurnStoreException ex)
            {
                return DataCommands.Fatal(output, error, json, ex.Message);
            }
            finally
            {
                store?.Dispose();
            }
        });
        return command;
    }

    /// <summary>Every event of the log in time order (a customer's own events in the log's order).</summary>
    private static CustomerEvent[] TimeOrdered(EventLog log)
    {
        var events = new List<(long Tick, int Customer, int Index, CustomerEvent Event)>(checked((int)log.EventCount));
        for (var c = 0; c < log.CustomerCount; c++)
        {
            var t = log.Timeline(c);
            for (var i = 0; i < t.Count; i++)
            {
                var amount = t.Amounts[i];
                events.Add((t.Ticks[i], c, i, new CustomerEvent(log.Customers[c], new DateTimeOffset(t.Ticks[i], TimeSpan.Zero), log.Types[t.TypeCodes[i]], double.IsNaN(amount) ? null : (decimal)amount)));
            }
        }

        return [.. events.OrderBy(e => e.Tick).ThenBy(e => e.Customer).ThenBy(e => e.Index).Select(e => e.Event)];
    }

    private static void Checkpoint(ChurnMonitor monitor, SqliteChurnStore store, long position, CancellationToken ct)
    {
        using var state = new MemoryStream();
        monitor.WriteStateAsync(state, ct).GetAwaiter().GetResult();
        store.SaveCheckpointsAsync([new StoreCheckpoint(CheckpointName, position, state.ToArray(), DateTimeOffset.UnixEpoch.AddTicks(position))], ct).AsTask().GetAwaiter().GetResult();
    }

    private static async Task<IReadOnlyList<ChurnAlert>> ReadAlerts(SqliteChurnStore store, CancellationToken ct)
    {
        var alerts = new List<ChurnAlert>();
        await foreach (var stored in store.ReadAlertsAsync(null, ct).ConfigureAwait(false))
        {
            alerts.Add(stored.Alert);
        }

        return alerts;
    }

    /// <summary>Alerts in the order of the file: by time, then customer (the same whether they come from memory or from a resumed store).</summary>
    private static List<ChurnAlert> Ordered(IEnumerable<ChurnAlert> alerts) =>
        [.. alerts.OrderBy(a => a.RaisedAt).ThenBy(a => a.Assessment.CustomerId.Value, StringComparer.Ordinal)];

    private static Task WriteAlerts(Stream stream, IReadOnlyList<ChurnAlert> alerts)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        foreach (var alert in alerts)
        {
            var a = alert.Assessment;
            json.WriteStartObject();
            json.WriteString("customerId", a.CustomerId.Value);
            json.WriteString("raisedAt", alert.RaisedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture));
            json.WriteString("level", RiskLevelPolicy.Name(a.Level));
            json.WriteString("previousLevel", alert.PreviousLevel is { } was ? RiskLevelPolicy.Name(was) : null);
            json.WriteString("symptom", alert.Symptom);
            if (a.Probability is { } p)
            {
                json.WriteNumber("probability", Math.Round(p.Value, 4));
            }
            else
            {
                json.WriteNull("probability");
            }

            json.WriteString("owner", alert.Owner);
            json.WriteString("message", alert.Message);
            json.WriteStartArray("reasons");
            foreach (var r in a.Reasons)
            {
                json.WriteStringValue(r.Text);
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.Flush();
            stream.WriteByte((byte)'\n');
            json.Reset();
        }

        return Task.CompletedTask;
    }
}
