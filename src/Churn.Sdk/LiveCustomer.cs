using System.Buffers;
using System.Buffers.Binary;
using Churn.Abstractions;
using Churn.Data;
using Churn.Rules;

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
    private const byte FormatWithSymptoms = 2;
    private const int ExtraBytes = 1 + 16 + 4 + (4 * 8) + 1;

    internal LiveCustomer(CustomerId customerId, CustomerProfile? profile, FeatureState features, SymptomState? symptoms)
    {
        CustomerId = customerId;
        Profile = profile;
        Features = features;
        Symptoms = symptoms;
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
    public int SerializedBytes => ExtraBytes + Features.SerializedBytes + (Symptoms is { } s ? 4 + s.SerializedBytes : 0);

    internal FeatureState Features { get; }

    /// <summary>Gets the rules' live state, when the pipeline has rules.</summary>
    internal SymptomState? Symptoms { get; }

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
        if (bytes.Length < ExtraBytes || (bytes[0] != Format && bytes[0] != FormatWithSymptoms))
        {
            throw new FormatException("The bytes are not a live customer state (format 1 or 2).");
        }

        // Format 2 adds the rules' state after the features, whose length comes first.
        var features = bytes[ExtraBytes..];
        SymptomState? symptoms = null;
        if (bytes[0] == FormatWithSymptoms)
        {
            var length = bytes.Length >= ExtraBytes + 4 ? BinaryPrimitives.ReadInt32LittleEndian(bytes[ExtraBytes..]) : -1;
            if (length < 0 || length > bytes.Length - ExtraBytes - 4)
            {
                throw new FormatException("The live customer state is truncated or damaged.");
            }

            features = bytes.Slice(ExtraBytes + 4, length);
            symptoms = SymptomState.ReadFrom(bytes[(ExtraBytes + 4 + length)..]);
        }

        var bits = new int[4];
        for (var i = 0; i < 4; i++)
        {
            bits[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes[(1 + (i * 4))..]);
        }

        return new LiveCustomer(customerId, profile, FeatureState.ReadFrom(features), symptoms)
        {
            Revenue = new decimal(bits),
            Purchases = BinaryPrimitives.ReadInt32LittleEndian(bytes[17..]),
            FirstEvent = BinaryPrimitives.ReadInt64LittleEndian(bytes[21..]),
            LastSubscription = BinaryPrimitives.ReadInt64LittleEndian(bytes[29..]),
            LastActivity = BinaryPrimitives.ReadInt64LittleEndian(bytes[37..]),
            SubscriptionEndsInCancel = bytes[53] != 0,
        };
    }

    /// <summary>Writes the state in its compact binary form: the value and status totals, then the <see cref="FeatureState"/> (format 1), or its length, itself and the rules' <see cref="SymptomState"/> (format 2, when the pipeline has rules).</summary>
    /// <param name="output">Receives <see cref="SerializedBytes"/> bytes.</param>
    public void WriteTo(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var span = output.GetSpan(ExtraBytes)[..ExtraBytes];
        span.Clear();
        span[0] = Symptoms is null ? Format : FormatWithSymptoms;
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
        if (Symptoms is null)
        {
            Features.WriteTo(output);
            return;
        }

        BinaryPrimitives.WriteInt32LittleEndian(output.GetSpan(4), Features.SerializedBytes);
        output.Advance(4);
        Features.WriteTo(output);
        Symptoms.WriteTo(output);
    }
}

/// <summary>What a live assessment decides, without its words: see <see cref="ChurnPipeline.LevelLive"/>.</summary>
/// <param name="Level">The risk level.</param>
/// <param name="Probability">The calibrated probability; null for a churned customer or without a model.</param>
/// <param name="Symptoms">The symptoms, with empty explanations.</param>
public readonly record struct LiveLevel(RiskLevel Level, double? Probability, IReadOnlyList<Symptom> Symptoms);
