using System.Buffers;
using System.Buffers.Binary;
using Churn.Abstractions;

namespace Churn.Data;

/// <summary>
/// One customer's features kept current event by event, for a live monitor: what the customer's
/// whole history adds up to (counts, totals, latest times, latest feedback) and only the events
/// recent enough to fall in a window (the longest window twice over, for the trends). Made by
/// <see cref="FeatureBuilder.NewState"/>, fed by <see cref="Absorb"/>, read by
/// <see cref="FeatureBuilder.Compute(FeatureState, DateTimeOffset, CustomerProfile?, Span{double})"/>,
/// which gives exactly what <see cref="FeatureBuilder.Build"/> gives from the whole history (the
/// same arithmetic in the same order, so the same bits).
/// </summary>
/// <remarks>Not thread-safe: one state belongs to one customer and one writer. Serialisable to a few bytes (<see cref="WriteTo"/>, <see cref="ReadFrom"/>), so it can be checkpointed or held by a per-customer actor.</remarks>
public sealed class FeatureState
{
    private const byte Format = 1;
    private const int LifetimeBytes = (5 * 8) + 4 + (8 * 8);

    internal FeatureBuilder.Lifetime Life = FeatureBuilder.Lifetime.Empty;
    private long[] _ticks;
    private byte[] _roles;
    private double[] _amounts;
    private int _start;
    private int _count;

    internal FeatureState(int capacity = 4)
    {
        _ticks = new long[capacity];
        _roles = new byte[capacity];
        _amounts = new double[capacity];
    }

    /// <summary>Gets the number of events absorbed so far.</summary>
    public int Events => Life.Events;

    /// <summary>Gets the time of the latest event absorbed, or null before the first.</summary>
    public DateTimeOffset? LastEvent => Life.Events > 0 ? new DateTimeOffset(Life.Last, TimeSpan.Zero) : null;

    /// <summary>Gets the number of recent events kept for the windows.</summary>
    public int RecentEvents => _count;

    /// <summary>Gets the size of the serialised state, in bytes (<see cref="WriteTo"/>).</summary>
    public int SerializedBytes => 1 + LifetimeBytes + 4 + (_count * 17);

    internal ReadOnlySpan<long> Ticks => _ticks.AsSpan(_start, _count);

    internal ReadOnlySpan<byte> Roles => _roles.AsSpan(_start, _count);

    internal ReadOnlySpan<double> Amounts => _amounts.AsSpan(_start, _count);

    /// <summary>Reads a state written by <see cref="WriteTo"/>.</summary>
    /// <param name="bytes">The bytes.</param>
    /// <returns>The state.</returns>
    /// <exception cref="FormatException">The bytes are not a state of this format.</exception>
    public static FeatureState ReadFrom(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 1 + LifetimeBytes + 4 || bytes[0] != Format)
        {
            throw new FormatException("The bytes are not a feature state (format 1).");
        }

        var r = bytes[1..];
        static long L(ReadOnlySpan<byte> r, int i) => BinaryPrimitives.ReadInt64LittleEndian(r[(i * 8)..]);
        static double D(ReadOnlySpan<byte> r, int i) => BinaryPrimitives.ReadDoubleLittleEndian(r[((5 * 8) + 4 + (i * 8))..]);
        var count = BinaryPrimitives.ReadInt32LittleEndian(r[LifetimeBytes..]);
        if (count < 0 || r.Length != LifetimeBytes + 4 + (count * 17))
        {
            throw new FormatException("The feature state is truncated or damaged.");
        }

        var state = new FeatureState(Math.Max(4, count))
        {
            Life = new FeatureBuilder.Lifetime
            {
                First = L(r, 0),
                Last = L(r, 1),
                LastPurchase = L(r, 2),
                LastLogin = L(r, 3),
                LastContact = L(r, 4),
                Events = BinaryPrimitives.ReadInt32LittleEndian(r[(5 * 8)..]),
                Frequency = D(r, 0),
                Monetary = D(r, 1),
                AmountCount = D(r, 2),
                FeedbackLast = D(r, 3),
                FeedbackPrev = D(r, 4),
                FeedbackSum = D(r, 5),
                FeedbackCount = D(r, 6),
                SubscriptionActive = D(r, 7),
            },
        };
        var events = r[(LifetimeBytes + 4)..];
        for (var i = 0; i < count; i++)
        {
            var e = events[(i * 17)..];
            state.Append(BinaryPrimitives.ReadInt64LittleEndian(e), e[8], BinaryPrimitives.ReadDoubleLittleEndian(e[9..]));
        }

