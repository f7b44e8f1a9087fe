using Microsoft.Extensions.Options;

namespace Churn.Storage.Sqlite;

/// <summary>Where and how the SQLite store keeps its file.</summary>
public sealed class SqliteStoreOptions
{
    /// <summary>Gets or sets the database file (created, with its folder, when missing; for example <c>churn.db</c>).</summary>
    public string Path { get; set; } = string.Empty;

    /// <summary>Gets or sets a value indicating whether the store is opened read-only (for reports and exports): every write is refused, and the file must exist.</summary>
    public bool ReadOnly { get; set; }

    /// <summary>Gets or sets how long a write waits for another process that holds the database before it fails with <see cref="Abstractions.StoreError.Busy"/> (default 30 s; 0 to 1 hour).</summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets the most bytes the database may grow to (at least 1 MiB), or <see langword="null"/> for no limit but the disk: a write past it fails with <see cref="Abstractions.StoreError.Full"/> and writes nothing.</summary>
    public long? MaxSizeBytes { get; set; }

    /// <summary>Gets or sets a value indicating whether opening runs SQLite's quick integrity check (reads the whole file once) and refuses a damaged file.</summary>
    public bool VerifyOnOpen { get; set; }
}

/// <summary>Checks <see cref="SqliteStoreOptions"/> at start-up.</summary>
internal sealed class SqliteStoreOptionsValidator : IValidateOptions<SqliteStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, SqliteStoreOptions options)
    {
        var b = new ValidateOptionsResultBuilder();
        if (string.IsNullOrWhiteSpace(options.Path))
        {
            b.AddError("the database file is required (for example churn.AddSqliteStore(o => o.Path = \"churn.db\"))", nameof(options.Path));
        }
        else if (options.Path.IndexOfAny(System.IO.Path.GetInvalidPathChars()) >= 0)
        {
            b.AddError($"'{options.Path}' is not a valid path", nameof(options.Path));
        }

        if (options.BusyTimeout < TimeSpan.Zero || options.BusyTimeout > TimeSpan.FromHours(1))
        {
            b.AddError($"{options.BusyTimeout} is outside 0 to 1 hour", nameof(options.BusyTimeout));
        }

        if (options.MaxSizeBytes is < 1 << 20)
        {
            b.AddError($"{options.MaxSizeBytes} bytes is below the smallest limit, 1 MiB (1048576): the empty schema takes about 400 KiB", nameof(options.MaxSizeBytes));
        }

        return b.Build();
    }
}
