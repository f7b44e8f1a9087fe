using System.Diagnostics;
using System.Globalization;
using Churn.Abstractions;
using Churn.Storage.Sqlite;

namespace Churn.Storage.Tests;

/// <summary>Durability under SIGKILL and correctness under concurrent writers and readers, on real files.</summary>
public sealed class SqliteDurabilityTests : IDisposable
{
    private const int EventsPerBatch = 200;

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_writer_killed_at_random_points_loses_no_acknowledged_batch_and_stores_none_twice()
    {
        var ct = TestContext.Current.CancellationToken;
        var path = _folder.File("crash.db");
        var random = new Random(20261201);
        var acknowledged = 0L;
        var kills = 0;
        var midBatch = 0;
        for (var round = 0; round < 24; round++)
        {
            using var child = StartWriter(path);
            var start = -1L;
            var acks = new List<long>();
            var delay = random.Next(0, 250);
            var stopwatch = Stopwatch.StartNew();
            while (true)
            {
                var line = await child.StandardOutput.ReadLineAsync(ct);
                Assert.NotNull(line);
                if (line.StartsWith("start ", StringComparison.Ordinal))
                {
                    start = long.Parse(line[6..], CultureInfo.InvariantCulture);
                    stopwatch.Restart();
                }
                else
                {
                    acks.Add(long.Parse(line[4..], CultureInfo.InvariantCulture));
                }

                if (start > 0 && stopwatch.ElapsedMilliseconds >= delay && acks.Count > 0)
                {
                    break;
                }
            }

            // A little more time, so that the kill lands anywhere in a batch: before, inside or after a commit.
            Thread.Sleep(random.Next(0, 15));
            child.Kill();
            await child.WaitForExitAsync(ct);
            kills++;

            // The writer resumes after its checkpoint, which is never behind what it acknowledged.
            Assert.True(start >= 1 && start - 1 >= acknowledged, $"round {round}: the writer restarted at batch {start} after {acknowledged} were acknowledged");
            acknowledged = Math.Max(acknowledged, acks[^1]);

            var check = await Inspect(path, ct);
            Assert.Empty(check.Problems);
            for (var b = 1; b <= acknowledged; b++)
            {
                Assert.True(check.EventsPerBatch.GetValueOrDefault(b) == EventsPerBatch, $"round {round}: acknowledged batch {b} has {check.EventsPerBatch.GetValueOrDefault(b)} of {EventsPerBatch} events");
                Assert.True(check.AssessedBatches.Contains(b), $"round {round}: acknowledged batch {b} lost its assessments");
            }

            // Nothing twice, and nothing half: every batch in the file is whole.
            Assert.All(check.EventsPerBatch, p => Assert.Equal(EventsPerBatch, p.Value));
            Assert.Equal(check.EventsPerBatch.Sum(p => p.Value), check.Rows);
            Assert.True(check.Checkpoint >= acknowledged, $"round {round}: checkpoint {check.Checkpoint} is behind acknowledged batch {acknowledged}");
            if (check.EventsPerBatch.Keys.DefaultIfEmpty().Max() > check.Checkpoint)
            {
                midBatch++;
            }
        }

        Assert.Equal(24, kills);
        Assert.True(acknowledged >= 24, $"only {acknowledged} batches were acknowledged in 24 rounds");
        TestContext.Current.SendDiagnosticMessage($"{kills} kills, {acknowledged} batches acknowledged, {midBatch} kills between a batch's events and its checkpoint");
    }

