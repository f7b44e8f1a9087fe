using Churn.Abstractions;

namespace Churn.Data;

/// <summary>
/// Customer events indexed by customer and time, stored in columns: per event 8 bytes of UTC
/// ticks, 2 bytes of type code and 8 bytes of amount (18 bytes; see <see cref="BytesPerEvent"/>),
/// plus 4 bytes of offset and the id string per customer. Event ids and attributes are not kept:
/// the log serves feature and label building.
/// </summary>
/// <remarks>Immutable once built and safe to read from many threads. Build one with <see cref="EventLogBuilder"/>.</remarks>
public sealed class EventLog
{
    /// <summary>The number of bytes each event takes in the log's columns.</summary>
    public const int BytesPerEvent = sizeof(long) + sizeof(ushort) + sizeof(double);

    private readonly CustomerId[] _customers;
    private readonly Dictionary<CustomerId, int> _index;
    private readonly int[] _offsets;
    private readonly long[] _ticks;
    private readonly ushort[] _types;
    private readonly double[] _amounts;
    private readonly CustomerEventType[] _typeTable;

    internal EventLog(CustomerId[] customers, Dictionary<CustomerId, int> index, int[] offsets, long[] ticks, ushort[] types, double[] amounts, CustomerEventType[] typeTable)
    {
        _customers = customers;
        _index = index;
        _offsets = offsets;
        _ticks = ticks;
        _types = types;
        _amounts = amounts;
        _typeTable = typeTable;
        if (ticks.Length > 0)
        {
            long min = long.MaxValue, max = long.MinValue;
            for (var c = 0; c < customers.Length; c++)
            {
                if (offsets[c + 1] > offsets[c])
                {
                    min = Math.Min(min, ticks[offsets[c]]);
                    max = Math.Max(max, ticks[offsets[c + 1] - 1]);
                }
            }

            FirstEventTime = new DateTimeOffset(min, TimeSpan.Zero);
            LastEventTime = new DateTimeOffset(max, TimeSpan.Zero);
        }
    }

    /// <summary>Gets the number of customers (including those with no events).</summary>
    public int CustomerCount => _customers.Length;

    /// <summary>Gets the number of events.</summary>
    public int EventCount => _ticks.Length;

    /// <summary>Gets the customers, in the order they first appeared.</summary>
    public IReadOnlyList<CustomerId> Customers => _customers;

    /// <summary>Gets the event types seen, indexed by type code.</summary>
    public IReadOnlyList<CustomerEventType> Types => _typeTable;

    /// <summary>Gets the time of the earliest event (UTC), or <see langword="null"/> when empty.</summary>
    public DateTimeOffset? FirstEventTime { get; }

    /// <summary>Gets the time of the latest event (UTC), or <see langword="null"/> when empty.</summary>
    public DateTimeOffset? LastEventTime { get; }

    /// <summary>Gets the bytes held by the event columns and the per-customer offsets (not counting id strings).</summary>
    public long ColumnBytes => ((long)_ticks.Length * BytesPerEvent) + ((long)_offsets.Length * sizeof(int));

    /// <summary>Gets the position of a customer, or -1.</summary>
    /// <param name="customerId">The customer.</param>
    /// <returns>The position or -1.</returns>
    public int IndexOf(CustomerId customerId) => _index.TryGetValue(customerId, out var i) ? i : -1;

    /// <summary>Gets the type code of an event type, or -1 when the log has no such events.</summary>
    /// <param name="type">The type.</param>
    /// <returns>The code or -1.</returns>
    public int CodeOf(CustomerEventType type) => Array.IndexOf(_typeTable, type);

    /// <summary>Gets a customer's whole timeline.</summary>
    /// <param name="customerIndex">The customer's position.</param>
    /// <returns>The timeline, oldest first.</returns>
    public CustomerTimeline Timeline(int customerIndex)
    {
        var start = _offsets[customerIndex];
        var end = _offsets[customerIndex + 1];
        return new CustomerTimeline(this, customerIndex, start, end - start);
    }

    /// <summary>Gets a customer's timeline up to and including an instant: nothing later can be seen through it.</summary>
    /// <param name="customerIndex">The customer's position.</param>
    /// <param name="asOf">The instant.</param>
    /// <returns>The timeline, oldest first.</returns>
    public CustomerTimeline TimelineAsOf(int customerIndex, DateTimeOffset asOf) => Timeline(customerIndex).Until(asOf);

    /// <summary>Enumerates a customer's events as <see cref="CustomerEvent"/> records (allocates; for inspection).</summary>
    /// <param name="customerId">The customer.</param>
    /// <returns>The events, oldest first; none for an unknown customer.</returns>
    public IEnumerable<CustomerEvent> EventsOf(CustomerId customerId)
    {
        var c = IndexOf(customerId);
        if (c < 0)
        {
            yield break;
        }

        for (var i = _offsets[c]; i < _offsets[c + 1]; i++)
        {
            yield return new CustomerEvent(
                customerId,
                new DateTimeOffset(_ticks[i], TimeSpan.Zero),
                _typeTable[_types[i]],
                double.IsNaN(_amounts[i]) ? null : (decimal)_amounts[i]);
        }
    }

    internal ReadOnlySpan<long> TicksSpan(int start, int count) => _ticks.AsSpan(start, count);

    internal ReadOnlySpan<ushort> TypesSpan(int start, int count) => _types.AsSpan(start, count);

    internal ReadOnlySpan<double> AmountsSpan(int start, int count) => _amounts.AsSpan(start, count);
}
