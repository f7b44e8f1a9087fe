using Churn.Abstractions;

namespace Churn.Interventions;

/// <summary>
/// Runs the planner on the clock and remembers everything it decides: at each run it reads the
/// decisions of the year before from the store (caps, windows, cooldowns, offer budgets), plans as
/// of <see cref="TimeProvider.GetUtcNow"/> for the interval since the previous run (proactive
/// cadences, alerts), stores the holdout assignments and the decisions (treated and held out,
/// with offer, cost, owner and approval), and sends the treated customers' polls. Poll responses
/// recorded through it are stored and become feedback events, which features and symptoms read.
/// </summary>
/// <remarks>One run at a time (a run waits for the previous one).</remarks>
public sealed class InterventionService : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly IInterventionStore _store;
    private readonly TimeProvider _time;
    private readonly IPollSender? _polls;
    private readonly IEventStore? _events;
    private readonly AlertInbox? _inbox;
    private DateTimeOffset? _last;

    /// <summary>Initializes a new instance of the <see cref="InterventionService"/> class.</summary>
    /// <param name="planner">The planner.</param>
    /// <param name="store">Where decisions, holdouts and poll responses are kept.</param>
    /// <param name="time">The clock.</param>
    /// <param name="polls">Sends polls (none: poll steps are planned and stored but not sent).</param>
    /// <param name="events">Where poll responses are appended as feedback events (none: they are kept as responses only).</param>
    /// <param name="inbox">The monitor's alerts waiting for the next run (none: only those the customers carry).</param>
    public InterventionService(InterventionPlanner planner, IInterventionStore store, TimeProvider time, IPollSender? polls = null, IEventStore? events = null, AlertInbox? inbox = null)
    {
        _inbox = inbox;
        Planner = planner ?? throw new ArgumentNullException(nameof(planner));
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _polls = polls;
        _events = events;
    }

    /// <summary>Gets the planner.</summary>
    public InterventionPlanner Planner { get; }

    /// <summary>Gets the instant of the previous run, if any.</summary>
    public DateTimeOffset? LastRun => _last;

    /// <inheritdoc />
    public void Dispose() => _gate.Dispose();

    /// <summary>Plans now for the customers (assessed as of now), stores the decisions and holdouts, and sends the treated customers' polls.</summary>
    /// <param name="customers">The customers.</param>
    /// <param name="budget">The most this run may spend (none: no limit).</param>
    /// <param name="since">The previous run's instant (default: this service's previous run, else a day before now).</param>
    /// <param name="cancellationToken">Cancels the work (nothing is stored after a cancellation).</param>
    /// <returns>The plan.</returns>
    public async Task<InterventionPlan> RunAsync(IReadOnlyList<PlanCustomer> customers, decimal? budget = null, DateTimeOffset? since = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(customers);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = _time.GetUtcNow();
            var history = await InterventionHistory.ReadAsync(_store, now, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (_inbox?.Take(now) is { Count: > 0 } alerts)
            {
                customers = [.. customers.Select(c => alerts.TryGetValue(c.Assessment.CustomerId, out var list) ? c with { Alerts = [.. c.Alerts, .. list] } : c)];
            }

            var plan = Planner.Plan(customers, new PlanRequest(now) { Since = since ?? _last ?? now.AddDays(-1), Budget = budget, History = history }, cancellationToken);
            if (plan.Items.Count > 0)
            {
                await _store.AssignHoldoutsAsync(plan.ToHoldoutAssignments(), cancellationToken).ConfigureAwait(false);
                await _store.AddDecisionsAsync(plan.ToDecisions(), CancellationToken.None).ConfigureAwait(false);
            }

            if (_polls is not null)
            {
                foreach (var item in plan.Items)
                {
                    foreach (var step in item.Steps)
                    {
                        if (step.Kind == StepKind.Poll && Planner.Playbooks.Polls.FirstOrDefault(p => p.Id == step.Poll) is { } poll)
                        {
                            await _polls.SendAsync(new PollRequest(poll, item.CustomerId, step.Channel, step.Due) { DecisionId = item.Id }, CancellationToken.None).ConfigureAwait(false);
                        }
                    }
                }
            }

            _last = now;
            return plan;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Records an offer a representative makes by hand (<see cref="InterventionPlanner.CheckOffer"/> decides whether they
    /// may, counting the stored decisions): stores the decision, with who approved it when it is above the limit.
    /// </summary>
    /// <param name="customer">The customer.</param>
    /// <param name="offerId">The offer.</param>
    /// <param name="owner">The representative.</param>
    /// <param name="approval">The approval obtained for an offer above the limit, if any.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The stored decision.</returns>
    /// <exception cref="InvalidOperationException">The representative may not make the offer (the reason says why: not eligible, over the cap, above the limit without an approval that covers it).</exception>
    public async Task<InterventionDecision> RecordOfferAsync(PlanCustomer customer, string offerId, string owner, OfferApproval? approval = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(customer);
        ArgumentException.ThrowIfNullOrWhiteSpace(owner);
        var now = _time.GetUtcNow();
        var history = await InterventionHistory.ReadAsync(_store, now, cancellationToken: cancellationToken).ConfigureAwait(false);
        var check = Planner.CheckOffer(customer, offerId, now, history, approval);
        if (!check.Allowed)
        {
            throw new InvalidOperationException($"Offer '{offerId}' to customer '{customer.Assessment.CustomerId}': {check.Reason}.");
        }

        Planner.Offers.TryGet(offerId, out var offer);
        var decision = new InterventionDecision(customer.Assessment.CustomerId, "offer", null, offer.Cost, false)
        {
            Id = $"offer/{customer.Assessment.CustomerId.Value}/{offerId}/{InterventionPlan.Stamp(now)}",
            DecidedAt = now,
            Offer = offerId,
            Segment = customer.Segment ?? customer.Assessment.Segment,
            Owner = owner,
            ApprovedBy = check.Approval?.ApprovedBy,
        };
        await _store.AddDecisionsAsync([decision], cancellationToken).ConfigureAwait(false);
        return decision;
    }

    /// <summary>Records poll responses: checks each score against its poll, stores the responses, and appends them as feedback events.</summary>
    /// <param name="responses">The responses.</param>
    /// <param name="cancellationToken">Cancels the work before anything is written.</param>
    /// <returns>How many responses were new.</returns>
    /// <exception cref="ArgumentException">A response names a poll the playbooks do not declare, or its score is not valid (nothing is stored).</exception>
    public async Task<int> RecordResponsesAsync(IReadOnlyList<PollResponse> responses, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(responses);
        var events = new List<CustomerEvent>(responses.Count);
        foreach (var r in responses)
        {
            ArgumentNullException.ThrowIfNull(r);
            var poll = Planner.Playbooks.Polls.FirstOrDefault(p => p.Id == r.PollId) ?? throw new ArgumentException($"Poll '{r.PollId}' is not declared.", nameof(responses));
            events.Add(poll.ToEvent(r));
        }

        var added = await _store.AddPollResponsesAsync(responses, cancellationToken).ConfigureAwait(false);
        if (_events is not null)
        {
            await _events.AppendEventsAsync(events, CancellationToken.None).ConfigureAwait(false);
        }

        return added;
    }
}
