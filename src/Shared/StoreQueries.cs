using System.Text;
using Churn.Abstractions;

namespace Churn.Shared;

#pragma warning disable CA2208 // The parameter names are those of the public store methods that call these checks.

/// <summary>What every store implementation checks the same way: queries, keys, and the order of ids.</summary>
internal static class StoreQueries
{
    /// <summary>Refuses a query whose range or limit makes no sense.</summary>
    public static void Check(StoreQuery? query, string what, bool segment, bool levels)
    {
        if (query is null)
        {
            return;
        }

        CheckRange(query.From, query.To, query.Limit);
        if (!segment && query.Segment is not null)
        {
            throw new ArgumentException($"{what} have no segment: the query's Segment filter does not apply to them.", nameof(query));
        }

        if (!levels && query.Levels is not null)
        {
            throw new ArgumentException($"{what} have no risk level: the query's Levels filter does not apply to them.", nameof(query));
        }

        if (query.CustomerId is { IsEmpty: true })
        {
            throw new ArgumentException("The query's CustomerId is empty.", nameof(query));
        }
    }

    /// <summary>Refuses an event query whose range or limit makes no sense.</summary>
    public static void Check(EventQuery? query)
    {
        if (query is null)
        {
            return;
        }

        CheckRange(query.From, query.To, query.Limit);
        if (query.AfterSequence < 0)
        {
            throw new ArgumentException($"AfterSequence is {query.AfterSequence}; positions start at 1 (0 reads from the start).", nameof(query));
        }

        if (query.CustomerId is { IsEmpty: true })
        {
            throw new ArgumentException("The query's CustomerId is empty.", nameof(query));
        }

        if (!Enum.IsDefined(query.Order))
        {
            throw new ArgumentException($"Unknown event order {(int)query.Order}.", nameof(query));
        }
    }

    /// <summary>Refuses an event the store could not give back as it was given.</summary>
    public static void CheckEvent(CustomerEvent e, int index)
    {
        if (e is null)
        {
            throw new ArgumentException($"Event {index} is null.", "events");
        }

        if (e.CustomerId.IsEmpty || string.IsNullOrEmpty(e.Type.Name))
        {
            throw new ArgumentException($"Event {index} has an empty customer id or type.", "events");
        }
    }

    /// <summary>Refuses an assessment the store could not key.</summary>
    public static void CheckAssessment(RiskAssessment a, int index)
    {
        if (a is null)
        {
            throw new ArgumentException($"Assessment {index} is null.", "assessments");
        }

        if (a.CustomerId.IsEmpty)
        {
            throw new ArgumentException($"Assessment {index} has an empty customer id.", "assessments");
        }
    }

    /// <summary>Refuses an empty name or key.</summary>
    public static void CheckKey(string? value, string what, int index, string parameter)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw new ArgumentException($"{what} {index} has no {(what == "Decision" ? "id" : "name")}.", parameter);
        }
    }

    /// <summary>Gets whether an instant lies in a query's range.</summary>
    public static bool InRange(StoreQuery? q, DateTimeOffset at) =>
        q is null || ((q.From is not { } from || at >= from) && (q.To is not { } to || at <= to));

    /// <summary>The order of ids in every store: ordinal on their UTF-8 bytes (what SQLite's BINARY collation and PostgreSQL's "C" collation use).</summary>
    public static int CompareIds(string a, string b)
    {
        var n = Math.Min(a.Length, b.Length);
        for (var i = 0; i < n; i++)
        {
            var x = a[i];
            var y = b[i];
            if (x != y)
            {
                // UTF-16 orders surrogates (U+D800-U+DFFF) below U+E000-U+FFFF; UTF-8 (code point order) puts them above.
                return Rank(x).CompareTo(Rank(y));
            }
        }

        return a.Length.CompareTo(b.Length);

        static int Rank(char c) => char.IsSurrogate(c) ? c + 0x2000 : c >= 0xE000 ? c - 0x800 : c;
    }

    /// <summary>Gets the bytes of a string in UTF-8 (for size accounting).</summary>
    public static int Utf8Length(string? s) => s is null ? 0 : Encoding.UTF8.GetByteCount(s);

    private static void CheckRange(DateTimeOffset? from, DateTimeOffset? to, int? limit)
    {
        if (from is { } f && to is { } t && f > t)
        {
            throw new ArgumentException($"The query's From ({f:O}) is after its To ({t:O}).", "query");
        }

        if (limit is < 0)
        {
            throw new ArgumentException($"The query's Limit is {limit}; it must be at least 0.", "query");
        }
    }
}
