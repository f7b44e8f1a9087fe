using System.Security.Cryptography;
using Churn.Abstractions;
using Churn.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Churn.Storage.Tests;

/// <summary>What the SQLite store does with files that are not what it expects: each gives a clear error naming the file, and loses nothing.</summary>
public sealed class SqliteFileTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_new_file_gets_the_latest_schema_in_wal_mode_and_its_folder_is_created()
    {
        var path = _folder.File("sub/dir/churn.db");
        using (var store = SqliteChurnStore.Open(path))
        {
            Assert.Equal(SqliteChurnStore.LatestSchemaVersion, store.SchemaVersion);
            var info = await store.GetInfoAsync(TestContext.Current.CancellationToken);
            Assert.Equal(SqliteChurnStore.TableNames.Order(), info.RowCounts.Keys.Order());
            Assert.All(info.RowCounts.Values, v => Assert.Equal(0, v));
            Assert.True(info.SizeBytes > 0);
        }

        Assert.Equal("wal", Scalar(path, "PRAGMA journal_mode"));
        Assert.Equal(0x43484E53L, Scalar(path, "PRAGMA application_id"));
        Assert.Equal(SqliteChurnStore.LatestSchemaVersion, (long)Scalar(path, "SELECT MAX(version) FROM churn_schema")!);
    }

    [Fact]
    public async Task Alerts_stored_before_the_previous_level_was_kept_read_without_it_after_the_migration()
    {
        var ct = TestContext.Current.CancellationToken;
        var path = _folder.File("v2.db");
        using (SqliteChurnStore.OpenAtVersion(path, 2))
        {
        }

        // An alert as version 2 stored it (this SDK's statements write the newer columns).
        Assert.Equal(0L, Scalar(path, "SELECT COUNT(*) FROM pragma_table_info('alerts') WHERE name = 'previous_level'"));
        using var codec = new Churn.Storage.Sqlite.AssessmentCodec();
        var assessment = codec.Write(new RiskAssessment("c", Generators.Epoch, 0.9, RiskLevel.High));
        Execute(path, $"INSERT INTO alerts (customer_id, raised_at, level, segment, owner, message, assessment, state, attempts) VALUES ('c', {Generators.Epoch.UtcTicks}, 'high', NULL, 'anna', 'up', '{assessment.Replace("'", "''", StringComparison.Ordinal)}', 'pending', 0)");

        using var store = SqliteChurnStore.Open(path);
        Assert.Equal(SqliteChurnStore.LatestSchemaVersion, store.SchemaVersion);
        await store.AddAlertsAsync([new ChurnAlert(new RiskAssessment("d", Generators.Epoch, 0.9, RiskLevel.High), null, Generators.Epoch, "up") { PreviousLevel = RiskLevel.Low }], ct);
        var alerts = await store.ReadAlertsAsync(null, ct).ToListAsync(ct);
        Assert.Equal([null, RiskLevel.Low], alerts.Select(a => a.Alert.PreviousLevel));
        Assert.Equal("anna", alerts[0].Alert.Owner);
    }

    [Fact]
    public async Task A_file_of_the_first_schema_version_is_migrated_forward_with_its_data()
    {
        var ct = TestContext.Current.CancellationToken;
        var path = _folder.File("v1.db");
        using (var old = SqliteChurnStore.OpenAtVersion(path, 1))
        {
            Assert.Equal(1, old.SchemaVersion);
            await old.AppendEventsAsync([new CustomerEvent("c", Generators.Epoch, "purchase", 10m, "e1")], ct);
            await old.UpsertAssessmentsAsync([new RiskAssessment("c", Generators.Epoch, 0.4, RiskLevel.Medium)], ct);
        }

        Assert.Equal(0L, Scalar(path, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'alerts'"));
        using (var readOnly = SqliteChurnStore.Open(new SqliteStoreOptions { Path = path, ReadOnly = true }))
        {
            // Read-only, an older file is read as it is: its tables, its version.
            Assert.Equal(1, readOnly.SchemaVersion);
            Assert.DoesNotContain("alerts", (await readOnly.GetInfoAsync(ct)).RowCounts.Keys);
        }

        using var store = SqliteChurnStore.Open(path);
        Assert.Equal(SqliteChurnStore.LatestSchemaVersion, store.SchemaVersion);
        Assert.Equal("e1", (await store.ReadEventsAsync(null, ct).SingleAsync(ct)).Event.EventId);
        Assert.Equal(RiskLevel.Medium, (await store.GetAssessmentAsync("c", ct))!.Level);
        var ids = await store.AddAlertsAsync([new ChurnAlert(new RiskAssessment("c", Generators.Epoch, 0.9, RiskLevel.High), null, Generators.Epoch, "up")], ct);
        Assert.Single(ids);
        Assert.Equal((long)SqliteChurnStore.LatestSchemaVersion, Scalar(path, "SELECT COUNT(*) FROM churn_schema"));
    }

    [Fact]
    public void A_file_from_a_newer_schema_is_refused_and_left_unchanged()
    {
        var path = _folder.File("newer.db");
        using (SqliteChurnStore.Open(path))
        {
        }

        Execute(path, "INSERT INTO churn_schema (version, description, sdk_version) VALUES (99, 'from the future', '9.0.0')");
        var before = Hash(path);
        var e = Assert.Throws<ChurnStoreException>(() => SqliteChurnStore.Open(path));
        Assert.Equal(StoreError.NewerSchema, e.Error);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("99", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, Hash(path));
    }

    [Fact]
    public void A_foreign_database_is_refused_and_left_unchanged()
    {
        var path = _folder.File("crm.db");
        Execute(path, "CREATE TABLE customers (id TEXT PRIMARY KEY, name TEXT); INSERT INTO customers VALUES ('1', 'Ada')");
        var before = Hash(path);
        var e = Assert.Throws<ChurnStoreException>(() => SqliteChurnStore.Open(path));
        Assert.Equal(StoreError.Foreign, e.Error);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("customers", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, Hash(path));
        Assert.Equal("delete", Scalar(path, "PRAGMA journal_mode"));
    }

    [Theory]
    [InlineData("a text file\nwith lines\n")]
    [InlineData("SQLite")]
    public void A_file_that_is_not_a_database_is_refused_as_damaged_and_left_unchanged(string content)
    {
        var path = _folder.File("notes.db");
        File.WriteAllText(path, content);
        var e = Assert.Throws<ChurnStoreException>(() => SqliteChurnStore.Open(path));
        Assert.Equal(StoreError.Corrupt, e.Error);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Equal(content, File.ReadAllText(path));
    }

    [Fact]
    public async Task A_damaged_store_gives_a_clear_error_on_reading_and_on_verification_and_is_not_made_worse()
    {
        var ct = TestContext.Current.CancellationToken;
        var path = _folder.File("damaged.db");
        using (var store = SqliteChurnStore.Open(path))
        {
            await store.AppendEventsAsync([.. Enumerable.Range(0, 5000).Select(i => new CustomerEvent("c" + (i % 50), Generators.Epoch.AddMinutes(i), "purchase", i, "e" + i))], ct);
        }

        // Overwrite everything after the first two pages with a pattern: the tables' b-trees are gone.
        var bytes = File.ReadAllBytes(path);
        for (var i = 8192; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(i * 31);
        }

        File.WriteAllBytes(path, bytes);
        var before = Hash(path);
        var verify = Assert.Throws<ChurnStoreException>(() => SqliteChurnStore.Open(new SqliteStoreOptions { Path = path, VerifyOnOpen = true }));
        Assert.Equal(StoreError.Corrupt, verify.Error);
        Assert.Contains(path, verify.Message, StringComparison.Ordinal);

        using var opened = new SqliteChurnStore(new SqliteStoreOptions { Path = path });
        var read = await Assert.ThrowsAsync<ChurnStoreException>(async () => await opened.ReadEventsAsync(null, ct).CountAsync(ct));
        Assert.Equal(StoreError.Corrupt, read.Error);
        Assert.Contains(path, read.Message, StringComparison.Ordinal);
        Assert.NotEmpty(await CheckIntegrity(path));
        Assert.Equal(before, Hash(path));
    }

    [Fact]
    public async Task A_truncated_store_gives_a_clear_error()
    {
        var ct = TestContext.Current.CancellationToken;
        var path = _folder.File("truncated.db");
        using (var store = SqliteChurnStore.Open(path))
        {
            await store.AppendEventsAsync([.. Enumerable.Range(0, 5000).Select(i => new CustomerEvent("c" + (i % 50), Generators.Epoch.AddMinutes(i), "purchase", i, "e" + i))], ct);
        }

        using (var f = new FileStream(path, FileMode.Open))
        {
            f.SetLength(f.Length / 2);
        }

        var e = await Assert.ThrowsAsync<ChurnStoreException>(async () =>
        {
            using var store = SqliteChurnStore.Open(new SqliteStoreOptions { Path = path, VerifyOnOpen = true });
            await store.ReadEventsAsync(null, ct).CountAsync(ct);
        });
        Assert.Equal(StoreError.Corrupt, e.Error);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_read_only_file_is_refused_for_writing_with_a_clear_error_and_can_be_read_read_only()
    {
        var ct = TestContext.Current.CancellationToken;
        var path = _folder.File("readonly.db");
        using (var store = SqliteChurnStore.Open(path))
        {
            await store.AppendEventsAsync([new CustomerEvent("c", Generators.Epoch, "login", null, "e1")], ct);
        }

        MakeReadOnly(path, readOnly: true);
        try
        {
            var e = Assert.Throws<ChurnStoreException>(() => SqliteChurnStore.Open(path));
            Assert.Equal(StoreError.ReadOnly, e.Error);
            Assert.Contains(path, e.Message, StringComparison.Ordinal);

            using var reader = SqliteChurnStore.Open(new SqliteStoreOptions { Path = path, ReadOnly = true });
            Assert.Equal("e1", (await reader.ReadEventsAsync(null, ct).SingleAsync(ct)).Event.EventId);
            var write = await Assert.ThrowsAsync<ChurnStoreException>(() => reader.AppendEventsAsync([new CustomerEvent("c", Generators.Epoch, "login", null, "e2")], ct).AsTask());
            Assert.Equal(StoreError.ReadOnly, write.Error);
            Assert.Contains(path, write.Message, StringComparison.Ordinal);
        }
        finally
        {
            MakeReadOnly(path, readOnly: false);
        }

        using var again = SqliteChurnStore.Open(path);
        Assert.Single(await again.ReadEventsAsync(null, ct).ToListAsync(ct));
    }

    [Fact]
    public async Task A_full_store_refuses_the_batch_that_does_not_fit_and_keeps_everything_acknowledged_before()
    {
        var ct = TestContext.Current.CancellationToken;
        var path = _folder.File("full.db");
        var acknowledged = 0;
        ChurnStoreException? full = null;
        using (var store = SqliteChurnStore.Open(new SqliteStoreOptions { Path = path, MaxSizeBytes = 2 << 20 }))
        {
            for (var batch = 0; batch < 1000 && full is null; batch++)
            {
                var events = Enumerable.Range(0, 200).Select(i => new CustomerEvent("customer-" + i, Generators.Epoch.AddMinutes(batch), "purchase", 1.25m * i, $"{batch}-{i}")).ToArray();
                try
                {
                    acknowledged += (await store.AppendEventsAsync(events, ct)).Added;
                }
                catch (ChurnStoreException e)
                {
                    full = e;
                }
            }

            Assert.NotNull(full);
            Assert.Equal(StoreError.Full, full.Error);
            Assert.Contains(path, full.Message, StringComparison.Ordinal);
            Assert.Contains("size limit", full.Message, StringComparison.Ordinal);
            Assert.Equal(acknowledged, await store.ReadEventsAsync(null, ct).CountAsync(ct));

            // Still usable: reads work, and a write that fits goes through.
            Assert.Equal(1, (await store.AppendEventsAsync([new CustomerEvent("c", Generators.Epoch, "login", null, "small")], ct)).Added);
            acknowledged++;
        }

        Assert.True(acknowledged > 5000);
        Assert.Empty(await CheckIntegrity(path));
        using var unlimited = SqliteChurnStore.Open(path);
        Assert.Equal(acknowledged, await unlimited.ReadEventsAsync(null, ct).CountAsync(ct));
        Assert.Equal(acknowledged, new HashSet<string?>(await unlimited.ReadEventsAsync(null, ct).Select(e => e.Event.EventId).ToListAsync(ct)).Count);
    }

    [Fact]
    public async Task A_customers_events_are_found_across_the_parts_of_the_customer_index()
    {
        var ct = TestContext.Current.CancellationToken;
        using var store = SqliteChurnStore.Open(_folder.File("parts.db"));

        // 2.2 parts of 65,536 events; customer "rare" appears in each part, "c1" everywhere.
        var events = Enumerable.Range(0, 145_000).Select(i => new CustomerEvent(i % 40_000 == 7 ? "rare" : "c" + (i % 13), Generators.Epoch.AddSeconds(145_000 - i), "login", null, "e" + i)).ToArray();
        await store.AppendEventsInBatchesAsync(events, 20_000, ct);
        Assert.Equal(3L, Scalar(store.Location, "SELECT COUNT(DISTINCT part) FROM events"));
        var rare = await store.ReadEventsAsync(new EventQuery { CustomerId = "rare" }, ct).ToListAsync(ct);
        Assert.Equal(events.Where(e => e.CustomerId.Value == "rare").Select(e => e.EventId), rare.Select(r => r.Event.EventId));
        var late = await store.ReadEventsAsync(new EventQuery { CustomerId = "rare", AfterSequence = 100_000 }, ct).ToListAsync(ct);
        Assert.Equal(["e120007"], late.Select(r => r.Event.EventId));
        var byTime = await store.ReadEventsAsync(new EventQuery { CustomerId = "c1", Order = EventOrder.Time, From = Generators.Epoch.AddSeconds(100), To = Generators.Epoch.AddSeconds(100_000) }, ct).ToListAsync(ct);
        var expected = events.Select((e, i) => (e, seq: i + 1)).Where(x => x.e.CustomerId.Value == "c1" && x.e.Timestamp >= Generators.Epoch.AddSeconds(100) && x.e.Timestamp <= Generators.Epoch.AddSeconds(100_000)).OrderBy(x => x.e.Timestamp).Select(x => (long)x.seq);
        Assert.Equal(expected, byTime.Select(r => r.Sequence));
    }

    [Fact]
    public async Task Registration_validates_the_options_at_start_and_shares_one_store_under_every_interface()
    {
        var services = new ServiceCollection();
        var path = _folder.File("di.db");
        services.AddChurn(churn => churn.AddSqliteStore(o => o.Path = path));
        await using (var provider = services.BuildServiceProvider())
        {
            provider.GetRequiredService<IStartupValidator>().Validate();
            var store = provider.GetRequiredService<IChurnStore>();
            Assert.IsType<SqliteChurnStore>(store);
            Assert.Same(store, provider.GetRequiredService<IEventStore>());
            Assert.Same(store, provider.GetRequiredService<IAssessmentStore>());
            Assert.Same(store, provider.GetRequiredService<IAlertStore>());
            Assert.Same(store, provider.GetRequiredService<IOutcomeStore>());
            await provider.GetRequiredService<IEventStore>().AppendEventsAsync([new CustomerEvent("c", Generators.Epoch, "login")], TestContext.Current.CancellationToken);
        }

        Assert.True(File.Exists(path));

        var bad = new ServiceCollection();
        bad.AddChurn(churn => churn.AddSqliteStore(o => (o.Path, o.MaxSizeBytes, o.BusyTimeout) = (" ", 10, TimeSpan.FromHours(2))));
        await using var badProvider = bad.BuildServiceProvider();
        var e = Assert.Throws<OptionsValidationException>(() => badProvider.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("Path", e.Message, StringComparison.Ordinal);
        Assert.Contains("MaxSizeBytes", e.Message, StringComparison.Ordinal);
        Assert.Contains("BusyTimeout", e.Message, StringComparison.Ordinal);

        var memory = new ServiceCollection();
        memory.AddChurn(churn => churn.AddSqliteStore(o => o.Path = path).AddInMemoryStore());
        await using var memoryProvider = memory.BuildServiceProvider();
        Assert.IsType<InMemoryChurnStore>(memoryProvider.GetRequiredService<IChurnStore>());
        Assert.Same(memoryProvider.GetRequiredService<IChurnStore>(), memoryProvider.GetRequiredService<ICheckpointStore>());
    }

    [Fact]
    public async Task Export_writes_each_table_as_csv_with_readable_instants_and_guarded_formulas()
    {
        var ct = TestContext.Current.CancellationToken;
        using var store = SqliteChurnStore.Open(_folder.File("export.db"));
        await store.AppendEventsAsync([new CustomerEvent("=HYPERLINK(\"x\")", Generators.Epoch.AddTicks(5), "purchase", -3.5m, "e,1"), new CustomerEvent("b", Generators.Epoch, "login")], ct);
        using var events = new StringWriter();
        Assert.Equal(2, await store.ExportCsvAsync("events", events, ct));
        var lines = events.ToString().Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("seq,event_id,customer_id,timestamp,type,amount,attributes", lines[0]);
        Assert.Equal("1,\"e,1\",\"'=HYPERLINK(\"\"x\"\")\",2026-01-01T00:00:00.0000005Z,purchase,-3.5,", lines[1]);
        Assert.Equal("2,,b,2026-01-01T00:00:00Z,login,,", lines[2]);

        using var empty = new StringWriter();
        Assert.Equal(0, await store.ExportCsvAsync("outcomes", empty, ct));
        Assert.Equal("decision_id,customer_id,observed_at,churned,revenue\r\n", empty.ToString());
        Assert.Throws<ArgumentException>(() => store.ExportCsvAsync("sqlite_master", TextWriter.Null, ct).GetAwaiter().GetResult());
    }

    private static object? Scalar(string path, string sql)
    {
        using var conn = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        conn.Open();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }

    private static void Execute(string path, string sql)
    {
        using var conn = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        conn.Open();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static async Task<IReadOnlyList<string>> CheckIntegrity(string path)
    {
        using var store = new SqliteChurnStore(new SqliteStoreOptions { Path = path, ReadOnly = true });
        try
        {
            return await store.CheckIntegrityAsync(TestContext.Current.CancellationToken);
        }
        catch (ChurnStoreException e) when (e.Error == StoreError.Corrupt)
        {
            return [e.Message];
        }
    }

    private static void MakeReadOnly(string path, bool readOnly)
    {
        if (OperatingSystem.IsWindows())
        {
            File.SetAttributes(path, readOnly ? FileAttributes.ReadOnly : FileAttributes.Normal);
        }
        else
        {
            File.SetUnixFileMode(path, readOnly ? UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead : UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
}
