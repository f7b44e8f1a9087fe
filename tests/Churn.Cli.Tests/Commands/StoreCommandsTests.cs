using Churn.Abstractions;
using Churn.Storage.Sqlite;

namespace Churn.Cli.Tests.Commands;

public sealed class StoreCommandsTests
{
    private static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Info_counts_rows_per_table_and_export_writes_events_that_read_back_as_an_events_file()
    {
        using var dir = new TempDir();
        var db = dir.Combine("churn.db");
        var ct = TestContext.Current.CancellationToken;
        using (var store = SqliteChurnStore.Open(db))
        {
            await store.AppendEventsAsync([.. Enumerable.Range(0, 300).Select(i => new CustomerEvent("c" + (i % 30), Epoch.AddHours(i), i % 2 == 0 ? "purchase" : "login", i % 2 == 0 ? 10.5m : null, "e" + i))], ct);
            await store.UpsertAssessmentsAsync([new RiskAssessment("c1", Epoch, 0.7, RiskLevel.High), new RiskAssessment("c1", Epoch.AddDays(1), 0.2, RiskLevel.Low)], ct);
        }

        var (exit, stdout, stderr) = await CliRunner.RunAsync("store", "info", "--db", db, "--check", "--format", "json");
        Assert.True(exit == 0, stderr);
        var info = CliRunner.Json(stdout);
        Assert.Equal(SqliteChurnStore.LatestSchemaVersion, info.GetProperty("schemaVersion").GetInt32());
        Assert.Equal(300, info.GetProperty("tables").GetProperty("events").GetInt64());
        Assert.Equal(1, info.GetProperty("tables").GetProperty("assessments").GetInt64());
        Assert.Equal(2, info.GetProperty("tables").GetProperty("assessment_history").GetInt64());
        Assert.Equal(0, info.GetProperty("tables").GetProperty("alerts").GetInt64());
        Assert.True(info.GetProperty("sizeBytes").GetInt64() > 0);
        Assert.Equal("ok", info.GetProperty("integrity").GetString());

        var (textExit, text, _) = await CliRunner.RunAsync("store", "info", "--db", db);
        Assert.Equal(0, textExit);
        Assert.Contains("schema version", text, StringComparison.Ordinal);
        Assert.Matches(@"events\s+300", text);

        var csv = dir.Combine("out/events.csv");
        var (exportExit, exportOut, exportErr) = await CliRunner.RunAsync("store", "export", "--db", db, "--table", "events", "--out", csv, "--format", "json");
        Assert.True(exportExit == 0, exportErr);
        Assert.Equal(300, CliRunner.Json(exportOut).GetProperty("rows").GetInt64());
        Assert.Equal(301, File.ReadAllLines(csv).Length);

        // The export is an events file: the event reader accepts every row.
        var (validateExit, validateOut, _) = await CliRunner.RunAsync("data", "validate", "--events", csv, "--format", "json");
        Assert.Equal(0, validateExit);
        Assert.Equal(300, CliRunner.Json(validateOut).GetProperty("accepted").GetInt64());
    }

    [Fact]
    public async Task A_foreign_or_missing_file_or_an_unknown_table_gives_a_clear_error_and_leaves_the_output_alone()
    {
        using var dir = new TempDir();
        var notes = dir.File("notes.db", "not a database at all");
        var existing = dir.File("keep.csv", "precious\n");

        var (exit, _, stderr) = await CliRunner.RunAsync("store", "info", "--db", notes);
        Assert.Equal(3, exit);
        Assert.Contains(notes, stderr, StringComparison.Ordinal);
        Assert.Contains("not a SQLite database", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);

        var (missingExit, _, missingErr) = await CliRunner.RunAsync("store", "info", "--db", dir.Combine("nothing.db"));
        Assert.Equal(3, missingExit);
        Assert.Contains("does not exist", missingErr, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.Combine("nothing.db")));

        var (exportExit, _, exportErr) = await CliRunner.RunAsync("store", "export", "--db", notes, "--table", "events", "--out", existing);
        Assert.Equal(3, exportExit);
        Assert.Contains(notes, exportErr, StringComparison.Ordinal);
        Assert.Equal("precious\n", File.ReadAllText(existing));

        using (SqliteChurnStore.Open(dir.Combine("ok.db")))
        {
        }

        var (tableExit, _, tableErr) = await CliRunner.RunAsync("store", "export", "--db", dir.Combine("ok.db"), "--table", "sqlite_master", "--out", existing);
        Assert.Equal(2, tableExit);
        Assert.Contains("assessment_history", tableErr, StringComparison.Ordinal);
        Assert.Equal("precious\n", File.ReadAllText(existing));
    }
}
