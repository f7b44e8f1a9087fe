using System.Diagnostics.CodeAnalysis;

namespace Churn.Abstractions;

/// <summary>Computes what a customer is worth; a CRM can supply its own formula.</summary>
/// <remarks>Implementations must be safe to call from several threads at once.</remarks>
public interface ICustomerValueCalculator
{
    /// <summary>Computes a customer's value from their events up to an instant.</summary>
    /// <param name="profile">The customer.</param>
    /// <param name="events">The customer's events, oldest first, none after <paramref name="asOf"/>.</param>
    /// <param name="asOf">The instant.</param>
    /// <returns>The value.</returns>
    CustomerValue Calculate(CustomerProfile profile, IReadOnlyList<CustomerEvent> events, DateTimeOffset asOf);
}

/// <summary>
/// One customer's features at any instant up to an as-of instant: what point-in-time symptom
/// detection reads. Nothing after <see cref="AsOf"/> can be seen through it.
/// </summary>
/// <remarks>Implementations need not be thread-safe: one history serves one detection.</remarks>
public interface ICustomerHistory
{
    /// <summary>Gets the customer.</summary>
    CustomerId CustomerId { get; }

    /// <summary>Gets the latest instant the history may be read at.</summary>
    DateTimeOffset AsOf { get; }

    /// <summary>Gets the features' names and kinds.</summary>
    FeatureSchema Schema { get; }

    /// <summary>Gets the customer's profile, if known.</summary>
    CustomerProfile? Profile { get; }

    /// <summary>Gets the earliest instant anything is known about the customer (first event or signup), or <see langword="null"/> when nothing is.</summary>
    DateTimeOffset? FirstSeen { get; }

    /// <summary>Writes the customer's features as of an instant.</summary>
    /// <param name="instant">The instant, at most <see cref="AsOf"/>.</param>
    /// <param name="values">Receives one value per schema feature (NaN for missing).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="instant"/> is after <see cref="AsOf"/>.</exception>
    void FeaturesAt(DateTimeOffset instant, Span<double> values);

    /// <summary>Writes the customer's features at several instants, row after row; an implementation may compute them in one sweep (the default calls <see cref="FeaturesAt(DateTimeOffset, Span{double})"/> for each).</summary>
    /// <param name="instants">The instants, ascending, none after <see cref="AsOf"/>.</param>
    /// <param name="rows">Receives one row of <see cref="FeatureSchema.Count"/> values per instant.</param>
    /// <exception cref="ArgumentOutOfRangeException">An instant is after <see cref="AsOf"/>.</exception>
    void FeaturesAt(ReadOnlySpan<DateTimeOffset> instants, Span<double> rows)
    {
        var width = Schema.Count;
        for (var i = 0; i < instants.Length; i++)
        {
            FeaturesAt(instants[i], rows.Slice(i * width, width));
        }
    }
}

/// <summary>
/// Finds the symptoms (risk conditions) of a customer as of an instant: a pure function of the
/// customer's history up to that instant. The same history gives the same symptoms; no clock is
/// read; <see cref="Symptom.FiredAt"/> comes from the data.
/// </summary>
/// <remarks>Implementations must be safe to call from several threads at once and keep no state between calls.</remarks>
public interface ISymptomDetector
{
    /// <summary>Detects the symptoms that hold at <see cref="ICustomerHistory.AsOf"/>.</summary>
    /// <param name="history">The customer's history.</param>
    /// <returns>The symptoms: critical and minor ones, then the recapitulative one when the minor weights reach its threshold.</returns>
    IReadOnlyList<Symptom> Detect(ICustomerHistory history);
}

/// <summary>Places a customer in one segment.</summary>
/// <remarks>Implementations must be safe to call from several threads at once. Churn.Segmentation's <c>Segmentation</c> is one.</remarks>
public interface ISegmenter
{
    /// <summary>Gets the segment of an assessed customer.</summary>
    /// <param name="snapshot">The customer's features.</param>
    /// <param name="profile">The customer's profile (preferences, demographics), if known.</param>
    /// <param name="assessment">The customer's assessment so far.</param>
    /// <returns>The segment's id.</returns>
    string Segment(CustomerSnapshot snapshot, CustomerProfile? profile, RiskAssessment assessment);
}