    [Fact]
    public async Task Four_writers_and_eight_readers_lose_no_write_and_never_see_the_database_locked()
    {
        var ct = TestContext.Current.CancellationToken;
        var path = _folder.File("concurrent.db");
        const int Writers = 4;
        const int BatchesPerWriter = 40;
        const int Events = 25;
        using var shared = SqliteChurnStore.Open(path);

        // Two writers share the instance the readers use; two have instances of their own (other connections on the same file).
        var own = Enumerable.Range(0, 2).Select(_ => SqliteChurnStore.Open(path)).ToArray();
        try
        {
            var stores = new[] { shared, shared, own[0], own[1] };
            using var done = new CancellationTokenSource();
            var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(
                async () =>
                {
                    for (var b = 0; b < BatchesPerWriter; b++)
                    {
                        var events = Enumerable.Range(0, Events).Select(i => new CustomerEvent($"w{w}-c{i % 5}", Generators.Epoch.AddMinutes(b), "purchase", i, $"w{w}-b{b}-{i}")).ToArray();
                        await stores[w].AppendEventsAsync(events, ct);
                        await stores[w].UpsertAssessmentsAsync([new RiskAssessment($"w{w}", Generators.Epoch.AddMinutes(b), b / 100.0, RiskLevel.Medium)], ct);
                    }
                },
                ct)).ToArray();
            var readers = Enumerable.Range(0, 8).Select(r => Task.Run(
                async () =>
                {
                    var last = 0;
                    var reads = 0;
                    while (!done.IsCancellationRequested || reads == 0)
                    {
                        var events = await shared.ReadEventsAsync(null, ct).ToListAsync(ct);

                        // A reader sees whole batches only, and never fewer events than before.
                        Assert.Equal(0, events.Count % Events);
                        Assert.True(events.Count >= last);
                        last = events.Count;
                        var byBatch = events.GroupBy(e => e.Event.EventId![..e.Event.EventId!.LastIndexOf('-')]);
                        Assert.All(byBatch, g => Assert.Equal(Events, g.Count()));
                        if (r % 2 == 0)
                        {
                            await shared.ReadAssessmentsAsync(null, ct).CountAsync(ct);
                        }

                        reads++;
                    }

                    return reads;
                },
                ct)).ToArray();
            await Task.WhenAll(writers);
            await done.CancelAsync();
            var reads = await Task.WhenAll(readers);
            Assert.All(reads, n => Assert.True(n > 0));

            var all = await shared.ReadEventsAsync(null, ct).ToListAsync(ct);
            Assert.Equal(Writers * BatchesPerWriter * Events, all.Count);
            Assert.Equal(all.Count, all.Select(e => e.Event.EventId).Distinct().Count());
            var history = await shared.ReadAssessmentHistoryAsync(null, ct).CountAsync(ct);
            Assert.Equal(Writers * BatchesPerWriter, history);
            Assert.Empty(await shared.CheckIntegrityAsync(ct));
        }
        finally
        {
            foreach (var s in own)
            {
                s.Dispose();
            }
        }
    }

    private static Process StartWriter(string path)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Churn.Storage.CrashWriter.dll");
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h && File.Exists(h) ? h : "dotnet";
        var info = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add(path);
        info.ArgumentList.Add(EventsPerBatch.ToString(CultureInfo.InvariantCulture));
        return Process.Start(info) ?? throw new InvalidOperationException("The crash writer did not start.");
    }

    private static async Task<Inspection> Inspect(string path, CancellationToken ct)
    {
        using var store = SqliteChurnStore.Open(path);
        var problems = await store.CheckIntegrityAsync(ct);
        var perBatch = new Dictionary<long, int>();
        var rows = 0;
        await foreach (var e in store.ReadEventsAsync(null, ct))
        {
            var batch = long.Parse(e.Event.EventId![..e.Event.EventId!.IndexOf('-', StringComparison.Ordinal)], CultureInfo.InvariantCulture);
            perBatch[batch] = perBatch.GetValueOrDefault(batch) + 1;
            rows++;
        }

        var assessed = new HashSet<long>();
        await foreach (var a in store.ReadAssessmentHistoryAsync(new StoreQuery { CustomerId = "c0" }, ct))
        {
            assessed.Add((long)(a.AsOf - new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)).TotalMinutes);
        }

        var checkpoint = (await store.GetCheckpointAsync("writer", ct))?.Position ?? 0;
        return new Inspection(problems, perBatch, assessed, checkpoint, rows);
    }

    private sealed record Inspection(IReadOnlyList<string> Problems, Dictionary<long, int> EventsPerBatch, HashSet<long> AssessedBatches, long Checkpoint, int Rows);
}
