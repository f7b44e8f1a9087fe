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

/// <summary>Finds symptoms (risk conditions) in a snapshot.</summary>
/// <remarks>Implementations must be safe to call from several threads at once.</remarks>
public interface ISymptomDetector
{
    /// <summary>Detects the symptoms present in a snapshot.</summary>
    /// <param name="snapshot">The customer's features.</param>
    /// <returns>The symptoms that fire, possibly none.</returns>
    IReadOnlyList<Symptom> Detect(CustomerSnapshot snapshot);
}

/// <summary>Places a customer in one segment.</summary>
/// <remarks>Implementations must be safe to call from several threads at once.</remarks>
public interface ISegmenter
{
    /// <summary>Gets the segment of an assessed customer.</summary>
    /// <param name="snapshot">The customer's features.</param>
    /// <param name="assessment">The customer's assessment so far.</param>
    /// <returns>The segment name.</returns>
    string Segment(CustomerSnapshot snapshot, RiskAssessment assessment);
}

/// <summary>Scores the churn risk of customers.</summary>
/// <remarks>Implementations must be safe to call from several threads at once.</remarks>
public interface IChurnScorer
{
    /// <summary>Scores one customer.</summary>
    /// <param name="snapshot">The customer's features.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The assessment.</returns>
    ValueTask<RiskAssessment> AssessAsync(CustomerSnapshot snapshot, CancellationToken cancellationToken = default);
}

/// <summary>An alert raised for the owner of an at-risk customer.</summary>
/// <param name="Assessment">The assessment that caused it.</param>
/// <param name="Owner">Who should act.</param>
/// <param name="RaisedAt">When it was raised.</param>
/// <param name="Message">What happened, in words.</param>
public sealed record ChurnAlert(RiskAssessment Assessment, string? Owner, DateTimeOffset RaisedAt, string Message);

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
public sealed record InterventionDecision(CustomerId CustomerId, string Action, string? Channel, decimal Cost, bool IsHoldout);

/// <summary>Decides which intervention, if any, a customer gets.</summary>
/// <remarks>Implementations must be safe to call from several threads at once.</remarks>
public interface IInterventionPolicy
{
    /// <summary>Decides for one customer.</summary>
    /// <param name="profile">The customer.</param>
    /// <param name="assessment">The customer's assessment.</param>
    /// <returns>The decision, or <see langword="null"/> for no action.</returns>
    InterventionDecision? Decide(CustomerProfile profile, RiskAssessment assessment);
}

/// <summary>What happened after an intervention decision.</summary>
/// <param name="Decision">The decision.</param>
/// <param name="DecidedAt">When it was decided.</param>
/// <param name="Churned">Whether the customer churned in the evaluation horizon, once known.</param>
/// <param name="Revenue">Revenue in the evaluation horizon, once known.</param>
public sealed record InterventionOutcome(InterventionDecision Decision, DateTimeOffset DecidedAt, bool? Churned, decimal? Revenue);

/// <summary>Stores intervention outcomes for evaluation.</summary>
/// <remarks>Implementations must be safe to call from several threads at once.</remarks>
public interface IOutcomeStore
{
    /// <summary>Records an outcome.</summary>
    /// <param name="outcome">The outcome.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>A task that completes when stored.</returns>
    ValueTask RecordAsync(InterventionOutcome outcome, CancellationToken cancellationToken = default);

    /// <summary>Reads all outcomes recorded since an instant.</summary>
    /// <param name="since">The instant.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The outcomes.</returns>
    IAsyncEnumerable<InterventionOutcome> ReadAsync(DateTimeOffset since, CancellationToken cancellationToken = default);
}
