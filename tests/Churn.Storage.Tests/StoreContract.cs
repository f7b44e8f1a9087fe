using System.Globalization;
using Churn.Abstractions;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Churn.Storage.Tests;

/// <summary>
/// The contract every <see cref="IChurnStore"/> keeps, run against each implementation (in memory, SQLite). Reads go through
/// <see cref="Reopen"/>, which for a store with a file closes it and opens the file again: what was acknowledged must still be there.
/// </summary>
public abstract class StoreContract : IDisposable
{
    private readonly List<IChurnStore> _open = [];

    /// <summary>Creates an empty store.</summary>
    protected abstract IChurnStore CreateStore();

    /// <summary>Closes a store and opens what it wrote again (the same instance for a store without a file).</summary>
    protected abstract IChurnStore Reopen(IChurnStore store);

    public void Dispose()
    {
        foreach (var s in _open)
        {
            (s as IDisposable)?.Dispose();
        }

        Cleanup();
        GC.SuppressFinalize(this);
    }

    [Property(MaxTest = 40)]
    public Property Appending_is_idempotent_and_reads_back_in_arrival_order() =>
        Prop.ForAll(Generators.EventBatches, batches =>
        {
            var store = New();
            var expected = new List<CustomerEvent>();
            var keys = new HashSet<string>(StringComparer.Ordinal);
            var countsAddUp = true;
            foreach (var batch in batches.Concat(batches.Take(2)))
            {
                var result = Sync.Run(store.AppendEventsAsync(batch));
                var added = 0;
                foreach (var e in batch)
                {
                    if (keys.Add(EventKey.Of(e)))
                    {
                        expected.Add(e);
                        added++;
                    }
                }

                countsAddUp &= result.Added == added && result.Added + result.Duplicates == batch.Length;
            }

            store = Reopen(store);
            var read = Sync.List(store.ReadEventsAsync());
            var sequencesIncrease = read.Zip(read.Skip(1)).All(p => p.First.Sequence < p.Second.Sequence);
            return (countsAddUp && sequencesIncrease && read.Select(s => Text(s.Event)).SequenceEqual(expected.Select(Text)))
                .Label($"read {read.Count}, expected {expected.Count}");
        });

    [Property(MaxTest = 40)]
    public Property Event_queries_return_what_the_filters_say()
    {
        var query =
            from customer in Gen.Elements<CustomerId?>(null, "c1", "ü-kunde", "c'; DROP TABLE events; --")
            from start in Gen.Elements<DateTimeOffset?>(null, Generators.Epoch.AddDays(10), Generators.Epoch.AddDays(45).ToOffset(TimeSpan.FromHours(5)))
            from span in Gen.Elements<int?>(null, 0, 20, 60)
            from after in Gen.Choose(0, 30)
            from types in Gen.Elements<CustomerEventType[]?>(null, [], ["login"], ["purchase", "webinar_attended"])
            from order in Gen.Elements(EventOrder.Sequence, EventOrder.Time)
            from limit in Gen.Elements<int?>(null, 0, 5)
            select new EventQuery
            {
                CustomerId = customer,
                From = start,
                To = span is { } d ? (start ?? Generators.Epoch).AddDays(d) : null,
                AfterSequence = after,
                Types = types,
                Order = order,
                Limit = limit,
            };
        return Prop.ForAll(Gen.ListOf(Generators.Event).Select(l => l.Take(60).ToArray()).ToArbitrary(), query.ToArbitrary(), (events, q) =>
        {
            var store = New();
            Sync.Run(store.AppendEventsAsync(events));
            store = Reopen(store);
            var all = Sync.List(store.ReadEventsAsync());
            IEnumerable<StoredEvent> expected = all.Where(s =>
                s.Sequence > q.AfterSequence
                && (q.CustomerId is not { } c || s.Event.CustomerId == c)
                && (q.From is not { } f || s.Event.Timestamp >= f)
                && (q.To is not { } t || s.Event.Timestamp <= t)
                && (q.Types is not { } ty || ty.Contains(s.Event.Type)));
            if (q.Order == EventOrder.Time)
            {
                expected = expected.OrderBy(s => s.Event.Timestamp.UtcTicks).ThenBy(s => s.Sequence);
            }

            if (q.Limit is { } n)
            {
                expected = expected.Take(n);
            }

            var read = Sync.List(store.ReadEventsAsync(q));
            return read.Select(s => s.Sequence).SequenceEqual(expected.Select(s => s.Sequence));
        });
    }

