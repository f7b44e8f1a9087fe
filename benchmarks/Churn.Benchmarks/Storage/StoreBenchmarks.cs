using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Churn.Abstractions;
using Churn.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace Churn.Benchmarks.Storage;

/// <summary>
/// Writes to the SQLite store, per record (OperationsPerInvoke), in batches of <see cref="Batch"/>, each batch one durable
/// transaction (WAL, synchronous = FULL): events with the host's ids, events without ids (keyed by a SHA-256 of their content),
/// and assessments with three reasons, two symptoms and a value (current and history rows). The baseline is SQLite itself: the
/// same event rows inserted by a prepared statement into a table with no index, in transactions of the same size, on the same disk.
/// A fresh file per iteration. Run alone: <c>--filter *StoreBenchmarks*</c>.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class StoreBenchmarks
{
    private const int Batch = 5_000;
    private static readonly int Events = BenchData.Smoke ? 10_000 : 200_000;
    private static readonly int Assessments = BenchData.Smoke ? 10_000 : 100_000;
    private readonly DateTimeOffset _epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private CustomerEvent[][] _withIds = [];
    private CustomerEvent[][] _withoutIds = [];
    private RiskAssessment[][] _assessments = [];
    private string _folder = string.Empty;
    private SqliteChurnStore? _store;
    private string _path = string.Empty;

    [GlobalSetup]
    public void Setup()
    {
        _folder = Path.Combine(Path.GetTempPath(), "churn-bench", "store-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(_folder);
        var events = Enumerable.Range(0, Events).Select(i => new CustomerEvent(
            "customer-" + (i % 20_000).ToString(CultureInfo.InvariantCulture),
            _epoch.AddSeconds(i * 7),
            (i % 3) switch { 0 => CustomerEventType.Purchase, 1 => CustomerEventType.Login, _ => CustomerEventType.Usage },
            i % 3 == 1 ? null : 10m + (i % 997) / 100m,
            "ev-" + i.ToString(CultureInfo.InvariantCulture))).ToArray();
        _withIds = events.Chunk(Batch).ToArray();
        _withoutIds = events.Select(e => e with { EventId = null }).Chunk(Batch).ToArray();
        _assessments = Enumerable.Range(0, Assessments).Select(Assessment).Chunk(Batch).ToArray();
    }

    [IterationSetup]
    public void NewFile()
    {
        _store?.Dispose();
        _path = Path.Combine(_folder, Guid.NewGuid().ToString("N") + ".db");
        _store = SqliteChurnStore.Open(_path);
    }

    [IterationCleanup]
    public void DeleteFile()
    {
        _store?.Dispose();
        _store = null;
        foreach (var f in Directory.GetFiles(_folder))
        {
            File.Delete(f);
        }
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_folder, recursive: true);

    [Benchmark(Baseline = true, OperationsPerInvoke = 200_000, Description = "SQLite alone: plain inserts, no index, same batches and page size")]
    public long PlainSqlite()
    {
        using var conn = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _path + ".plain", Pooling = false }.ToString());
        conn.Open();
        Execute(conn, "PRAGMA page_size = 16384; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; CREATE TABLE t (customer_id TEXT, ts INTEGER, type TEXT, amount TEXT, event_id TEXT)");
        using var insert = conn.CreateCommand();
        insert.CommandText = "INSERT INTO t VALUES ($c, $t, $y, $a, $i)";
        var p = new[] { insert.Parameters.Add("$c", SqliteType.Text), insert.Parameters.Add("$t", SqliteType.Integer), insert.Parameters.Add("$y", SqliteType.Text), insert.Parameters.Add("$a", SqliteType.Text), insert.Parameters.Add("$i", SqliteType.Text) };
        long rows = 0;
        foreach (var batch in _withIds)
        {
            Execute(conn, "BEGIN IMMEDIATE");
            foreach (var e in batch)
            {
                p[0].Value = e.CustomerId.Value;
                p[1].Value = e.Timestamp.UtcTicks;
                p[2].Value = e.Type.Name;
                p[3].Value = (object?)e.Amount?.ToString(CultureInfo.InvariantCulture) ?? DBNull.Value;
                p[4].Value = e.EventId;
                rows += insert.ExecuteNonQuery();
            }

            Execute(conn, "COMMIT");
        }

        return rows;
    }

    [Benchmark(OperationsPerInvoke = 200_000, Description = "AppendEventsAsync, events with ids")]
    public async Task<long> AppendWithIds() => await Append(_withIds).ConfigureAwait(false);

    [Benchmark(OperationsPerInvoke = 200_000, Description = "AppendEventsAsync, events without ids (content digest)")]
    public async Task<long> AppendWithoutIds() => await Append(_withoutIds).ConfigureAwait(false);

    [Benchmark(OperationsPerInvoke = 100_000, Description = "UpsertAssessmentsAsync (3 reasons, 2 symptoms, value)")]
    public async Task<int> UpsertAssessments()
    {
        var n = 0;
        foreach (var batch in _assessments)
        {
            await _store!.UpsertAssessmentsAsync(batch).ConfigureAwait(false);
            n += batch.Length;
        }

        return n;
    }

    private static void Execute(SqliteConnection conn, string sql)
    {
        using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private async Task<long> Append(CustomerEvent[][] batches)
    {
        long added = 0;
        foreach (var batch in batches)
        {
            added += (await _store!.AppendEventsAsync(batch).ConfigureAwait(false)).Added;
        }

        return added;
    }

    private RiskAssessment Assessment(int i)
    {
        var at = _epoch.AddDays(i % 3);
        return new RiskAssessment("customer-" + i.ToString(CultureInfo.InvariantCulture), at, (i % 1000) / 1000.0, (RiskLevel)(i % 4))
        {
            LevelReason = "probability 0.42 is at least the high cut-off 0.30",
            Reasons =
            [
                new("days_since_last_purchase", 74, 0.12, "74 days since the last purchase: raises the churn risk by 12 points"),
                new("tenure_days", 410, -0.05, "410 days as a customer: lowers the churn risk by 5 points"),
                new("support_tickets_90d", 3, 0.04, "3 support tickets in 90 days: raises the churn risk by 4 points"),
            ],
            Symptoms =
            [
                new("no_login_30d", SymptomSeverity.Minor, at.AddDays(-12), "no login for 30 days") { Weight = 0.8 },
                new("complaints", SymptomSeverity.Critical, at.AddDays(-2), "2 complaints in 14 days"),
            ],
            Value = new CustomerValue(1234.56m, 310.20m, "EUR") { PAlive = 0.83 },
            Segment = "gold",
            Owner = "owner-" + (i % 40).ToString(CultureInfo.InvariantCulture),
        };
    }
}

