using Churn.Abstractions;
using Churn.Storage.Sqlite;

namespace Churn.Storage.Tests;

/// <summary>The store contract on SQLite files: every read happens after the file was closed and opened again.</summary>
public sealed class SqliteStoreContractTests : StoreContract
{
    private readonly TempFolder _folder = new();
    private int _next;

    protected override IChurnStore CreateStore() => SqliteChurnStore.Open(_folder.File($"store{Interlocked.Increment(ref _next)}.db"));

    protected override IChurnStore Reopen(IChurnStore store)
    {
        var path = ((SqliteChurnStore)store).Location;
        ((SqliteChurnStore)store).Dispose();
        return Track(SqliteChurnStore.Open(path));
    }

    protected override void Cleanup() => _folder.Dispose();
}

/// <summary>A folder of its own for a test, deleted afterwards.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "churn-store-tests", Guid.NewGuid().ToString("N"));

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A file still open elsewhere: the OS temp folder is cleaned eventually.
        }
    }
}
