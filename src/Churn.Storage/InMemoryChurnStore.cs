using System.Runtime.CompilerServices;
using Churn.Abstractions;
using Churn.Shared;

namespace Churn.Storage;

/// <summary>
/// A store in memory: the same contract as the SQLite store (idempotent appends, current and historical
/// assessments, first-wins holdouts, atomic calls), for tests of other packages and for hosts that need
/// nothing to survive a restart. "Durable" here means: visible to every later read in this process.
/// </summary>
/// <remarks>Safe to call from several threads at once. Reads stream a snapshot taken when the read method is called.</remarks>
public sealed class InMemoryChurnStore : IChurnStore
{
    private readonly Lock _gate = new();
    private readonly List<StoredEvent> _events = [];
    private readonly HashSet<string> _eventKeys = new(StringComparer.Ordinal);
    private readonly Dictionary<CustomerId, RiskAssessment> _current = [];
    private readonly SortedDictionary<(string Customer, long AsOf), RiskAssessment> _history = new(HistoryOrder.Instance);
    private readonly SortedDictionary<string, StoreCheckpoint> _checkpoints = new(StringComparer.Ordinal);
    private readonly List<AlertRow> _alerts = [];
    private readonly Dictionary<(CustomerId, long), long> _alertKeys = [];
    private readonly Dictionary<string, InterventionDecision> _decisions = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, CustomerId), HoldoutAssignment> _holdouts = [];
    private readonly List<PollResponse> _polls = [];
    private readonly HashSet<(string, CustomerId, long)> _pollKeys = [];
    private readonly Dictionary<string, InterventionOutcome> _outcomes = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public ValueTask<AppendResult> AppendEventsAsync(IReadOnlyList<CustomerEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        var keys = new string[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            StoreQueries.CheckEvent(events[i], i);
            keys[i] = EventKey.Of(events[i]);
        }

        cancellationToken.ThrowIfCancellationRequested();
        var added = 0;
        lock (_gate)
        {
            for (var i = 0; i < events.Count; i++)
            {
                if (_eventKeys.Add(keys[i]))
                {
                    var e = events[i];
                    _events.Add(new StoredEvent(_events.Count + 1, e with
                    {
                        Timestamp = e.Timestamp.ToUniversalTime(),
                        Attributes = e.Attributes is null ? null : new Dictionary<string, string>(e.Attributes, StringComparer.Ordinal),
                    }));
                    added++;
                }
            }
        }

        return ValueTask.FromResult(new AppendResult(added, events.Count - added));
    }

    /// <inheritdoc />
    public IAsyncEnumerable<StoredEvent> ReadEventsAsync(EventQuery? query = null, CancellationToken cancellationToken = default)
    {
        StoreQueries.Check(query);
        var q = query ?? new EventQuery();
        var types = q.Types is null ? null : new HashSet<CustomerEventType>(q.Types);
        List<StoredEvent> rows;
        lock (_gate)
        {
            rows = _events.FindAll(s =>
                s.Sequence > q.AfterSequence
                && (q.CustomerId is not { } c || s.Event.CustomerId == c)
                && (q.From is not { } f || s.Event.Timestamp >= f)
                && (q.To is not { } t || s.Event.Timestamp <= t)
                && (types is null || types.Contains(s.Event.Type)));
        }

        if (q.Order == EventOrder.Time)
        {
            rows = [.. rows.OrderBy(s => s.Event.Timestamp.UtcTicks).ThenBy(s => s.Sequence)];
        }

        return Stream(rows, q.Limit, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask UpsertAssessmentsAsync(IReadOnlyList<RiskAssessment> assessments, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(assessments);
        var copies = new RiskAssessment[assessments.Count];
        for (var i = 0; i < copies.Length; i++)
        {
            StoreQueries.CheckAssessment(assessments[i], i);
            copies[i] = Freeze(assessments[i]);
        }

        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            foreach (var a in copies)
            {
                _history[(a.CustomerId.Value, a.AsOf.UtcTicks)] = a;
                if (!_current.TryGetValue(a.CustomerId, out var now) || a.AsOf >= now.AsOf)
                {
                    _current[a.CustomerId] = a;
                }
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<RiskAssessment?> GetAssessmentAsync(CustomerId customerId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_current.GetValueOrDefault(customerId));
        }
    }

    /// <inheritdoc />
    public IAsyncEnumerable<RiskAssessment> ReadAssessmentsAsync(StoreQuery? query = null, CancellationToken cancellationToken = default)
    {
        StoreQueries.Check(query, "Assessments", segment: true, levels: true);
        List<RiskAssessment> rows;
        lock (_gate)
        {
            rows = [.. _current.Values.Where(a => Matches(query, a))];
        }

        rows.Sort((x, y) => StoreQueries.CompareIds(x.CustomerId.Value, y.CustomerId.Value));
        return Stream(rows, query?.Limit, cancellationToken);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<RiskAssessment> ReadAssessmentHistoryAsync(StoreQuery? query = null, CancellationToken cancellationToken = default)
    {
        StoreQueries.Check(query, "Assessments", segment: true, levels: true);
        List<RiskAssessment> rows;
        lock (_gate)
        {
            rows = [.. _history.Values.Where(a => Matches(query, a))];
        }

        return Stream(rows, query?.Limit, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask SaveCheckpointsAsync(IReadOnlyList<StoreCheckpoint> checkpoints, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(checkpoints);
        var copies = new StoreCheckpoint[checkpoints.Count];
        for (var i = 0; i < copies.Length; i++)
        {
            var c = checkpoints[i] ?? throw new ArgumentException($"Checkpoint {i} is null.", nameof(checkpoints));
            StoreQueries.CheckKey(c.Name, "Checkpoint", i, nameof(checkpoints));
            copies[i] = c with { State = (byte[])(c.State ?? []).Clone(), SavedAt = c.SavedAt.ToUniversalTime() };
        }

        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            foreach (var c in copies)
            {
                _checkpoints[c.Name] = c;
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<StoreCheckpoint?> GetCheckpointAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (_gate)
        {
            return ValueTask.FromResult(_checkpoints.TryGetValue(name, out var c) ? c with { State = (byte[])c.State.Clone() } : null);
        }
    }

    /// <inheritdoc />
    public IAsyncEnumerable<StoreCheckpoint> ReadCheckpointsAsync(string prefix, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        List<StoreCheckpoint> rows;
        lock (_gate)
        {
            rows = [.. _checkpoints.Values.Where(c => c.Name.StartsWith(prefix, StringComparison.Ordinal)).Select(c => c with { State = (byte[])c.State.Clone() })];
        }

        rows.Sort((x, y) => StoreQueries.CompareIds(x.Name, y.Name));
        return Stream(rows, null, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<long>> AddAlertsAsync(IReadOnlyList<ChurnAlert> alerts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        var copies = new ChurnAlert[alerts.Count];
        for (var i = 0; i < copies.Length; i++)
        {
            var a = alerts[i] ?? throw new ArgumentException($"Alert {i} is null.", nameof(alerts));
            if (a.Assessment is null || a.Assessment.CustomerId.IsEmpty)
            {
                throw new ArgumentException($"Alert {i} has no assessment or an empty customer id.", nameof(alerts));
            }

            copies[i] = a with { Assessment = Freeze(a.Assessment), RaisedAt = a.RaisedAt.ToUniversalTime() };
        }

        cancellationToken.ThrowIfCancellationRequested();
        var ids = new long[copies.Length];
        lock (_gate)
        {
            for (var i = 0; i < copies.Length; i++)
            {
                var a = copies[i];
                var key = (a.Assessment.CustomerId, a.RaisedAt.UtcTicks);
                if (!_alertKeys.TryGetValue(key, out var id))
                {
                    id = _alerts.Count + 1;
                    _alerts.Add(new AlertRow(id, a));
                    _alertKeys[key] = id;
                }

                ids[i] = id;
            }
        }

        return ValueTask.FromResult<IReadOnlyList<long>>(ids);
    }

    /// <inheritdoc />
    public ValueTask RecordDeliveryAsync(long alertId, AlertDelivery delivery, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        if (!Enum.IsDefined(delivery.State))
        {
            throw new ArgumentException($"Unknown delivery state {(int)delivery.State}.", nameof(delivery));
        }

        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (alertId < 1 || alertId > _alerts.Count)
            {
                throw new ArgumentException($"The store holds no alert {alertId}.", nameof(alertId));
            }

            var row = _alerts[(int)alertId - 1];
            row.State = delivery.State;
            row.Attempts++;
            row.LastAttemptAt = delivery.At.ToUniversalTime();
            row.LastError = delivery.Error;
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public IAsyncEnumerable<StoredAlert> ReadAlertsAsync(AlertQuery? query = null, CancellationToken cancellationToken = default)
    {
        StoreQueries.Check(query, "Alerts", segment: true, levels: true);
        var states = query?.States is { } s ? new HashSet<AlertDeliveryState>(s) : null;
        List<StoredAlert> rows;
        lock (_gate)
        {
            rows = [.. _alerts
                .Where(r => StoreQueries.InRange(query, r.Alert.RaisedAt)
                    && (query?.CustomerId is not { } c || r.Alert.Assessment.CustomerId == c)
                    && (query?.Segment is not { } seg || r.Alert.Assessment.Segment == seg)
                    && (query?.Levels is not { } lv || lv.Contains(r.Alert.Assessment.Level))
                    && (states is null || states.Contains(r.State)))
                .Select(r => new StoredAlert(r.Id, r.Alert, r.State, r.Attempts, r.LastAttemptAt, r.LastError))];
        }

        return Stream(rows, query?.Limit, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<int> AddDecisionsAsync(IReadOnlyList<InterventionDecision> decisions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        var copies = new InterventionDecision[decisions.Count];
        for (var i = 0; i < copies.Length; i++)
        {
            var d = decisions[i] ?? throw new ArgumentException($"Decision {i} is null.", nameof(decisions));
            StoreQueries.CheckKey(d.Id, "Decision", i, nameof(decisions));
            if (d.CustomerId.IsEmpty || string.IsNullOrEmpty(d.Action))
            {
                throw new ArgumentException($"Decision {i} ('{d.Id}') has an empty customer id or action.", nameof(decisions));
            }

            copies[i] = d with { DecidedAt = d.DecidedAt.ToUniversalTime() };
        }

        cancellationToken.ThrowIfCancellationRequested();
        var added = 0;
        lock (_gate)
        {
            foreach (var d in copies)
            {
                if (_decisions.TryAdd(d.Id, d))
                {
                    added++;
                }
            }
        }

        return ValueTask.FromResult(added);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<InterventionDecision> ReadDecisionsAsync(StoreQuery? query = null, CancellationToken cancellationToken = default)
    {
        StoreQueries.Check(query, "Decisions", segment: true, levels: false);
        List<InterventionDecision> rows;
        lock (_gate)
        {
            rows = [.. _decisions.Values.Where(d => StoreQueries.InRange(query, d.DecidedAt)
                && (query?.CustomerId is not { } c || d.CustomerId == c)
                && (query?.Segment is not { } seg || d.Segment == seg))];
        }

        rows.Sort((x, y) => x.DecidedAt.UtcTicks != y.DecidedAt.UtcTicks ? x.DecidedAt.UtcTicks.CompareTo(y.DecidedAt.UtcTicks) : StoreQueries.CompareIds(x.Id, y.Id));
        return Stream(rows, query?.Limit, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<HoldoutAssignment>> AssignHoldoutsAsync(IReadOnlyList<HoldoutAssignment> assignments, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(assignments);
        var copies = new HoldoutAssignment[assignments.Count];
        for (var i = 0; i < copies.Length; i++)
        {
            var a = assignments[i] ?? throw new ArgumentException($"Assignment {i} is null.", nameof(assignments));
            StoreQueries.CheckKey(a.Experiment, "Assignment", i, nameof(assignments));
            if (a.CustomerId.IsEmpty)
            {
                throw new ArgumentException($"Assignment {i} has an empty customer id.", nameof(assignments));
            }

            copies[i] = a with { AssignedAt = a.AssignedAt.ToUniversalTime() };
        }

        cancellationToken.ThrowIfCancellationRequested();
        var result = new HoldoutAssignment[copies.Length];
        lock (_gate)
        {
            for (var i = 0; i < copies.Length; i++)
            {
                var key = (copies[i].Experiment, copies[i].CustomerId);
                if (!_holdouts.TryGetValue(key, out var existing))
                {
                    existing = copies[i];
                    _holdouts[key] = existing;
                }

                result[i] = existing;
            }
        }

        return ValueTask.FromResult<IReadOnlyList<HoldoutAssignment>>(result);
    }

    /// <inheritdoc />
    public ValueTask<HoldoutAssignment?> GetHoldoutAsync(string experiment, CustomerId customerId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        lock (_gate)
        {
            return ValueTask.FromResult(_holdouts.GetValueOrDefault((experiment, customerId)));
        }
    }

    /// <inheritdoc />
    public IAsyncEnumerable<HoldoutAssignment> ReadHoldoutsAsync(string experiment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        List<HoldoutAssignment> rows;
        lock (_gate)
        {
            rows = [.. _holdouts.Values.Where(h => h.Experiment == experiment)];
        }

        rows.Sort((x, y) => StoreQueries.CompareIds(x.CustomerId.Value, y.CustomerId.Value));
        return Stream(rows, null, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<int> AddPollResponsesAsync(IReadOnlyList<PollResponse> responses, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(responses);
        var copies = new PollResponse[responses.Count];
        for (var i = 0; i < copies.Length; i++)
        {
            var r = responses[i] ?? throw new ArgumentException($"Response {i} is null.", nameof(responses));
            StoreQueries.CheckKey(r.PollId, "Response", i, nameof(responses));
            if (r.CustomerId.IsEmpty || r.Score is { } s && !double.IsFinite(s))
            {
                throw new ArgumentException($"Response {i} has an empty customer id or a score that is not a finite number.", nameof(responses));
            }

            copies[i] = r with { AnsweredAt = r.AnsweredAt.ToUniversalTime() };
        }

        cancellationToken.ThrowIfCancellationRequested();
        var added = 0;
        lock (_gate)
        {
            foreach (var r in copies)
            {
                if (_pollKeys.Add((r.PollId, r.CustomerId, r.AnsweredAt.UtcTicks)))
                {
                    _polls.Add(r);
                    added++;
                }
            }
        }

        return ValueTask.FromResult(added);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<PollResponse> ReadPollResponsesAsync(string? pollId = null, StoreQuery? query = null, CancellationToken cancellationToken = default)
    {
        StoreQueries.Check(query, "Poll responses", segment: false, levels: false);
        List<PollResponse> rows;
        lock (_gate)
        {
            rows = [.. _polls.Where(r => (pollId is null || r.PollId == pollId)
                && StoreQueries.InRange(query, r.AnsweredAt)
                && (query?.CustomerId is not { } c || r.CustomerId == c))];
        }

        var ordered = rows.Select((r, i) => (r, i)).OrderBy(x => x.r.AnsweredAt.UtcTicks).ThenBy(x => x.i).Select(x => x.r).ToList();
        return Stream(ordered, query?.Limit, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask UpsertOutcomesAsync(IReadOnlyList<InterventionOutcome> outcomes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        var copies = new InterventionOutcome[outcomes.Count];
        for (var i = 0; i < copies.Length; i++)
        {
            var o = outcomes[i] ?? throw new ArgumentException($"Outcome {i} is null.", nameof(outcomes));
            StoreQueries.CheckKey(o.DecisionId, "Decision", i, nameof(outcomes));
            if (o.CustomerId.IsEmpty)
            {
                throw new ArgumentException($"Outcome {i} has an empty customer id.", nameof(outcomes));
            }

            copies[i] = o with { ObservedAt = o.ObservedAt.ToUniversalTime() };
        }

        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            foreach (var o in copies)
            {
                _outcomes[o.DecisionId] = o;
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public IAsyncEnumerable<InterventionOutcome> ReadOutcomesAsync(StoreQuery? query = null, CancellationToken cancellationToken = default)
    {
        StoreQueries.Check(query, "Outcomes", segment: false, levels: false);
        List<InterventionOutcome> rows;
        lock (_gate)
        {
            rows = [.. _outcomes.Values.Where(o => StoreQueries.InRange(query, o.ObservedAt) && (query?.CustomerId is not { } c || o.CustomerId == c))];
        }

        rows.Sort((x, y) => x.ObservedAt.UtcTicks != y.ObservedAt.UtcTicks ? x.ObservedAt.UtcTicks.CompareTo(y.ObservedAt.UtcTicks) : StoreQueries.CompareIds(x.DecisionId, y.DecisionId));
        return Stream(rows, query?.Limit, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<StoreInfo> GetInfoAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var counts = new Dictionary<string, long>(StringComparer.Ordinal)
            {
                ["events"] = _events.Count,
                ["assessments"] = _current.Count,
                ["assessment_history"] = _history.Count,
                ["checkpoints"] = _checkpoints.Count,
                ["alerts"] = _alerts.Count,
                ["decisions"] = _decisions.Count,
                ["holdouts"] = _holdouts.Count,
                ["poll_responses"] = _polls.Count,
                ["outcomes"] = _outcomes.Count,
            };
            return ValueTask.FromResult(new StoreInfo("memory", null, 0, counts, null));
        }
    }

    private static bool Matches(StoreQuery? q, RiskAssessment a) =>
        q is null || (StoreQueries.InRange(q, a.AsOf)
            && (q.CustomerId is not { } c || a.CustomerId == c)
            && (q.Segment is not { } s || a.Segment == s)
            && (q.Levels is not { } l || l.Contains(a.Level)));

    private static RiskAssessment Freeze(RiskAssessment a) => a with
    {
        AsOf = a.AsOf.ToUniversalTime(),
        Reasons = [.. a.Reasons],
        Symptoms = [.. a.Symptoms.Select(FreezeSymptom)],
        ChurnedAt = a.ChurnedAt?.ToUniversalTime(),
    };

    private static Symptom FreezeSymptom(Symptom s) => s with { FiredAt = s.FiredAt.ToUniversalTime(), Components = [.. s.Components.Select(FreezeSymptom)] };

    private static IEnumerable<T> Take<T>(IEnumerable<T> rows, int? limit) => limit is { } n ? rows.Take(n) : rows;

    private static async IAsyncEnumerable<T> Stream<T>(List<T> rows, int? limit, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var row in Take(rows, limit))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return row;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    private sealed class AlertRow(long id, ChurnAlert alert)
    {
        public long Id { get; } = id;

        public ChurnAlert Alert { get; } = alert;

        public AlertDeliveryState State { get; set; }

        public int Attempts { get; set; }

        public DateTimeOffset? LastAttemptAt { get; set; }

        public string? LastError { get; set; }
    }
    private sealed class HistoryOrder : IComparer<(string Customer, long AsOf)>
    {
        public static readonly HistoryOrder Instance = new();

        public int Compare((string Customer, long AsOf) x, (string Customer, long AsOf) y)
        {
            var c = StoreQueries.CompareIds(x.Customer, y.Customer);
            return c != 0 ? c : x.AsOf.CompareTo(y.AsOf);
        }
    }
}
