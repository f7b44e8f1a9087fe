using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Churn.Abstractions;

/// <summary>What an append did: how many events were new and how many the store already held.</summary>
/// <param name="Added">Events stored by this call.</param>
/// <param name="Duplicates">Events skipped because the store already held them (same <see cref="EventKey"/>), including repeats within the call.</param>
public readonly record struct AppendResult(int Added, int Duplicates);

/// <summary>An event as a store holds it: with the position at which it arrived.</summary>
/// <param name="Sequence">The store's arrival position, increasing with every event added (never reused); a reader resumes after it.</param>
/// <param name="Event">The event. Its instant comes back in UTC.</param>
public sealed record StoredEvent(long Sequence, CustomerEvent Event);

/// <summary>The order events are read in.</summary>
public enum EventOrder
{
    /// <summary>Arrival order (<see cref="StoredEvent.Sequence"/>).</summary>
    Sequence = 0,

    /// <summary>Time order (<see cref="CustomerEvent.Timestamp"/>, then arrival for ties).</summary>
    Time,
}

/// <summary>Which events to read. Every filter left unset matches everything.</summary>
public sealed record EventQuery
{
    /// <summary>Gets only this customer's events.</summary>
    public CustomerId? CustomerId { get; init; }

    /// <summary>Gets the earliest event instant, inclusive.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Gets the latest event instant, inclusive (an as-of instant).</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>Gets only events that arrived after this position (0: from the start).</summary>
    public long AfterSequence { get; init; }

    /// <summary>Gets only events of these types.</summary>
    public IReadOnlyList<CustomerEventType>? Types { get; init; }

    /// <summary>Gets the order to read in.</summary>
    public EventOrder Order { get; init; }

    /// <summary>Gets the most events to read.</summary>
    public int? Limit { get; init; }
}

/// <summary>Which records to read. Every filter left unset matches everything; a filter that does not apply to a kind of record is refused with an <see cref="ArgumentException"/>, never ignored.</summary>
public record StoreQuery
{
    /// <summary>Gets only this customer's records.</summary>
    public CustomerId? CustomerId { get; init; }

    /// <summary>Gets the earliest instant, inclusive (an assessment's as-of instant, an alert's raised-at, a decision's decided-at, a response's answered-at, an outcome's observed-at).</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Gets the latest instant, inclusive.</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>Gets only records of this segment (assessments, alerts, decisions).</summary>
    public string? Segment { get; init; }

    /// <summary>Gets only records at these risk levels (assessments, alerts).</summary>
    public IReadOnlyList<RiskLevel>? Levels { get; init; }

    /// <summary>Gets the most records to read.</summary>
    public int? Limit { get; init; }
}

/// <summary>
/// The key that makes appending events idempotent: the host's <see cref="CustomerEvent.EventId"/> when it has one, else a
/// digest of the event's content (customer, instant, type, amount and attributes), so the same event appended twice is stored once.
/// Every store implementation uses this key.
/// </summary>
public static class EventKey
{
    /// <summary>Gets the key of an event.</summary>
    /// <param name="customerEvent">The event.</param>
    /// <returns><c>id:</c> and the event id, or <c>sha:</c> and 22 base64url characters of a SHA-256 of the content.</returns>
    public static string Of(CustomerEvent customerEvent)
    {
        ArgumentNullException.ThrowIfNull(customerEvent);
        if (customerEvent.EventId is { } id)
        {
            return "id:" + id;
        }

        var text = new StringBuilder(96);
        text.Append(customerEvent.CustomerId.Value).Append('\u001f')
            .Append(customerEvent.Timestamp.UtcTicks.ToString(CultureInfo.InvariantCulture)).Append('\u001f')
            .Append(customerEvent.Type.Name).Append('\u001f');
        if (customerEvent.Amount is { } amount)
        {
            // 1.50 and 1.5 are the same amount.
            text.Append((amount / 1.000000000000000000000000000000000m).ToString(CultureInfo.InvariantCulture));
        }

        if (customerEvent.Attributes is { Count: > 0 } attributes)
        {
            foreach (var pair in attributes.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                text.Append('\u001e').Append(pair.Key).Append('\u001f').Append(pair.Value);
            }
        }

        var chars = text.ToString();
        var bytes = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(chars.Length));
        try
        {
            var n = Encoding.UTF8.GetBytes(chars, bytes);
            Span<byte> hash = stackalloc byte[32];
            SHA256.HashData(bytes.AsSpan(0, n), hash);
            return "sha:" + Convert.ToBase64String(hash[..16]).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }
}