    [Property(MaxTest = 40)]
    public Property Current_assessment_is_the_latest_and_history_keeps_one_per_instant() =>
        Prop.ForAll(Generators.AssessmentBatches, batches =>
        {
            var store = New();
            var current = new Dictionary<CustomerId, RiskAssessment>();
            var history = new Dictionary<(CustomerId, long), RiskAssessment>();
            foreach (var batch in batches)
            {
                Sync.Run(store.UpsertAssessmentsAsync(batch));
                foreach (var a in batch)
                {
                    history[(a.CustomerId, a.AsOf.UtcTicks)] = a;
                    if (!current.TryGetValue(a.CustomerId, out var now) || a.AsOf >= now.AsOf)
                    {
                        current[a.CustomerId] = a;
                    }
                }
            }

            store = Reopen(store);
            var expectedCurrent = current.Values.OrderBy(a => a.CustomerId.Value, Utf8Order.Instance).Select(Generators.Canonicalize);
            var expectedHistory = history.Values.OrderBy(a => a.CustomerId.Value, Utf8Order.Instance).ThenBy(a => a.AsOf.UtcTicks).Select(Generators.Canonicalize);
            var readCurrent = Sync.List(store.ReadAssessmentsAsync()).Select(Generators.Canonicalize).ToList();
            var readHistory = Sync.List(store.ReadAssessmentHistoryAsync()).Select(Generators.Canonicalize).ToList();
            var single = current.Keys.All(c => Generators.Canonicalize(Sync.Run(store.GetAssessmentAsync(c))) == Generators.Canonicalize(current[c]));
            return (readCurrent.SequenceEqual(expectedCurrent) && readHistory.SequenceEqual(expectedHistory) && single)
                .Label($"current {readCurrent.Count}/{current.Count}, history {readHistory.Count}/{history.Count}");
        });

    [Property(MaxTest = 30)]
    public Property Assessment_queries_return_what_the_filters_say()
    {
        var query =
            from customer in Gen.Elements<CustomerId?>(null, "c1", "😀x")
            from start in Gen.Elements<DateTimeOffset?>(null, Generators.Epoch.AddDays(2))
            from to in Gen.Elements<DateTimeOffset?>(null, Generators.Epoch.AddDays(4))
            from segment in Gen.Elements<string?>(null, "gold", "a'b")
            from levels in Gen.Elements<RiskLevel[]?>(null, [], [RiskLevel.High, RiskLevel.Critical])
            from limit in Gen.Elements<int?>(null, 2)
            select new StoreQuery { CustomerId = customer, From = start, To = to, Segment = segment, Levels = levels, Limit = limit };
        return Prop.ForAll(Generators.AssessmentBatches, query.ToArbitrary(), (batches, q) =>
        {
            var store = New();
            foreach (var b in batches)
            {
                Sync.Run(store.UpsertAssessmentsAsync(b));
            }

            store = Reopen(store);
            bool Match(RiskAssessment a) =>
                (q.CustomerId is not { } c || a.CustomerId == c) && (q.From is not { } f || a.AsOf >= f) && (q.To is not { } t || a.AsOf <= t)
                && (q.Segment is not { } s || a.Segment == s) && (q.Levels is not { } l || l.Contains(a.Level));
            var current = Sync.List(store.ReadAssessmentsAsync()).Where(Match);
            var history = Sync.List(store.ReadAssessmentHistoryAsync()).Where(Match);
            if (q.Limit is { } n)
            {
                current = current.Take(n);
                history = history.Take(n);
            }

            return Sync.List(store.ReadAssessmentsAsync(q)).Select(Generators.Canonicalize).SequenceEqual(current.Select(Generators.Canonicalize))
                && Sync.List(store.ReadAssessmentHistoryAsync(q)).Select(Generators.Canonicalize).SequenceEqual(history.Select(Generators.Canonicalize));
        });
    }

