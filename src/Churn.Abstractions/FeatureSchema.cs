using System.Collections.Frozen;

namespace Churn.Abstractions;

/// <summary>What a feature's number means, so that tools can format and explain it.</summary>
public enum FeatureKind
{
    /// <summary>A plain number.</summary>
    Number = 0,

    /// <summary>A count of events (never negative).</summary>
    Count,

    /// <summary>An amount of money.</summary>
    Money,

    /// <summary>A duration in days.</summary>
    Days,

    /// <summary>A ratio or a relative change (0.25 = 25 %).</summary>
    Ratio,

    /// <summary>A score, such as a satisfaction or survey score.</summary>
    Score,

    /// <summary>A yes/no flag stored as 1 or 0.</summary>
    Flag,
}

/// <summary>The name, kind and description of one feature.</summary>
/// <param name="Name">The feature's name, for example <c>tickets_30d</c>.</param>
/// <param name="Kind">What the number means.</param>
/// <param name="Description">A sentence a CRM user understands.</param>
public sealed record FeatureDefinition(string Name, FeatureKind Kind, string Description);

/// <summary>
/// The ordered list of features that a set of <see cref="CustomerSnapshot"/> values share.
/// Looking a feature up by name is a frozen-dictionary read.
/// </summary>
/// <remarks>Immutable and safe to share between threads.</remarks>
public sealed class FeatureSchema : IEquatable<FeatureSchema>
{
    private readonly FeatureDefinition[] _features;
    private readonly FrozenDictionary<string, int> _index;

    /// <summary>Initializes a new instance of the <see cref="FeatureSchema"/> class.</summary>
    /// <param name="features">The features, in order.</param>
    /// <exception cref="ArgumentException">Two features share a name, or a name is blank.</exception>
    public FeatureSchema(IEnumerable<FeatureDefinition> features)
    {
        ArgumentNullException.ThrowIfNull(features);
        _features = [.. features];
        var index = new Dictionary<string, int>(_features.Length, StringComparer.Ordinal);
        for (var i = 0; i < _features.Length; i++)
        {
            var name = _features[i].Name;
            if (string.IsNullOrWhiteSpace(name))
            {
                throw new ArgumentException($"Feature {i} has a blank name.", nameof(features));
            }

            if (!index.TryAdd(name, i))
            {
                throw new ArgumentException($"Feature name '{name}' appears twice.", nameof(features));
            }
        }

        _index = index.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>Gets the features, in order.</summary>
    public IReadOnlyList<FeatureDefinition> Features => _features;

    /// <summary>Gets the number of features.</summary>
    public int Count => _features.Length;

    /// <summary>Gets the feature names, in order.</summary>
    public IEnumerable<string> Names => _features.Select(f => f.Name);

    /// <summary>Gets the position of a feature, or -1 when there is none of that name.</summary>
    /// <param name="name">The feature name (case-sensitive).</param>
    /// <returns>The position or -1.</returns>
    public int IndexOf(string name) => _index.TryGetValue(name, out var i) ? i : -1;

    /// <summary>Tells whether the schema has a feature of that name.</summary>
    /// <param name="name">The feature name.</param>
    /// <returns><see langword="true"/> when it has.</returns>
    public bool Contains(string name) => _index.ContainsKey(name);

    /// <inheritdoc />
    public bool Equals(FeatureSchema? other) =>
        other is not null && (ReferenceEquals(this, other) || _features.AsSpan().SequenceEqual(other._features));

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as FeatureSchema);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        foreach (var f in _features)
        {
            hash.Add(f);
        }

        return hash.ToHashCode();
    }
}