/// <summary>A named position and state saved by a long-running reader (the live monitor), so that a restart resumes where it stopped.</summary>
/// <param name="Name">The checkpoint's name (for example <c>monitor</c>, or <c>monitor/customer/42</c> for per-customer state).</param>
/// <param name="Position">The last event <see cref="StoredEvent.Sequence"/> the state includes.</param>
/// <param name="State">The serialised state (compared by reference by the record's equality).</param>
/// <param name="SavedAt">When it was saved.</param>
public sealed record StoreCheckpoint(string Name, long Position, byte[] State, DateTimeOffset SavedAt);

/// <summary>Stores customer events, idempotently, in arrival order.</summary>
/// <remarks>Implementations must be safe to call from several threads at once. A write returns only once what it wrote is durable; a call is atomic (all or nothing).</remarks>
public interface IEventStore
{
    /// <summary>Appends events; an event whose <see cref="EventKey"/> the store already holds is skipped.</summary>
    /// <param name="events">The events.</param>
    /// <param name="cancellationToken">Cancels the work before anything is written.</param>
    /// <returns>How many were added and how many skipped.</returns>
    /// <exception cref="ChurnStoreException">The store cannot be written (full, read-only, damaged).</exception>
    ValueTask<AppendResult> AppendEventsAsync(IReadOnlyList<CustomerEvent> events, CancellationToken cancellationToken = default);

    /// <summary>Reads events, streaming.</summary>
    /// <param name="query">Which events, in which order (all, in arrival order, when <see langword="null"/>).</param>
    /// <param name="cancellationToken">Stops the reading.</param>
    /// <returns>The events.</returns>
    IAsyncEnumerable<StoredEvent> ReadEventsAsync(EventQuery? query = null, CancellationToken cancellationToken = default);
}

/// <summary>Stores risk assessments: each customer's current one and the history of all.</summary>
/// <remarks>Implementations must be safe to call from several threads at once. A write returns only once what it wrote is durable; a call is atomic (all or nothing).</remarks>
public interface IAssessmentStore
{
    /// <summary>
    /// Stores assessments. The history keeps one assessment per customer and as-of instant (a second one at the same instant replaces it);
    /// a customer's current assessment is the one with the latest as-of instant (an older one arriving late changes only the history).
    /// </summary>
    /// <param name="assessments">The assessments.</param>
    /// <param name="cancellationToken">Cancels the work before anything is written.</param>
    /// <returns>A task that completes once the assessments are durable.</returns>
    /// <exception cref="ChurnStoreException">The store cannot be written.</exception>
    ValueTask UpsertAssessmentsAsync(IReadOnlyList<RiskAssessment> assessments, CancellationToken cancellationToken = default);

    /// <summary>Gets a customer's current assessment.</summary>
    /// <param name="customerId">The customer.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The assessment, or <see langword="null"/> when the customer was never assessed.</returns>
    ValueTask<RiskAssessment?> GetAssessmentAsync(CustomerId customerId, CancellationToken cancellationToken = default);

    /// <summary>Reads current assessments (one per customer), in customer id order, streaming.</summary>
    /// <param name="query">Filters on customer, as-of instant, segment and level.</param>
    /// <param name="cancellationToken">Stops the reading.</param>
    /// <returns>The assessments.</returns>
    IAsyncEnumerable<RiskAssessment> ReadAssessmentsAsync(StoreQuery? query = null, CancellationToken cancellationToken = default);

    /// <summary>Reads the assessment history, by customer id and then as-of instant, streaming.</summary>
    /// <param name="query">Filters on customer, as-of instant, segment and level.</param>
    /// <param name="cancellationToken">Stops the reading.</param>
    /// <returns>The assessments.</returns>
    IAsyncEnumerable<RiskAssessment> ReadAssessmentHistoryAsync(StoreQuery? query = null, CancellationToken cancellationToken = default);
}

/// <summary>Stores named checkpoints (position and state) of long-running readers.</summary>
/// <remarks>Implementations must be safe to call from several threads at once. A write returns only once it is durable; a call is atomic.</remarks>
public interface ICheckpointStore
{
    /// <summary>Saves checkpoints, replacing those of the same names.</summary>
    /// <param name="checkpoints">The checkpoints.</param>
    /// <param name="cancellationToken">Cancels the work before anything is written.</param>
    /// <returns>A task that completes once they are durable.</returns>
    ValueTask SaveCheckpointsAsync(IReadOnlyList<StoreCheckpoint> checkpoints, CancellationToken cancellationToken = default);

