using Churn.Abstractions;

namespace Churn.Data;

/// <summary>
/// One customer's events, oldest first, as parallel spans of UTC ticks, type codes and amounts
/// (NaN when an event has no amount). A timeline cut with <see cref="Until"/> cannot see later events.
/// </summary>
public readonly struct CustomerTimeline
{
    private readonly EventLog _log;
    private readonly int _start;

    internal CustomerTimeline(EventLog log, int customerIndex, int start, int count)
    {
        _log = log;
        CustomerIndex = customerIndex;
        _start = start;
        Count = count;
    }

    /// <summary>Gets the customer's position in the log.</summary>
    public int CustomerIndex { get; }

    /// <summary>Gets the customer.</summary>
    public CustomerId CustomerId => _log.Customers[CustomerIndex];

    /// <summary>Gets the number of events.</summary>
    public int Count { get; }

    /// <summary>Gets the UTC ticks of the events, ascending.</summary>
    public ReadOnlySpan<long> Ticks => _log.TicksSpan(_start, Count);

    /// <summary>Gets the type codes (see <see cref="EventLog.Types"/>).</summary>
    public ReadOnlySpan<ushort> TypeCodes => _log.TypesSpan(_start, Count);

    /// <summary>Gets the amounts; NaN where an event has none.</summary>
    public ReadOnlySpan<double> Amounts => _log.AmountsSpan(_start, Count);

    /// <summary>Gets the log the timeline belongs to (for type codes).</summary>
    public EventLog Log => _log;

    /// <summary>Cuts the timeline at an instant: events at or before it remain.</summary>
    /// <param name="asOf">The instant.</param>
    /// <returns>The shorter timeline.</returns>
    public CustomerTimeline Until(DateTimeOffset asOf)
    {
        var ticks = Ticks;
        var limit = asOf.UtcTicks;
        int lo = 0, hi = ticks.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (ticks[mid] <= limit)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return new CustomerTimeline(_log, CustomerIndex, _start, lo);
    }

    /// <summary>Gets the type of the event at a position.</summary>
    /// <param name="i">The position.</param>
    /// <returns>The type.</returns>
    public CustomerEventType TypeAt(int i) => _log.Types[TypeCodes[i]];
}