/// <summary>Scores the churn risk of customers from their snapshots, with the reasons in words; a host may plug in its own model.</summary>
/// <remarks>Implementations must be safe to call from several threads at once.</remarks>
public interface IChurnScorer
{
    /// <summary>Gets the probability of churn of each snapshot.</summary>
    /// <param name="snapshots">The snapshots.</param>
    /// <param name="probabilities">Receives one calibrated probability per snapshot.</param>
    void Score(IReadOnlyList<CustomerSnapshot> snapshots, Span<double> probabilities);

    /// <summary>Gets the strongest reasons behind each snapshot's probability.</summary>
    /// <param name="snapshots">The snapshots.</param>
    /// <param name="top">How many reasons per snapshot.</param>
    /// <returns>Per snapshot, its reasons, strongest first.</returns>
    IReadOnlyList<IReadOnlyList<RiskReason>> Explain(IReadOnlyList<CustomerSnapshot> snapshots, int top);
}

/// <summary>An alert raised for the owner of an at-risk customer.</summary>
/// <param name="Assessment">The assessment that caused it.</param>
/// <param name="Owner">Who should act.</param>
/// <param name="RaisedAt">When it was raised.</param>
/// <param name="Message">What happened, in words.</param>
public sealed record ChurnAlert(RiskAssessment Assessment, string? Owner, DateTimeOffset RaisedAt, string Message)
{
    /// <summary>Gets the customer's level before the rise; null for a customer first seen at the alerted level.</summary>
    public RiskLevel? PreviousLevel { get; init; }

    /// <summary>Gets the playbook suggested for the owner (an id from the interventions package), when one applies.</summary>
    public string? SuggestedPlaybook { get; init; }

    /// <summary>Gets the rule id of the critical symptom that raised the alert, when it was a critical symptom beginning rather than the level rising.</summary>
    public string? Symptom { get; init; }
}

/// <summary>Receives alerts (a CRM task queue, an email gateway, a chat channel).</summary>
/// <remarks>Implementations must be safe to call from several threads at once.</remarks>
public interface IAlertSink
{
    /// <summary>Delivers an alert.</summary>
    /// <param name="alert">The alert.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>A task that completes when the alert is accepted.</returns>
    ValueTask SendAsync(ChurnAlert alert, CancellationToken cancellationToken = default);
}

/// <summary>A retention action decided for a customer.</summary>
/// <param name="CustomerId">The customer.</param>
/// <param name="Action">The playbook or offer id.</param>
/// <param name="Channel">The channel to use.</param>
/// <param name="Cost">What the action costs the business.</param>
/// <param name="IsHoldout">Whether the customer was held out (no action, kept for measurement).</param>
[Experimental(Diagnostics.Interventions)]
public sealed record InterventionDecision(CustomerId CustomerId, string Action, string? Channel, decimal Cost, bool IsHoldout)
{
    /// <summary>Gets the decision's id: what a store, an outcome and a poll response refer to (a store requires it).</summary>
    public string Id { get; init; } = string.Empty;

    /// <summary>Gets when the decision was taken.</summary>
    public DateTimeOffset DecidedAt { get; init; }

    /// <summary>Gets the playbook that made the decision, if any.</summary>
    public string? Playbook { get; init; }

    /// <summary>Gets the offer made, if any.</summary>
    public string? Offer { get; init; }

    /// <summary>Gets the customer's segment when the decision was taken.</summary>
    public string? Segment { get; init; }

    /// <summary>Gets who carries the action out.</summary>
    public string? Owner { get; init; }

    /// <summary>Gets who approved an offer above the owner's authority, if anyone had to.</summary>
    public string? ApprovedBy { get; init; }
}

/// <summary>Decides which intervention, if any, a customer gets.</summary>
/// <remarks>Implementations must be safe to call from several threads at once.</remarks>
[Experimental(Diagnostics.Interventions)]
public interface IInterventionPolicy
{
    /// <summary>Decides for one customer.</summary>
    /// <param name="profile">The customer.</param>
    /// <param name="assessment">The customer's assessment.</param>
    /// <returns>The decision, or <see langword="null"/> for no action.</returns>
    InterventionDecision? Decide(CustomerProfile profile, RiskAssessment assessment);
}