        return state;
    }

    /// <summary>Writes the state in its compact binary form (format 1, little-endian): the lifetime totals, then each recent event as time, kind and amount (17 bytes).</summary>
    /// <param name="output">Receives <see cref="SerializedBytes"/> bytes.</param>
    public void WriteTo(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var span = output.GetSpan(SerializedBytes)[..SerializedBytes];
        span[0] = Format;
        var w = span[1..];
        var l = Life;
        foreach (var (i, v) in new[] { (0, l.First), (1, l.Last), (2, l.LastPurchase), (3, l.LastLogin), (4, l.LastContact) })
        {
            BinaryPrimitives.WriteInt64LittleEndian(w[(i * 8)..], v);
        }

        BinaryPrimitives.WriteInt32LittleEndian(w[(5 * 8)..], l.Events);
        var doubles = new[] { l.Frequency, l.Monetary, l.AmountCount, l.FeedbackLast, l.FeedbackPrev, l.FeedbackSum, l.FeedbackCount, l.SubscriptionActive };
        for (var i = 0; i < doubles.Length; i++)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(w[((5 * 8) + 4 + (i * 8))..], doubles[i]);
        }

        BinaryPrimitives.WriteInt32LittleEndian(w[LifetimeBytes..], _count);
        var events = w[(LifetimeBytes + 4)..];
        for (var i = 0; i < _count; i++)
        {
            var e = events[(i * 17)..];
            BinaryPrimitives.WriteInt64LittleEndian(e, _ticks[_start + i]);
            e[8] = _roles[_start + i];
            BinaryPrimitives.WriteDoubleLittleEndian(e[9..], _amounts[_start + i]);
        }

        output.Advance(SerializedBytes);
    }

    /// <summary>Adds one event. Events come in time order (equal times in arrival order, as the event log keeps them).</summary>
    /// <param name="time">When it happened; not before the latest event absorbed.</param>
    /// <param name="type">What happened.</param>
    /// <param name="amount">Its amount (NaN when none).</param>
    /// <exception cref="ArgumentException">The event is older than the latest absorbed.</exception>
    public void Absorb(DateTimeOffset time, CustomerEventType type, double amount)
    {
        var tick = time.UtcTicks;
        if (Life.Events > 0 && tick < Life.Last)
        {
            throw new ArgumentException($"The event at {time:O} is older than the latest absorbed ({LastEvent:O}): live features take events in time order.", nameof(time));
        }

        var role = FeatureBuilder.RoleOf(type);
        Life.Absorb(role, tick, amount);
        Append(tick, (byte)role, amount);
    }

    internal void Append(long tick, byte role, double amount)
    {
        if (_start + _count == _ticks.Length)
        {
            if (_start > 0 && _count <= _ticks.Length / 2)
            {
                // Slide the kept events to the front before growing.
                Array.Copy(_ticks, _start, _ticks, 0, _count);
                Array.Copy(_roles, _start, _roles, 0, _count);
                Array.Copy(_amounts, _start, _amounts, 0, _count);
                _start = 0;
            }
            else
            {
                var capacity = _ticks.Length * 2;
                Array.Resize(ref _ticks, capacity);
                Array.Resize(ref _roles, capacity);
                Array.Resize(ref _amounts, capacity);
            }
        }

        _ticks[_start + _count] = tick;
        _roles[_start + _count] = role;
        _amounts[_start + _count] = amount;
        _count++;
    }

    /// <summary>Forgets the recent events at or before a limit (they can fall in no window any more).</summary>
    internal void DropUntil(long limit)
    {
        while (_count > 0 && _ticks[_start] <= limit)
        {
            _start++;
            _count--;
        }

        if (_count == 0)
        {
            _start = 0;
        }
    }
}
