using Churn.Abstractions;

namespace Churn.Data;

/// <summary>
/// Collects events in any order and builds an <see cref="EventLog"/>. Building sorts by customer
/// (order of first appearance) and, stably, by time, in linear time for data that is already
/// nearly in time order.
/// </summary>
/// <remarks>Not thread-safe. While collecting it holds 22 bytes per event.</remarks>
public sealed class EventLogBuilder
{
    private readonly List<CustomerId> _customers = [];
    private readonly Dictionary<CustomerId, int> _index = [];
    private readonly List<CustomerEventType> _typeTable = [];
    private readonly Dictionary<CustomerEventType, ushort> _typeIndex = [];
    private int[] _customerOf = new int[1024];
    private long[] _ticks = new long[1024];
    private ushort[] _types = new ushort[1024];
    private double[] _amounts = new double[1024];
    private int _count;

    /// <summary>Gets the number of events collected.</summary>
    public int Count => _count;

    /// <summary>Builds a log from events.</summary>
    /// <param name="events">The events.</param>
    /// <param name="profiles">Customers to include even without events; optional.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The log.</returns>
    public static EventLog Build(IEnumerable<CustomerEvent> events, IEnumerable<CustomerProfile>? profiles = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        var builder = new EventLogBuilder();
        if (profiles is not null)
        {
            foreach (var p in profiles)
            {
                builder.AddCustomer(p.Id);
            }
        }

        var n = 0;
        foreach (var e in events)
        {
            if ((++n & 0xFFFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            builder.Add(e);
        }

        return builder.Build(cancellationToken);
    }

    /// <summary>Adds a customer who may have no events.</summary>
    /// <param name="customerId">The customer.</param>
    /// <returns>The customer's position.</returns>
    public int AddCustomer(CustomerId customerId)
    {
        if (customerId.IsEmpty)
        {
            throw new ArgumentException("The customer id is empty.", nameof(customerId));
        }

        if (!_index.TryGetValue(customerId, out var c))
        {
            c = _customers.Count;
            _customers.Add(customerId);
            _index.Add(customerId, c);
        }

        return c;
    }

    /// <summary>Adds an event.</summary>
    /// <param name="e">The event.</param>
    public void Add(CustomerEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        Add(e.CustomerId, e.Timestamp, e.Type, e.Amount is { } a ? (double)a : double.NaN);
    }

    /// <summary>Adds an event without allocating a record.</summary>
    /// <param name="customerId">Who.</param>
    /// <param name="timestamp">When.</param>
    /// <param name="type">What.</param>
    /// <param name="amount">The amount, NaN for none.</param>
    public void Add(CustomerId customerId, DateTimeOffset timestamp, CustomerEventType type, double amount)
    {
        var c = AddCustomer(customerId);
        if (!_typeIndex.TryGetValue(type, out var t))
        {
            if (_typeTable.Count == ushort.MaxValue)
            {
                throw new InvalidOperationException($"More than {ushort.MaxValue} distinct event types.");
            }

            t = (ushort)_typeTable.Count;
            _typeTable.Add(type);
            _typeIndex.Add(type, t);
        }

        if (_count == _ticks.Length)
        {
            var size = checked(_count * 2);
            Array.Resize(ref _customerOf, size);
            Array.Resize(ref _ticks, size);
            Array.Resize(ref _types, size);
            Array.Resize(ref _amounts, size);
        }

        _customerOf[_count] = c;
        _ticks[_count] = timestamp.UtcTicks;
        _types[_count] = t;
        _amounts[_count] = amount;
        _count++;
    }

    /// <summary>Builds the log. The builder can be reused afterwards only by adding to it again.</summary>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The log.</returns>
    public EventLog Build(CancellationToken cancellationToken = default)
    {
        var customers = _customers.Count;
        var offsets = new int[customers + 1];
        for (var i = 0; i < _count; i++)
        {
            offsets[_customerOf[i] + 1]++;
        }

        for (var c = 0; c < customers; c++)
        {
            offsets[c + 1] += offsets[c];
        }

        var cursor = offsets[..^1];
        var ticks = new long[_count];
        var types = new ushort[_count];
        var amounts = new double[_count];
        for (var i = 0; i < _count; i++)
        {
            var at = cursor[_customerOf[i]]++;
            ticks[at] = _ticks[i];
            types[at] = _types[i];
            amounts[at] = _amounts[i];
        }

        for (var c = 0; c < customers; c++)
        {
            if ((c & 0xFFFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            SortByTime(ticks, types, amounts, offsets[c], offsets[c + 1] - offsets[c]);
        }

        return new EventLog([.. _customers], new Dictionary<CustomerId, int>(_index), offsets, ticks, types, amounts, [.. _typeTable]);
    }

    private static void SortByTime(long[] ticks, ushort[] types, double[] amounts, int start, int count)
    {
        var span = ticks.AsSpan(start, count);
        var sorted = true;
        for (var i = 1; i < span.Length; i++)
        {
            if (span[i] < span[i - 1])
            {
                sorted = false;
                break;
            }
        }

        if (sorted)
        {
            return;
        }

        // Stable: ties keep their input order.
        var keys = new (long Ticks, int Position)[count];
        for (var i = 0; i < count; i++)
        {
            keys[i] = (ticks[start + i], i);
        }

        Array.Sort(keys);
        var t2 = types.AsSpan(start, count).ToArray();
        var a2 = amounts.AsSpan(start, count).ToArray();
        for (var i = 0; i < count; i++)
        {
            ticks[start + i] = keys[i].Ticks;
            types[start + i] = t2[keys[i].Position];
            amounts[start + i] = a2[keys[i].Position];
        }
    }
}