    /// <summary>Gets a checkpoint.</summary>
    /// <param name="name">Its name.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The checkpoint, or <see langword="null"/> when none was saved.</returns>
    ValueTask<StoreCheckpoint?> GetCheckpointAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Reads the checkpoints whose names start with a prefix, in name order, streaming.</summary>
    /// <param name="prefix">The prefix (empty for all).</param>
    /// <param name="cancellationToken">Stops the reading.</param>
    /// <returns>The checkpoints.</returns>
    IAsyncEnumerable<StoreCheckpoint> ReadCheckpointsAsync(string prefix, CancellationToken cancellationToken = default);
}

/// <summary>How far an alert's delivery got.</summary>
public enum AlertDeliveryState
{
    /// <summary>Not delivered yet (never tried, or tried and to be retried).</summary>
    Pending = 0,

    /// <summary>Accepted by its sink.</summary>
    Delivered,

    /// <summary>Given up on.</summary>
    Failed,
}

/// <summary>One delivery attempt of an alert.</summary>
/// <param name="State">The state after the attempt.</param>
/// <param name="At">When the attempt was made.</param>
/// <param name="Error">Why it failed, if it did.</param>
public sealed record AlertDelivery(AlertDeliveryState State, DateTimeOffset At, string? Error = null);

/// <summary>An alert as a store holds it, with its delivery state.</summary>
/// <param name="Id">The store's id of the alert.</param>
/// <param name="Alert">The alert.</param>
/// <param name="State">Its delivery state.</param>
/// <param name="Attempts">How many delivery attempts were recorded.</param>
/// <param name="LastAttemptAt">When the last attempt was made.</param>
/// <param name="LastError">Why the last attempt failed, if it did.</param>
public sealed record StoredAlert(long Id, ChurnAlert Alert, AlertDeliveryState State, int Attempts, DateTimeOffset? LastAttemptAt, string? LastError);

/// <summary>Which alerts to read: the common filters (on the alert's customer, raised-at instant, and its assessment's segment and level) and the delivery state.</summary>
public sealed record AlertQuery : StoreQuery
{
    /// <summary>Gets only alerts in these delivery states.</summary>
    public IReadOnlyList<AlertDeliveryState>? States { get; init; }
}

/// <summary>Stores alerts and their delivery.</summary>
/// <remarks>Implementations must be safe to call from several threads at once. A write returns only once it is durable; a call is atomic.</remarks>
public interface IAlertStore
{
    /// <summary>Adds alerts, idempotently: an alert for the same customer raised at the same instant is stored once (a monitor replaying after a restart raises nothing twice).</summary>
    /// <param name="alerts">The alerts.</param>
    /// <param name="cancellationToken">Cancels the work before anything is written.</param>
    /// <returns>Each alert's id, in order (the existing id for an alert already stored).</returns>
    ValueTask<IReadOnlyList<long>> AddAlertsAsync(IReadOnlyList<ChurnAlert> alerts, CancellationToken cancellationToken = default);

    /// <summary>Records a delivery attempt.</summary>
    /// <param name="alertId">The alert's id.</param>
    /// <param name="delivery">The attempt.</param>
    /// <param name="cancellationToken">Cancels the work before anything is written.</param>
    /// <returns>A task that completes once it is durable.</returns>
    /// <exception cref="ArgumentException">No alert has the id.</exception>
    ValueTask RecordDeliveryAsync(long alertId, AlertDelivery delivery, CancellationToken cancellationToken = default);

    /// <summary>Reads alerts in id (raising) order, streaming.</summary>
    /// <param name="query">Filters.</param>
    /// <param name="cancellationToken">Stops the reading.</param>
    /// <returns>The alerts.</returns>
    IAsyncEnumerable<StoredAlert> ReadAlertsAsync(AlertQuery? query = null, CancellationToken cancellationToken = default);
}

/// <summary>A customer's assignment to the held-out (untreated) or treated group of an experiment (a playbook in a period).</summary>
/// <param name="Experiment">The experiment.</param>
/// <param name="CustomerId">The customer.</param>
/// <param name="IsHoldout">Whether the customer is held out.</param>
/// <param name="AssignedAt">When the assignment was made.</param>
[Experimental(Diagnostics.Interventions)]
public sealed record HoldoutAssignment(string Experiment, CustomerId CustomerId, bool IsHoldout, DateTimeOffset AssignedAt);

