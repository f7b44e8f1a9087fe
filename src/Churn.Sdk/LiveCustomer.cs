using System.Buffers;
using System.Buffers.Binary;
using Churn.Abstractions;
using Churn.Data;

namespace Churn.Sdk;

/// <summary>
/// One customer's state for live assessment: their features kept current event by event
/// (<see cref="FeatureState"/>), the totals their value needs, and what their churn status reads
/// (the latest subscription event, the latest activity). A monitor holds one per customer; it is
/// a few hundred bytes and serialisable (<see cref="WriteTo"/>, <see cref="ReadFrom"/>), so it can be
/// checkpointed or become a per-customer actor's state. Made by <see cref="ChurnPipeline.StartLive"/>.
/// </summary>
/// <remarks>Not thread-safe: one writer per customer.</remarks>
public sealed class LiveCustomer
{
    private const byte Format = 1;
    private const int ExtraBytes = 1 + 16 + 4 + (4 * 8) + 1;

    internal LiveCustomer(CustomerId customerId, CustomerProfile? profile, FeatureState features)
    {
        CustomerId = customerId;
        Profile = profile;
        Features = features;
    }

    /// <summary>Gets the customer.</summary>
    public CustomerId CustomerId { get; }

    /// <summary>Gets or sets the customer's profile (signup date, owner, attributes), when known.</summary>
    public CustomerProfile? Profile { get; set; }

    /// <summary>Gets the number of events observed.</summary>
    public int Events => Features.Events;

    /// <summary>Gets the time of the latest event observed, or null before the first.</summary>
    public DateTimeOffset? LastEvent => Features.LastEvent;

    /// <summary>Gets the size of the serialised state in bytes (the profile is not part of it: it lives in the customer file or store).</summary>
    public int SerializedBytes => ExtraBytes + Features.SerializedBytes;

    internal FeatureState Features { get; }

    internal decimal Revenue { get; set; }

    internal int Purchases { get; set; }

    internal long FirstEvent { get; set; } = long.MinValue;

    internal long LastSubscription { get; set; } = long.MinValue;

    internal bool SubscriptionEndsInCancel { get; set; }

    internal long LastActivity { get; set; } = long.MinValue;

    /// <summary>Reads a state written by <see cref="WriteTo"/>.</summary>
    /// <param name="customerId">The customer it belongs to.</param>
    /// <param name="bytes">The bytes.</param>
    /// <param name="profile">The customer's profile, if known.</param>
    /// <returns>The state.</returns>
    /// <exception cref="FormatException">The bytes are not a live state of this format.</exception>
    public static LiveCustomer ReadFrom(CustomerId customerId, ReadOnlySpan<byte> bytes, CustomerProfile? profile = null)
    {
        if (bytes.Length < ExtraBytes || bytes[0] != Format)
        {
            throw new FormatException("The bytes are not a live customer state (format 1).");
        }

        var bits = new int[4];
        for (var i = 0; i < 4; i++)
        {
            bits[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes[(1 + (i * 4))..]);
        }

        return new LiveCustomer(customerId, profile, FeatureState.ReadFrom(bytes[ExtraBytes..]))
        {
            Revenue = new decimal(bits),
            Purchases = BinaryPrimitives.ReadInt32LittleEndian(bytes[17..]),
            FirstEvent = BinaryPrimitives.ReadInt64LittleEndian(bytes[21..]),
            LastSubscription = BinaryPrimitives.ReadInt64LittleEndian(bytes[29..]),
            LastActivity = BinaryPrimitives.ReadInt64LittleEndian(bytes[37..]),
            SubscriptionEndsInCancel = bytes[53] != 0,
        };
    }

    /// <summary>Writes the state in its compact binary form (format 1): the value and status totals, then the <see cref="FeatureState"/>.</summary>
    /// <param name="output">Receives <see cref="SerializedBytes"/> bytes.</param>
    public void WriteTo(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var span = output.GetSpan(ExtraBytes)[..ExtraBytes];
        span.Clear();
        span[0] = Format;
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(Revenue, bits);
        for (var i = 0; i < 4; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(span[(1 + (i * 4))..], bits[i]);
        }

        BinaryPrimitives.WriteInt32LittleEndian(span[17..], Purchases);
        BinaryPrimitives.WriteInt64LittleEndian(span[21..], FirstEvent);
        BinaryPrimitives.WriteInt64LittleEndian(span[29..], LastSubscription);
        BinaryPrimitives.WriteInt64LittleEndian(span[37..], LastActivity);
        span[53] = SubscriptionEndsInCancel ? (byte)1 : (byte)0;
        output.Advance(ExtraBytes);
        Features.WriteTo(output);
    }
}
