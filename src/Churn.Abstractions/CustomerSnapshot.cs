namespace Churn.Abstractions;

/// <summary>
/// The features of one customer as of one instant. Values are numbers; a missing value
/// (no feedback ever given, say) is <see cref="double.NaN"/>.
/// </summary>
/// <remarks>
/// A snapshot built by the SDK uses only what was known at <see cref="AsOf"/>. The value array
/// is not copied: treat it as read-only. Safe to share between threads when not mutated.
/// </remarks>
public sealed class CustomerSnapshot
{
    private readonly double[] _values;

    /// <summary>Initializes a new instance of the <see cref="CustomerSnapshot"/> class.</summary>
    /// <param name="customerId">The customer.</param>
    /// <param name="asOf">The instant the features describe.</param>
    /// <param name="schema">The feature names and kinds.</param>
    /// <param name="values">One value per schema feature; NaN for missing. Not copied.</param>
    /// <exception cref="ArgumentException">The number of values differs from the schema's.</exception>
    public CustomerSnapshot(CustomerId customerId, DateTimeOffset asOf, FeatureSchema schema, double[] values)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length != schema.Count)
        {
            throw new ArgumentException(
                $"The schema has {schema.Count} features but {values.Length} values were given.", nameof(values));
        }

        CustomerId = customerId;
        AsOf = asOf;
        Schema = schema;
        _values = values;
    }

    /// <summary>Gets the customer.</summary>
    public CustomerId CustomerId { get; }

    /// <summary>Gets the instant the features describe.</summary>
    public DateTimeOffset AsOf { get; }

    /// <summary>Gets the feature names and kinds.</summary>
    public FeatureSchema Schema { get; }

    /// <summary>Gets the values, in schema order.</summary>
    public ReadOnlySpan<double> Values => _values;

    /// <summary>Gets the value of a feature by position.</summary>
    /// <param name="index">The position in the schema.</param>
    public double this[int index] => _values[index];

    /// <summary>Gets the value of a feature by name.</summary>
    /// <param name="name">The feature name.</param>
    /// <exception cref="KeyNotFoundException">There is no feature of that name.</exception>
    public double this[string name]
    {
        get
        {
            var i = Schema.IndexOf(name);
            return i >= 0 ? _values[i] : throw new KeyNotFoundException($"The snapshot has no feature named '{name}'.");
        }
    }

    /// <summary>Gets a feature value by name.</summary>
    /// <param name="name">The feature name.</param>
    /// <param name="value">The value (NaN when missing).</param>
    /// <returns><see langword="false"/> when the schema has no such feature.</returns>
    public bool TryGetValue(string name, out double value)
    {
        var i = Schema.IndexOf(name);
        value = i >= 0 ? _values[i] : double.NaN;
        return i >= 0;
    }
}