/// <summary>A customer's answer to a satisfaction poll.</summary>
/// <param name="PollId">The poll.</param>
/// <param name="CustomerId">The customer.</param>
/// <param name="AnsweredAt">When the customer answered.</param>
/// <param name="Score">The score (NPS 0–10, CSAT 1–5), if the poll asks for one.</param>
/// <param name="Comment">The free-text answer, if any.</param>
[Experimental(Diagnostics.Interventions)]
public sealed record PollResponse(string PollId, CustomerId CustomerId, DateTimeOffset AnsweredAt, double? Score, string? Comment)
{
    /// <summary>Gets the decision that sent the poll, if known.</summary>
    public string? DecisionId { get; init; }
}

/// <summary>Stores intervention decisions, holdout assignments and poll responses.</summary>
/// <remarks>Implementations must be safe to call from several threads at once. A write returns only once it is durable; a call is atomic.</remarks>
[Experimental(Diagnostics.Interventions)]
public interface IInterventionStore
{
    /// <summary>Adds decisions, idempotently on <see cref="InterventionDecision.Id"/> (a decision is never rewritten: the first one stored stays).</summary>
    /// <param name="decisions">The decisions, each with an id.</param>
    /// <param name="cancellationToken">Cancels the work before anything is written.</param>
    /// <returns>How many were new.</returns>
    /// <exception cref="ArgumentException">A decision has no id.</exception>
    ValueTask<int> AddDecisionsAsync(IReadOnlyList<InterventionDecision> decisions, CancellationToken cancellationToken = default);

    /// <summary>Reads decisions by decided-at instant and then id, streaming.</summary>
    /// <param name="query">Filters on customer, decided-at instant and segment.</param>
    /// <param name="cancellationToken">Stops the reading.</param>
    /// <returns>The decisions.</returns>
    IAsyncEnumerable<InterventionDecision> ReadDecisionsAsync(StoreQuery? query = null, CancellationToken cancellationToken = default);

    /// <summary>Assigns customers to experiments' groups; the first assignment of a customer in an experiment wins and later ones return it unchanged.</summary>
    /// <param name="assignments">The proposed assignments.</param>
    /// <param name="cancellationToken">Cancels the work before anything is written.</param>
    /// <returns>The assignments in effect, in order.</returns>
    ValueTask<IReadOnlyList<HoldoutAssignment>> AssignHoldoutsAsync(IReadOnlyList<HoldoutAssignment> assignments, CancellationToken cancellationToken = default);

    /// <summary>Gets a customer's assignment in an experiment.</summary>
    /// <param name="experiment">The experiment.</param>
    /// <param name="customerId">The customer.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The assignment, or <see langword="null"/>.</returns>
    ValueTask<HoldoutAssignment?> GetHoldoutAsync(string experiment, CustomerId customerId, CancellationToken cancellationToken = default);

    /// <summary>Reads an experiment's assignments in customer id order, streaming.</summary>
    /// <param name="experiment">The experiment.</param>
    /// <param name="cancellationToken">Stops the reading.</param>
    /// <returns>The assignments.</returns>
    IAsyncEnumerable<HoldoutAssignment> ReadHoldoutsAsync(string experiment, CancellationToken cancellationToken = default);

    /// <summary>Adds poll responses, idempotently on (poll, customer, answered-at).</summary>
    /// <param name="responses">The responses.</param>
    /// <param name="cancellationToken">Cancels the work before anything is written.</param>
    /// <returns>How many were new.</returns>
    ValueTask<int> AddPollResponsesAsync(IReadOnlyList<PollResponse> responses, CancellationToken cancellationToken = default);

    /// <summary>Reads poll responses by answered-at instant, streaming.</summary>
    /// <param name="pollId">Only this poll's responses, or all.</param>
    /// <param name="query">Filters on customer and answered-at instant.</param>
    /// <param name="cancellationToken">Stops the reading.</param>
    /// <returns>The responses.</returns>
    IAsyncEnumerable<PollResponse> ReadPollResponsesAsync(string? pollId = null, StoreQuery? query = null, CancellationToken cancellationToken = default);
}

/// <summary>What was observed after an intervention decision (for a held-out customer too), once known.</summary>
/// <param name="DecisionId">The decision (<see cref="InterventionDecision.Id"/>).</param>
/// <param name="CustomerId">The customer.</param>
/// <param name="ObservedAt">When the outcome was observed.</param>
/// <param name="Churned">Whether the customer churned in the evaluation horizon, once known.</param>
/// <param name="Revenue">Revenue in the evaluation horizon, once known.</param>
[Experimental(Diagnostics.Outcomes)]
public sealed record InterventionOutcome(string DecisionId, CustomerId CustomerId, DateTimeOffset ObservedAt, bool? Churned, decimal? Revenue);

