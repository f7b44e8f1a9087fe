namespace Churn.Abstractions;

/// <summary>
/// What the business knows about a customer apart from the events: when they signed up,
/// who owns the relationship, how they like to be contacted, and any attributes.
/// </summary>
/// <param name="Id">The customer.</param>
/// <param name="SignupDate">When the relationship began, if known.</param>
public sealed record CustomerProfile(CustomerId Id, DateTimeOffset? SignupDate = null)
{
    /// <summary>Gets the owner (account manager, team) who receives this customer's alerts.</summary>
    public string? Owner { get; init; }

    /// <summary>Gets the channels the customer prefers, most preferred first (for example <c>email</c>, <c>phone</c>).</summary>
    public IReadOnlyList<string> PreferredChannels { get; init; } = [];

    /// <summary>Gets a value indicating whether the customer agreed to be contacted for retention offers.</summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool ContactConsent { get; init; } = true;

    /// <summary>Gets free-form attributes: demographics, plan, region, and anything else the host keeps.</summary>
    public IReadOnlyDictionary<string, string> Attributes { get; init; } =
        new Dictionary<string, string>(StringComparer.Ordinal);
}