    [Fact]
    public async Task Events_come_back_exactly_with_their_ids_amounts_attributes_and_instants_in_utc()
    {
        var store = New();
        var at = new DateTimeOffset(2026, 3, 1, 10, 30, 15, TimeSpan.FromHours(2)).AddTicks(1234567);
        var withId = new CustomerEvent("x", at, "webinar_attended", 12.50m, "ev-1", new Dictionary<string, string> { ["b"] = "2", ["a"] = "=1+1" });
        var noId = new CustomerEvent("x", at, CustomerEventType.Login);
        await store.AppendEventsAsync([withId, noId], TestContext.Current.CancellationToken);
        store = Reopen(store);
        var read = await store.ReadEventsAsync(null, TestContext.Current.CancellationToken).ToListAsync(TestContext.Current.CancellationToken);
        Assert.Equal(2, read.Count);
        var first = read[0].Event;
        Assert.Equal(TimeSpan.Zero, first.Timestamp.Offset);
        Assert.Equal(at.UtcTicks, first.Timestamp.UtcTicks);
        Assert.Equal("ev-1", first.EventId);
        Assert.Equal(12.50m, first.Amount);
        Assert.Equal("12.50", first.Amount!.Value.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(new CustomerEventType("webinar_attended"), first.Type);
        Assert.Equal(["a", "b"], first.Attributes!.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("=1+1", first.Attributes["a"]);
        Assert.Null(read[1].Event.EventId);
        Assert.Null(read[1].Event.Amount);
        Assert.Null(read[1].Event.Attributes);
    }

    [Fact]
    public async Task The_same_event_without_an_id_is_stored_once_and_a_repeated_id_is_skipped_even_with_other_content()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = New();
        var at = Generators.Epoch;
        var r1 = await store.AppendEventsAsync([new("a", at, "purchase", 1.5m), new("a", at, "purchase", 1.50m), new("a", at.ToOffset(TimeSpan.FromHours(3)), "Purchase", 1.5m)], ct);
        Assert.Equal(new AppendResult(1, 2), r1);
        var r2 = await store.AppendEventsAsync([new("a", at, "purchase", 2m, "id-1"), new("b", at.AddDays(1), "login", null, "id-1"), new("a", at, "purchase", 2m)], ct);
        Assert.Equal(new AppendResult(2, 1), r2);
        store = Reopen(store);
        var read = await store.ReadEventsAsync(null, ct).ToListAsync(ct);
        Assert.Equal(3, read.Count);
        Assert.Equal("a", read[1].Event.CustomerId.Value);
    }

    [Fact]
    public async Task Reading_after_a_sequence_resumes_where_a_reader_stopped()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = New();
        await store.AppendEventsAsync([.. Enumerable.Range(0, 10).Select(i => new CustomerEvent("c", Generators.Epoch.AddMinutes(i), "login", null, "e" + i))], ct);
        var firstFour = await store.ReadEventsAsync(new EventQuery { Limit = 4 }, ct).ToListAsync(ct);
        await store.AppendEventsAsync([new CustomerEvent("c", Generators.Epoch.AddHours(1), "login", null, "late")], ct);
        store = Reopen(store);
        var rest = await store.ReadEventsAsync(new EventQuery { AfterSequence = firstFour[^1].Sequence }, ct).ToListAsync(ct);
        Assert.Equal(["e4", "e5", "e6", "e7", "e8", "e9", "late"], rest.Select(r => r.Event.EventId));
    }