/// <summary>Stores the outcomes of intervention decisions, for evaluation.</summary>
/// <remarks>Implementations must be safe to call from several threads at once. A write returns only once it is durable; a call is atomic.</remarks>
[Experimental(Diagnostics.Outcomes)]
public interface IOutcomeStore
{
    /// <summary>Stores outcomes, one per decision: a later outcome of the same decision replaces the earlier one (an outcome becomes known over time).</summary>
    /// <param name="outcomes">The outcomes.</param>
    /// <param name="cancellationToken">Cancels the work before anything is written.</param>
    /// <returns>A task that completes once they are durable.</returns>
    ValueTask UpsertOutcomesAsync(IReadOnlyList<InterventionOutcome> outcomes, CancellationToken cancellationToken = default);

    /// <summary>Reads outcomes by observed-at instant and then decision id, streaming.</summary>
    /// <param name="query">Filters on customer and observed-at instant.</param>
    /// <param name="cancellationToken">Stops the reading.</param>
    /// <returns>The outcomes.</returns>
    IAsyncEnumerable<InterventionOutcome> ReadOutcomesAsync(StoreQuery? query = null, CancellationToken cancellationToken = default);
}

/// <summary>What a store holds.</summary>
/// <param name="Kind">The implementation (<c>sqlite</c>, <c>memory</c>).</param>
/// <param name="Location">Where it is (a file path), if anywhere.</param>
/// <param name="SchemaVersion">The schema version of the data.</param>
/// <param name="RowCounts">Rows per table, by table name.</param>
/// <param name="SizeBytes">The size on disk, if it has one (the database file and its write-ahead log).</param>
public sealed record StoreInfo(string Kind, string? Location, int SchemaVersion, IReadOnlyDictionary<string, long> RowCounts, long? SizeBytes);

#pragma warning disable CHURN0003, CHURN0004 // The whole store: its experimental parts warn where they are used.

/// <summary>
/// Everything the live monitor, interventions and evaluation remember: events, assessments, checkpoints, alerts, decisions,
/// holdout assignments, poll responses and outcomes. Implementations: <c>SqliteChurnStore</c> (an embedded database file, the default)
/// and <c>InMemoryChurnStore</c> (for tests and short-lived hosts).
/// </summary>
/// <remarks>Implementations must be safe to call from several threads at once. Every write returns only once it is durable and is atomic.</remarks>
public interface IChurnStore : IEventStore, IAssessmentStore, ICheckpointStore, IAlertStore, IInterventionStore, IOutcomeStore
#pragma warning restore CHURN0003, CHURN0004
{
    /// <summary>Describes the store: its schema version, rows per table and size.</summary>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The description.</returns>
    ValueTask<StoreInfo> GetInfoAsync(CancellationToken cancellationToken = default);
}

/// <summary>Why a store could not do what was asked.</summary>
public enum StoreError
{
    /// <summary>Another failure (an I/O error, an unexpected database error).</summary>
    Other = 0,

    /// <summary>The file is damaged or is not a database at all.</summary>
    Corrupt,

    /// <summary>The file is a database, but not a Churn.Sdk store.</summary>
    Foreign,

    /// <summary>The file was written by a newer version of the SDK, with a schema this version does not know.</summary>
    NewerSchema,

    /// <summary>The store (or its file) is read-only.</summary>
    ReadOnly,

    /// <summary>The disk, or the store's size limit, is full.</summary>
    Full,

    /// <summary>Another process held the database past the busy timeout.</summary>
    Busy,
}

/// <summary>A store could not be opened, read or written. The message names the store (its file) and the reason; nothing the store had acknowledged before is lost.</summary>
public sealed class ChurnStoreException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="ChurnStoreException"/> class.</summary>
    public ChurnStoreException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ChurnStoreException"/> class.</summary>
    /// <param name="message">The message.</param>
    public ChurnStoreException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ChurnStoreException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public ChurnStoreException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ChurnStoreException"/> class.</summary>
    /// <param name="error">Why.</param>
    /// <param name="location">The store's file, if it has one.</param>
    /// <param name="message">The message, naming the file.</param>
    /// <param name="innerException">The cause.</param>
    public ChurnStoreException(StoreError error, string? location, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Error = error;
        Location = location;
    }

    /// <summary>Gets why the store failed.</summary>
    public StoreError Error { get; }

    /// <summary>Gets the store's file, if it has one.</summary>
    public string? Location { get; }
}
