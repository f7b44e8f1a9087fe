using System.Collections.Concurrent;
using System.Globalization;
using Churn.Abstractions;

namespace Churn.Rules;

/// <summary>A condition over a customer's stream of events.</summary>
/// <param name="Id">The trigger id (the symptom's rule id).</param>
/// <param name="Severity">The symptom's severity.</param>
public abstract record EventTrigger(string Id, SymptomSeverity Severity);

/// <summary>At least <paramref name="AtLeast"/> events of a type within a window, for example 3 payment failures within 7 days.</summary>
/// <param name="Id">The trigger id.</param>
/// <param name="Type">The event type.</param>
/// <param name="AtLeast">How many.</param>
/// <param name="Within">The window.</param>
/// <param name="Severity">The symptom's severity.</param>
public sealed record CountTrigger(string Id, CustomerEventType Type, int AtLeast, TimeSpan Within, SymptomSeverity Severity = SymptomSeverity.Critical) : EventTrigger(Id, Severity);

/// <summary>No event of the given types for a period, for example no login for 14 days. Checked by <see cref="TriggerEngine.CheckInactivity"/>.</summary>
/// <param name="Id">The trigger id.</param>
/// <param name="Types">The event types that count as activity.</param>
/// <param name="For">The silence that fires the trigger.</param>
/// <param name="Severity">The symptom's severity.</param>
public sealed record InactivityTrigger(string Id, IReadOnlyList<CustomerEventType> Types, TimeSpan For, SymptomSeverity Severity = SymptomSeverity.Minor) : EventTrigger(Id, Severity);

/// <summary>A score (the amount of events of a type, such as feedback) falls by at least <paramref name="DropBy"/> from one event to the next in time order.</summary>
/// <param name="Id">The trigger id.</param>
/// <param name="Type">The event type carrying the score.</param>
/// <param name="DropBy">The fall that fires the trigger.</param>
/// <param name="Severity">The symptom's severity.</param>
public sealed record ScoreDropTrigger(string Id, CustomerEventType Type, double DropBy, SymptomSeverity Severity = SymptomSeverity.Minor) : EventTrigger(Id, Severity);

/// <summary>
/// Evaluates event-window triggers incrementally, customer by customer, as events arrive. Events
/// may arrive out of order (each customer's recent events are kept sorted) and more than once (a
/// repeated event id, or without ids a repeated type, time and amount, is ignored). A trigger fires
/// once per episode: a burst of failures raises one symptom, a silence one symptom.
/// </summary>
/// <remarks>Thread-safe: each customer's state is updated under its own lock.</remarks>
public sealed class TriggerEngine
{
    private const int MaxRemembered = 512;
    private readonly EventTrigger[] _triggers;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<CustomerId, State> _customers = new();

    /// <summary>Initializes a new instance of the <see cref="TriggerEngine"/> class.</summary>
    /// <param name="triggers">The triggers.</param>
    /// <param name="time">The clock, used by <see cref="CheckInactivity"/>.</param>
    /// <exception cref="ArgumentException">A trigger is invalid (ids repeat, counts below 1, windows not positive).</exception>
    public TriggerEngine(IEnumerable<EventTrigger> triggers, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(triggers);
        ArgumentNullException.ThrowIfNull(time);
        _triggers = [.. triggers];
        _time = time;
        if (_triggers.Select(t => t.Id).Distinct(StringComparer.Ordinal).Count() != _triggers.Length)
        {
            throw new ArgumentException("Two triggers share an id.", nameof(triggers));
        }

        foreach (var t in _triggers)
        {
            var bad = t switch
            {
                CountTrigger c when c.AtLeast < 1 || c.Within <= TimeSpan.Zero => "needs a count of at least 1 and a positive window",
                InactivityTrigger i when i.For <= TimeSpan.Zero || i.Types.Count == 0 => "needs activity types and a positive period",
                ScoreDropTrigger s when !(s.DropBy > 0) => "needs a positive drop",
                _ => null,
            };
            if (bad is not null)
            {
                throw new ArgumentException($"Trigger '{t.Id}' {bad}.", nameof(triggers));
            }
        }
    }

    /// <summary>Processes one event.</summary>
    /// <param name="e">The event.</param>
    /// <returns>The symptoms it fires (usually none).</returns>
    public IReadOnlyList<Symptom> OnEvent(CustomerEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var state = _customers.GetOrAdd(e.CustomerId, _ => new State(_triggers.Length));
        var ticks = e.Timestamp.UtcTicks;
        List<Symptom>? fired = null;
        lock (state)
        {
            var key = e.EventId ?? string.Create(CultureInfo.InvariantCulture, $"{e.Type.Name}|{ticks}|{e.Amount}");
            if (!state.Seen.Add(key))
            {
                return [];
            }

            state.SeenOrder.Enqueue(key);
            if (state.SeenOrder.Count > MaxRemembered * 4)
            {
                state.Seen.Remove(state.SeenOrder.Dequeue());
            }

            state.FirstSeen = Math.Min(state.FirstSeen, ticks);
            for (var k = 0; k < _triggers.Length; k++)
            {
                var symptom = _triggers[k] switch
                {
                    CountTrigger c when e.Type == c.Type => OnCount(c, state.Lists[k], ref state.Marks[k], ticks),
                    InactivityTrigger i when i.Types.Contains(e.Type) => OnActivity(state, k, ticks),
                    ScoreDropTrigger s when e.Type == s.Type && e.Amount is { } score => OnScore(s, state.Scores[k], state.FiredPairs[k], ticks, (double)score),
                    _ => null,
                };
                if (symptom is not null)
                {
                    (fired ??= []).Add(symptom);
                }
            }
        }

        return fired ?? (IReadOnlyList<Symptom>)[];
    }

