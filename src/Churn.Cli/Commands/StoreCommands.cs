using System.CommandLine;
using System.Globalization;
using System.Text;
using Churn.Abstractions;
using Churn.Storage.Sqlite;

namespace Churn.Cli.Commands;

/// <summary><c>churn store info</c> and <c>churn store export</c>: look into a SQLite store without changing it.</summary>
internal static class StoreCommands
{
    public static Command Build(TextWriter output, TextWriter error)
    {
        var store = new Command("store", "Look into a Churn.Sdk SQLite store (opened read-only: nothing is changed).");
        store.Subcommands.Add(Info(output, error));
        store.Subcommands.Add(Export(output, error));
        return store;
    }

    private static Option<string> Db() => new("--db") { Description = "The store's database file.", Required = true };

    private static Command Info(TextWriter output, TextWriter error)
    {
        var db = Db();
        var check = new Option<bool>("--check") { Description = "Also run SQLite's full integrity check (reads the whole file)." };
        var format = Formats.Option();
        var command = new Command("info", "Print the store's schema version, rows per table and size on disk.") { db, check, format };
        command.SetAction(async (parse, ct) =>
        {
            var json = Formats.IsJson(parse, format);
            try
            {
                using var s = SqliteChurnStore.Open(new SqliteStoreOptions { Path = parse.GetValue(db)!, ReadOnly = true });
                var info = await s.GetInfoAsync(ct).ConfigureAwait(false);
                var problems = parse.GetValue(check) ? await s.CheckIntegrityAsync(ct).ConfigureAwait(false) : null;
                if (json)
                {
                    Json.Write(output, new
                    {
                        path = info.Location,
                        schemaVersion = info.SchemaVersion,
                        latestSchemaVersion = SqliteChurnStore.LatestSchemaVersion,
                        sizeBytes = info.SizeBytes,
                        tables = info.RowCounts,
                        integrity = problems is null ? null : problems.Count == 0 ? "ok" : string.Join("; ", problems.Take(20)),
                    });
                }
                else
                {
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Store {info.Location}: SQLite, schema version {info.SchemaVersion} (this SDK writes {SqliteChurnStore.LatestSchemaVersion}), {info.SizeBytes:N0} bytes."));
                    foreach (var (table, rows) in info.RowCounts)
                    {
                        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {table,-20} {rows,12:N0}"));
                    }

                    if (problems is not null)
                    {
                        output.WriteLine(problems.Count == 0 ? "Integrity: ok." : "Integrity: DAMAGED: " + string.Join("; ", problems.Take(20)));
                    }
                }

                return problems is { Count: > 0 } ? ExitCodes.Unusable : ExitCodes.Ok;
            }
            catch (ChurnStoreException e)
            {
                return DataCommands.Fatal(output, error, json, e.Message);
            }
        });
        return command;
    }

    private static Command Export(TextWriter output, TextWriter error)
    {
        var db = Db();
        var table = new Option<string>("--table") { Description = "The table: " + string.Join(", ", SqliteChurnStore.TableNames) + ".", Required = true };
        var outFile = new Option<string>("--out") { Description = "The CSV file to write (written beside it, then renamed into place).", Required = true };
        var format = Formats.Option();
        var command = new Command("export", "Write one table of the store as CSV: a header, one row per record, instants in ISO 8601 UTC.") { db, table, outFile, format };
        command.SetAction(async (parse, ct) =>
        {
            var json = Formats.IsJson(parse, format);
            var name = parse.GetValue(table)!;
            if (!SqliteChurnStore.TableNames.Contains(name))
            {
                return DataCommands.Usage(output, error, json, $"--table '{name}' is not a table of the store; use one of {string.Join(", ", SqliteChurnStore.TableNames)}.");
            }

            var path = parse.GetValue(outFile)!;
            try
            {
                using var s = SqliteChurnStore.Open(new SqliteStoreOptions { Path = parse.GetValue(db)!, ReadOnly = true });
                long rows = 0;
                await AtomicFile.WriteAsync(path, async stream =>
                {
                    var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16);
                    await using (writer.ConfigureAwait(false))
                    {
                        rows = await s.ExportCsvAsync(name, writer, ct).ConfigureAwait(false);
                    }
                }).ConfigureAwait(false);
                if (json)
                {
                    Json.Write(output, new { table = name, rows, @out = Path.GetFullPath(path) });
                }
                else
                {
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Exported {rows:N0} rows of {name} to {path}."));
                }

                return ExitCodes.Ok;
            }
            catch (Exception e) when (e is ChurnStoreException or ArgumentException or IOException or UnauthorizedAccessException)
            {
                return DataCommands.Fatal(output, error, json, e.Message);
            }
        });
        return command;
    }
}