/// <summary>
/// Appending to a store that already holds <see cref="Existing"/> events (20,000 customers): the customer index no longer fits
/// in a batch's pages, so each batch dirties more of it. The file is built once and copied for every iteration.
/// Run alone: <c>--filter *StoreGrowthBenchmarks*</c>.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class StoreGrowthBenchmarks
{
    private const int Batch = 5_000;
    private const int Customers = 100_000;
    private static readonly int Existing = BenchData.Smoke ? 20_000 : 2_000_000;
    private readonly DateTimeOffset _epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private CustomerEvent[][] _batches = [];
    private RiskAssessment[][] _assessments = [];
    private string _folder = string.Empty;
    private string _base = string.Empty;
    private SqliteChurnStore? _store;

    [GlobalSetup]
    public void Setup()
    {
        _folder = Path.Combine(Path.GetTempPath(), "churn-bench", "growth-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(_folder);
        _base = Path.Combine(_folder, "base.db");
        using (var store = SqliteChurnStore.Open(_base))
        {
            foreach (var chunk in Enumerable.Range(0, Existing).Chunk(50_000))
            {
                store.AppendEventsAsync([.. chunk.Select(Event)]).AsTask().GetAwaiter().GetResult();
            }
        }

        _batches = Enumerable.Range(Existing, 200_000).Select(Event).Chunk(Batch).ToArray();

        // 100,000 customers assessed at 10 earlier instants (1M history rows); the next run assesses them in a shuffled order.
        using (var store = SqliteChurnStore.Open(_base))
        {
            for (var day = 0; day < (BenchData.Smoke ? 1 : 10); day++)
            {
                store.UpsertAssessmentsInBatchesAsync(Enumerable.Range(0, Customers).Select(i => Assessment(i, day)), 50_000).AsTask().GetAwaiter().GetResult();
            }
        }

        var order = Enumerable.Range(0, Customers).ToArray();
        new Random(7).Shuffle(order);
        _assessments = order.Select(i => Assessment(i, 10)).Chunk(Batch).ToArray();
    }

    [IterationSetup]
    public void CopyBase()
    {
        _store?.Dispose();
        var path = Path.Combine(_folder, "copy.db");
        File.Copy(_base, path, overwrite: true);
        _store = SqliteChurnStore.Open(path);
    }

    [IterationCleanup]
    public void Close()
    {
        _store?.Dispose();
        _store = null;
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_folder, recursive: true);

    [Benchmark(OperationsPerInvoke = 200_000, Description = "AppendEventsAsync, ids, into a file of 2M events")]
    public async Task<long> AppendToLargeFile()
    {
        long added = 0;
        foreach (var batch in _batches)
        {
            added += (await _store!.AppendEventsAsync(batch).ConfigureAwait(false)).Added;
        }

        return added;
    }

    [Benchmark(OperationsPerInvoke = Customers, Description = "UpsertAssessmentsAsync into a history of 1M rows (100k customers, shuffled)")]
    public async Task<int> UpsertIntoLargeHistory()
    {
        var n = 0;
        foreach (var batch in _assessments)
        {
            await _store!.UpsertAssessmentsAsync(batch).ConfigureAwait(false);
            n += batch.Length;
        }

        return n;
    }

    private RiskAssessment Assessment(int i, int day) =>
        new("customer-" + i.ToString(CultureInfo.InvariantCulture), _epoch.AddDays(day), (i % 1000) / 1000.0, (RiskLevel)(i % 4))
        {
            LevelReason = "probability 0.42 is at least the high cut-off 0.30",
            Reasons = [new("days_since_last_purchase", 74, 0.12, "74 days since the last purchase: raises the churn risk by 12 points"), new("tenure_days", 410, -0.05, "410 days as a customer: lowers the churn risk by 5 points")],
            Value = new CustomerValue(1234.56m, 310.20m, "EUR") { PAlive = 0.83 },
            Segment = "gold",
        };

    private CustomerEvent Event(int i) => new(
        "customer-" + (i % 20_000).ToString(CultureInfo.InvariantCulture),
        _epoch.AddSeconds(i * 7L),
        (i % 3) switch { 0 => CustomerEventType.Purchase, 1 => CustomerEventType.Login, _ => CustomerEventType.Usage },
        i % 3 == 1 ? null : 10m + (i % 997) / 100m,
        "ev-" + i.ToString(CultureInfo.InvariantCulture));
}
