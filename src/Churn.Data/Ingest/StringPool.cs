namespace Churn.Data;

/// <summary>
/// Interns repeated strings (customer ids, type names) read from spans, so that a file with
/// 20 events per customer allocates each id once. Bounded: past its capacity it starts afresh,
/// so a file larger than memory streams in bounded memory.
/// </summary>
internal sealed class StringPool(int capacity = 1 << 20)
{
    private readonly Dictionary<string, string> _pool = new(StringComparer.Ordinal);

    public string Get(ReadOnlySpan<char> text)
    {
        var lookup = _pool.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(text, out var existing))
        {
            return existing;
        }

        if (_pool.Count >= capacity)
        {
            _pool.Clear();
        }

        var s = text.ToString();
        _pool[s] = s;
        return s;
    }
}
