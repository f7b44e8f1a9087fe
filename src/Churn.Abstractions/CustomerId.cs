namespace Churn.Abstractions;

/// <summary>
/// Identifies one customer. The value is the host's own identifier, compared ordinally.
/// </summary>
/// <remarks>An instance is immutable and safe to share between threads.</remarks>
public readonly record struct CustomerId : IComparable<CustomerId>
{
    private readonly string? _value;

    /// <summary>Initializes a new instance of the <see cref="CustomerId"/> struct.</summary>
    /// <param name="value">The host's identifier; must contain a non-white-space character.</param>
    /// <exception cref="ArgumentException"><paramref name="value"/> is null, empty or white space.</exception>
    public CustomerId(string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        _value = value;
    }

    /// <summary>Gets the host's identifier (empty for <c>default</c>).</summary>
    public string Value => _value ?? string.Empty;

    /// <summary>Gets a value indicating whether this is the <c>default</c> (empty) id.</summary>
    public bool IsEmpty => _value is null;

    /// <inheritdoc />
    public bool Equals(CustomerId other) => string.Equals(_value, other._value, StringComparison.Ordinal);

    /// <inheritdoc />
    public override int GetHashCode() => _value is null ? 0 : StringComparer.Ordinal.GetHashCode(_value);

    /// <inheritdoc />
    public int CompareTo(CustomerId other) => string.CompareOrdinal(_value, other._value);

    /// <inheritdoc />
    public override string ToString() => Value;

    /// <summary>Converts a string to a <see cref="CustomerId"/>.</summary>
    /// <param name="value">The host's identifier.</param>
    public static implicit operator CustomerId(string value) => new(value);

    /// <summary>Converts a string to a <see cref="CustomerId"/>.</summary>
    /// <param name="value">The host's identifier.</param>
    /// <returns>The id.</returns>
    public static CustomerId FromString(string value) => new(value);

    /// <summary>Compares two ids ordinally.</summary>
    public static bool operator <(CustomerId left, CustomerId right) => left.CompareTo(right) < 0;

    /// <summary>Compares two ids ordinally.</summary>
    public static bool operator <=(CustomerId left, CustomerId right) => left.CompareTo(right) <= 0;

    /// <summary>Compares two ids ordinally.</summary>
    public static bool operator >(CustomerId left, CustomerId right) => left.CompareTo(right) > 0;

    /// <summary>Compares two ids ordinally.</summary>
    public static bool operator >=(CustomerId left, CustomerId right) => left.CompareTo(right) >= 0;
}