    /// <summary>Checks every customer for silences that have lasted long enough.</summary>
    /// <param name="now">The instant to check at; the clock's now when null.</param>
    /// <returns>The customers and symptoms that fire.</returns>
    public IReadOnlyList<(CustomerId Customer, Symptom Symptom)> CheckInactivity(DateTimeOffset? now = null)
    {
        var at = now ?? _time.GetUtcNow();
        var result = new List<(CustomerId, Symptom)>();
        foreach (var (customer, state) in _customers)
        {
            lock (state)
            {
                for (var k = 0; k < _triggers.Length; k++)
                {
                    if (_triggers[k] is not InactivityTrigger trigger)
                    {
                        continue;
                    }

                    var last = state.Marks[k] == long.MinValue ? state.FirstSeen : state.Marks[k];
                    if (last == long.MaxValue || at.UtcTicks - last < trigger.For.Ticks || state.FiredFor[k] == last)
                    {
                        continue;
                    }

                    state.FiredFor[k] = last;
                    var since = new DateTimeOffset(last, TimeSpan.Zero);
                    var what = state.Marks[k] == long.MinValue ? "no activity since first seen" : "no activity since";
                    result.Add((customer, new Symptom(trigger.Id, trigger.Severity, at, string.Create(CultureInfo.InvariantCulture, $"{trigger.Id}: {what} {since:yyyy-MM-dd HH:mm} ({(at - since).TotalDays:0.#} days; limit {trigger.For.TotalDays:0.#} days of {string.Join("/", trigger.Types)})"))));
                }
            }
        }

        return result;
    }

    private static Symptom? OnActivity(State state, int k, long ticks)
    {
        state.Marks[k] = Math.Max(state.Marks[k], ticks);
        return null;
    }

    private static Symptom? OnCount(CountTrigger trigger, List<long> times, ref long lastFiredStart, long ticks)
    {
        var at = times.BinarySearch(ticks);
        times.Insert(at < 0 ? ~at : at, ticks);
        var w = trigger.Within.Ticks;

        // Keep the most recent events only (late arrivals up to that many events back still count).
        if (times.Count > MaxRemembered)
        {
            var removed = times.Count - MaxRemembered;
            times.RemoveRange(0, removed);
            if (ticks < times[0])
            {
                return null;
            }
        }

        // Windows [start, start + w] that contain the new event: start in [ticks - w, ticks].
        for (var i = 0; i < times.Count; i++)
        {
            var start = times[i];
            if (start < ticks - w || start > ticks)
            {
                continue;
            }

            var end = start + w;
            var j = times.BinarySearch(end + 1);
            var upper = j < 0 ? ~j : j;
            var first = times.BinarySearch(start);
            while (first > 0 && times[first - 1] == start)
            {
                first--;
            }

            var count = upper - first;
            if (count >= trigger.AtLeast && start > lastFiredStart + w)
            {
                lastFiredStart = start;
                var from = new DateTimeOffset(start, TimeSpan.Zero);
                return new Symptom(trigger.Id, trigger.Severity, new DateTimeOffset(times[upper - 1], TimeSpan.Zero), string.Create(CultureInfo.InvariantCulture, $"{trigger.Id}: {count} {trigger.Type} events within {trigger.Within.TotalDays:0.#} days from {from:yyyy-MM-dd HH:mm} (at least {trigger.AtLeast})"));
            }
        }

        return null;
    }

    private static Symptom? OnScore(ScoreDropTrigger trigger, List<(long Ticks, double Score)> scores, HashSet<(long, long)> firedPairs, long ticks, double score)
    {
        var index = scores.FindIndex(s => s.Ticks > ticks);
        index = index < 0 ? scores.Count : index;
        scores.Insert(index, (ticks, score));
        if (scores.Count > MaxRemembered)
        {
            scores.RemoveAt(0);
            index--;
        }

        // The new score against its predecessor, and its successor against it.
        foreach (var (a, b) in new[] { (index - 1, index), (index, index + 1) })
        {
            if (a < 0 || b >= scores.Count)
            {
                continue;
            }

            var drop = scores[a].Score - scores[b].Score;
            if (drop >= trigger.DropBy && firedPairs.Add((scores[a].Ticks, scores[b].Ticks)))
            {
                return new Symptom(trigger.Id, trigger.Severity, new DateTimeOffset(scores[b].Ticks, TimeSpan.Zero), string.Create(CultureInfo.InvariantCulture, $"{trigger.Id}: {trigger.Type} score fell from {scores[a].Score:0.##} to {scores[b].Score:0.##} (a drop of {drop:0.##}; limit {trigger.DropBy:0.##})"));
            }
        }

        return null;
    }

    private sealed class State
    {
        public State(int triggers)
        {
            Lists = [.. Enumerable.Range(0, triggers).Select(_ => new List<long>())];
            Scores = [.. Enumerable.Range(0, triggers).Select(_ => new List<(long, double)>())];
            FiredPairs = [.. Enumerable.Range(0, triggers).Select(_ => new HashSet<(long, long)>())];
            Marks = new long[triggers];
            Array.Fill(Marks, long.MinValue);
            FiredFor = new long[triggers];
            Array.Fill(FiredFor, long.MinValue);
        }

        public HashSet<string> Seen { get; } = new(StringComparer.Ordinal);

        public Queue<string> SeenOrder { get; } = new();

        public long FirstSeen { get; set; } = long.MaxValue;

        public List<long>[] Lists { get; }

        public List<(long Ticks, double Score)>[] Scores { get; }

        public HashSet<(long, long)>[] FiredPairs { get; }

#pragma warning disable CA1819 // Arrays are the per-trigger slots of one customer's private state.
        public long[] Marks { get; }

        public long[] FiredFor { get; }
#pragma warning restore CA1819
    }
}
