using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Churn.Storage.Sqlite;

/// <summary>
/// A statement prepared once on the writer's connection and bound and stepped through SQLite's own API: the per-row cost of
/// ADO.NET (a data reader per execution, parameter lookup by name, type inference) is most of an insert's cost otherwise.
/// Values are bound by position; text is encoded to UTF-8 in a reused buffer. Not thread-safe: the writer's lock guards it.
/// </summary>
internal sealed class RawStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _stmt;
    private byte[] _utf8 = new byte[256];

    public RawStatement(SqliteConnection connection, string sql)
    {
        _db = connection.Handle!;
        var rc = raw.sqlite3_prepare_v2(_db, sql, out _stmt);
        SqliteException.ThrowExceptionForRC(rc, _db);
    }

    /// <summary>Gets how many rows the last step changed.</summary>
    public int Changes => raw.sqlite3_changes(_db);

    public void Bind(int index, string? value)
    {
        if (value is null)
        {
            Check(raw.sqlite3_bind_null(_stmt, index));
            return;
        }

        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (max > _utf8.Length)
        {
            _utf8 = new byte[Math.Max(max, _utf8.Length * 2)];
        }

        var n = Encoding.UTF8.GetBytes(value, _utf8);
        Check(raw.sqlite3_bind_text(_stmt, index, _utf8.AsSpan(0, n)));
    }

    public void Bind(int index, ReadOnlySpan<byte> utf8) => Check(raw.sqlite3_bind_text(_stmt, index, utf8));

    public void Bind(int index, long value) => Check(raw.sqlite3_bind_int64(_stmt, index, value));

    public void Bind(int index, double? value) => Check(value is { } v ? raw.sqlite3_bind_double(_stmt, index, v) : raw.sqlite3_bind_null(_stmt, index));

    /// <summary>Runs the statement to its end and makes it ready for the next row.</summary>
    /// <returns>How many rows it changed.</returns>
    public int Run()
    {
        var rc = raw.sqlite3_step(_stmt);
        while (rc == raw.SQLITE_ROW)
        {
            rc = raw.sqlite3_step(_stmt);
        }

        // sqlite3_reset returns the step's error again; reset first so that the statement is reusable whatever happened.
        raw.sqlite3_reset(_stmt);
        if (rc != raw.SQLITE_DONE)
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
        }

        return raw.sqlite3_changes(_db);
    }

    /// <summary>Runs a query that returns one integer.</summary>
    public long RunScalar()
    {
        var rc = raw.sqlite3_step(_stmt);
        var value = rc == raw.SQLITE_ROW ? raw.sqlite3_column_int64(_stmt, 0) : 0;
        raw.sqlite3_reset(_stmt);
        if (rc != raw.SQLITE_ROW)
        {
            SqliteException.ThrowExceptionForRC(rc == raw.SQLITE_DONE ? raw.SQLITE_MISUSE : rc, _db);
        }

        return value;
    }

    public void Dispose() => _stmt.Dispose();

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
        }
    }
}
