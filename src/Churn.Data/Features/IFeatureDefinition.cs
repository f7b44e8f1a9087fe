using Churn.Abstractions;
using Churn.Data;

namespace Churn.Data;

/// <summary>A host's own feature, computed from one customer's point-in-time timeline.</summary>
/// <remarks>Implementations must be safe to call from several threads at once (batch building is parallel).</remarks>
public interface IFeatureDefinition
{
    /// <summary>Gets the feature's name, kind and description.</summary>
    FeatureDefinition Definition { get; }

    /// <summary>Computes the feature.</summary>
    /// <param name="timeline">The customer's events up to <paramref name="asOf"/> (later events are not visible).</param>
    /// <param name="profile">The customer's profile, when known.</param>
    /// <param name="asOf">The instant.</param>
    /// <returns>The value, or NaN when missing.</returns>
    double Compute(CustomerTimeline timeline, CustomerProfile? profile, DateTimeOffset asOf);
}

/// <summary>A host feature defined by a delegate.</summary>
/// <param name="Definition">The feature's name, kind and description.</param>
/// <param name="Function">Computes the value from the point-in-time timeline, the profile and the instant.</param>
public sealed record DelegateFeature(FeatureDefinition Definition, Func<CustomerTimeline, CustomerProfile?, DateTimeOffset, double> Function) : IFeatureDefinition
{
    /// <inheritdoc />
    public double Compute(CustomerTimeline timeline, CustomerProfile? profile, DateTimeOffset asOf) => Function(timeline, profile, asOf);
}