    [Fact]
    public async Task An_older_assessment_arriving_late_changes_the_history_but_not_the_current_one()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = New();
        var newer = new RiskAssessment("c", Generators.Epoch.AddDays(2), 0.9, RiskLevel.Critical);
        var older = new RiskAssessment("c", Generators.Epoch.AddDays(1), 0.1, RiskLevel.Low);
        await store.UpsertAssessmentsAsync([newer], ct);
        await store.UpsertAssessmentsAsync([older], ct);
        store = Reopen(store);
        Assert.Equal(RiskLevel.Critical, (await store.GetAssessmentAsync("c", ct))!.Level);
        Assert.Null(await store.GetAssessmentAsync("nobody", ct));
        var history = await store.ReadAssessmentHistoryAsync(new StoreQuery { CustomerId = "c" }, ct).ToListAsync(ct);
        Assert.Equal([RiskLevel.Low, RiskLevel.Critical], history.Select(h => h.Level));
    }

    [Fact]
    public async Task Checkpoints_are_replaced_by_name_and_read_by_exact_prefix()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = New();
        await store.SaveCheckpointsAsync([new("monitor", 5, [1, 2], Generators.Epoch), new("monitor/c%1", 6, [3], Generators.Epoch), new("monitorX", 1, [], Generators.Epoch)], ct);
        await store.SaveCheckpointsAsync([new("monitor", 9, [7, 7, 7], Generators.Epoch.AddHours(1))], ct);
        store = Reopen(store);
        var monitor = await store.GetCheckpointAsync("monitor", ct);
        Assert.Equal(9, monitor!.Position);
        Assert.Equal([7, 7, 7], monitor.State);
        Assert.Equal(Generators.Epoch.AddHours(1), monitor.SavedAt);
        Assert.Null(await store.GetCheckpointAsync("MONITOR", ct));
        Assert.Equal(["monitor/c%1"], (await store.ReadCheckpointsAsync("monitor/", ct).ToListAsync(ct)).Select(c => c.Name));
        Assert.Empty(await store.ReadCheckpointsAsync("monitor/_", ct).ToListAsync(ct));
        Assert.Equal(["monitor", "monitor/c%1", "monitorX"], (await store.ReadCheckpointsAsync(string.Empty, ct).ToListAsync(ct)).Select(c => c.Name));
    }

    [Fact]
    public async Task An_alert_raised_twice_is_stored_once_and_its_deliveries_are_recorded()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = New();
        var assessment = new RiskAssessment("c", Generators.Epoch, 0.8, RiskLevel.High) { Segment = "gold", Reasons = [new("tenure", double.NaN, 0.1, "t")] };
        var alert = new ChurnAlert(assessment, "anna", Generators.Epoch.AddMinutes(1), "risk rose to high") { PreviousLevel = RiskLevel.Medium, SuggestedPlaybook = "call-within-48h" };
        var other = new ChurnAlert(assessment with { CustomerId = "d", Level = RiskLevel.Critical }, null, Generators.Epoch.AddMinutes(2), "critical");
        var ids = await store.AddAlertsAsync([alert, other], ct);
        var again = await store.AddAlertsAsync([alert with { Message = "replayed" }], ct);
        Assert.Equal(ids[0], again[0]);
        Assert.NotEqual(ids[0], ids[1]);
        await store.RecordDeliveryAsync(ids[0], new AlertDelivery(AlertDeliveryState.Pending, Generators.Epoch.AddMinutes(3), "timeout"), ct);
        await store.RecordDeliveryAsync(ids[0], new AlertDelivery(AlertDeliveryState.Delivered, Generators.Epoch.AddMinutes(4)), ct);
        await Assert.ThrowsAsync<ArgumentException>(() => store.RecordDeliveryAsync(9999, new AlertDelivery(AlertDeliveryState.Delivered, Generators.Epoch), ct).AsTask());
        store = Reopen(store);
        var all = await store.ReadAlertsAsync(null, ct).ToListAsync(ct);
        Assert.Equal(2, all.Count);
        var first = all[0];
        Assert.Equal((AlertDeliveryState.Delivered, 2, Generators.Epoch.AddMinutes(4), (string?)null), (first.State, first.Attempts, first.LastAttemptAt!.Value, first.LastError));
        Assert.Equal("risk rose to high", first.Alert.Message);
        Assert.Equal("anna", first.Alert.Owner);
        Assert.Equal((RiskLevel.Medium, "call-within-48h"), (first.Alert.PreviousLevel!.Value, first.Alert.SuggestedPlaybook));
        Assert.Equal(((RiskLevel?)null, (string?)null), (all[1].Alert.PreviousLevel, all[1].Alert.SuggestedPlaybook));
        Assert.Equal(Generators.Canonicalize(assessment), Generators.Canonicalize(first.Alert.Assessment));
        var pending = await store.ReadAlertsAsync(new AlertQuery { States = [AlertDeliveryState.Pending] }, ct).ToListAsync(ct);
        Assert.Equal(["d"], pending.Select(p => p.Alert.Assessment.CustomerId.Value));
        var critical = await store.ReadAlertsAsync(new AlertQuery { Levels = [RiskLevel.Critical], Segment = "gold" }, ct).ToListAsync(ct);
        Assert.Single(critical);
    }

    [Fact]
    public async Task Decisions_are_never_rewritten_holdouts_keep_their_first_assignment_polls_and_outcomes_have_their_keys()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = New();
        var decision = new InterventionDecision("c", "call", "phone", 12.5m, false) { Id = "d1", DecidedAt = Generators.Epoch, Playbook = "winback", Offer = "bonus", Segment = "gold", Owner = "anna", ApprovedBy = "lead" };
        Assert.Equal(1, await store.AddDecisionsAsync([decision], ct));
        Assert.Equal(1, await store.AddDecisionsAsync([decision with { Cost = 99m }, decision with { Id = "d2", CustomerId = "e", DecidedAt = Generators.Epoch.AddDays(-1), Segment = null }], ct));
        await Assert.ThrowsAsync<ArgumentException>(() => store.AddDecisionsAsync([decision with { Id = string.Empty }], ct).AsTask());

        var first = await store.AssignHoldoutsAsync([new("winback-2026-01", "c", true, Generators.Epoch), new("winback-2026-01", "e", false, Generators.Epoch)], ct);
        var second = await store.AssignHoldoutsAsync([new("winback-2026-01", "c", false, Generators.Epoch.AddDays(1)), new("winback-2026-02", "c", false, Generators.Epoch.AddDays(1))], ct);
        Assert.True(first[0].IsHoldout);
        Assert.True(second[0].IsHoldout);
        Assert.Equal(Generators.Epoch, second[0].AssignedAt);
        Assert.False(second[1].IsHoldout);

        Assert.Equal(2, await store.AddPollResponsesAsync([new("nps", "c", Generators.Epoch, 9, "great") { DecisionId = "d1" }, new("nps", "c", Generators.Epoch.AddDays(30), 3, null)], ct));
        Assert.Equal(0, await store.AddPollResponsesAsync([new("nps", "c", Generators.Epoch, 0, "changed my mind")], ct));

        await store.UpsertOutcomesAsync([new InterventionOutcome("d1", "c", Generators.Epoch.AddDays(10), null, null)], ct);
        await store.UpsertOutcomesAsync([new InterventionOutcome("d1", "c", Generators.Epoch.AddDays(90), false, 120.40m), new InterventionOutcome("d2", "e", Generators.Epoch.AddDays(5), true, 0m)], ct);

        store = Reopen(store);
        var decisions = await store.ReadDecisionsAsync(null, ct).ToListAsync(ct);
        Assert.Equal(["d2", "d1"], decisions.Select(d => d.Id));
        Assert.Equal(decision, decisions[1]);
        Assert.Equal(["d1"], (await store.ReadDecisionsAsync(new StoreQuery { Segment = "gold" }, ct).ToListAsync(ct)).Select(d => d.Id));
        Assert.True((await store.GetHoldoutAsync("winback-2026-01", "c", ct))!.IsHoldout);
        Assert.Null(await store.GetHoldoutAsync("winback-2026-03", "c", ct));
        Assert.Equal(["c", "e"], (await store.ReadHoldoutsAsync("winback-2026-01", ct).ToListAsync(ct)).Select(h => h.CustomerId.Value));
        var polls = await store.ReadPollResponsesAsync("nps", null, ct).ToListAsync(ct);
        Assert.Equal([9.0, 3.0], polls.Select(p => p.Score!.Value));
        Assert.Equal("great", polls[0].Comment);
        Assert.Equal("d1", polls[0].DecisionId);
        Assert.Single(await store.ReadPollResponsesAsync(null, new StoreQuery { From = Generators.Epoch.AddDays(1) }, ct).ToListAsync(ct));
        var outcomes = await store.ReadOutcomesAsync(null, ct).ToListAsync(ct);
        Assert.Equal(["d2", "d1"], outcomes.Select(o => o.DecisionId));
        Assert.Equal(new InterventionOutcome("d1", "c", Generators.Epoch.AddDays(90), false, 120.40m), outcomes[1]);

        var info = await store.GetInfoAsync(ct);
        Assert.Equal(2, info.RowCounts["decisions"]);
        Assert.Equal(3, info.RowCounts["holdouts"]);
        Assert.Equal(2, info.RowCounts["poll_responses"]);
        Assert.Equal(2, info.RowCounts["outcomes"]);
    }

    [Fact]
    public void A_filter_that_does_not_apply_or_a_backward_range_is_refused_when_the_read_is_asked_for()
    {
        var store = New();
        Assert.Throws<ArgumentException>(() => store.ReadOutcomesAsync(new StoreQuery { Segment = "gold" }, TestContext.Current.CancellationToken));
        Assert.Throws<ArgumentException>(() => store.ReadPollResponsesAsync(null, new StoreQuery { Levels = [RiskLevel.High] }, TestContext.Current.CancellationToken));
        Assert.Throws<ArgumentException>(() => store.ReadDecisionsAsync(new StoreQuery { Levels = [RiskLevel.High] }, TestContext.Current.CancellationToken));
        Assert.Throws<ArgumentException>(() => store.ReadAssessmentsAsync(new StoreQuery { From = Generators.Epoch, To = Generators.Epoch.AddDays(-1) }, TestContext.Current.CancellationToken));
        Assert.Throws<ArgumentException>(() => store.ReadEventsAsync(new EventQuery { Limit = -1 }, TestContext.Current.CancellationToken));
        Assert.Throws<ArgumentException>(() => store.ReadEventsAsync(new EventQuery { AfterSequence = -1 }, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_cancelled_write_writes_nothing_and_a_bad_record_refuses_the_whole_call()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = New();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.AppendEventsAsync([new CustomerEvent("a", Generators.Epoch, "login")], cancelled.Token).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => store.AppendEventsAsync([new CustomerEvent("a", Generators.Epoch, "login"), null!], ct).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => store.UpsertAssessmentsAsync([new RiskAssessment(default, Generators.Epoch, null, RiskLevel.Low)], ct).AsTask());
        store = Reopen(store);
        Assert.Empty(await store.ReadEventsAsync(null, ct).ToListAsync(ct));
        Assert.Empty(await store.ReadAssessmentsAsync(null, ct).ToListAsync(ct));
    }

    [Fact]
    public async Task Writing_in_batches_adds_up_to_writing_at_once()
    {
        var ct = TestContext.Current.CancellationToken;
        var events = Enumerable.Range(0, 100).Select(i => new CustomerEvent("c" + (i % 7), Generators.Epoch.AddMinutes(i), "login", null, "e" + (i % 90))).ToList();
        var store = New();
        var total = await store.AppendEventsInBatchesAsync(events, 7, ct);
        Assert.Equal(new AppendResult(90, 10), total);
        var assessments = Enumerable.Range(0, 30).Select(i => new RiskAssessment("c" + (i % 11), Generators.Epoch.AddDays(i), 0.5, RiskLevel.Medium));
        Assert.Equal(30, await store.UpsertAssessmentsInBatchesAsync(assessments, 4, ct));
        store = Reopen(store);
        Assert.Equal(90, await store.ReadEventsAsync(null, ct).CountAsync(ct));
        Assert.Equal(11, await store.ReadAssessmentsAsync(null, ct).CountAsync(ct));
        Assert.Equal(30, await store.ReadAssessmentHistoryAsync(null, ct).CountAsync(ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.AppendEventsInBatchesAsync(events, 0, ct).AsTask());
    }

    /// <summary>Deletes what the implementation created.</summary>
    protected virtual void Cleanup()
    {
    }

    /// <summary>Remembers a store so that the test disposes it.</summary>
    protected IChurnStore Track(IChurnStore store)
    {
        _open.Add(store);
        return store;
    }

    private static string Text(CustomerEvent e) =>
        string.Join('|', e.CustomerId.Value, e.Timestamp.UtcTicks, e.Type.Name, e.Amount?.ToString(CultureInfo.InvariantCulture), e.EventId,
            e.Attributes is null ? "-" : string.Join(';', e.Attributes.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value)));

    private IChurnStore New() => Track(CreateStore());
}

/// <summary>Orders strings by their UTF-8 bytes, as every store orders ids.</summary>
internal sealed class Utf8Order : IComparer<string>
{
    public static readonly Utf8Order Instance = new();

    public int Compare(string? x, string? y)
    {
        var a = System.Text.Encoding.UTF8.GetBytes(x ?? string.Empty);
        var b = System.Text.Encoding.UTF8.GetBytes(y ?? string.Empty);
        return a.AsSpan().SequenceCompareTo(b);
    }
}
