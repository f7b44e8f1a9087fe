using System.Globalization;
using Churn.Abstractions;

namespace Churn.Interventions;

/// <summary>One customer to plan for: the assessment and what else the planner may know.</summary>
/// <param name="Assessment">The customer's assessment at the plan's instant.</param>
public sealed record PlanCustomer(RiskAssessment Assessment)
{
    /// <summary>Gets the profile: preferred channels, consent (per channel through the attribute <c>consent_&lt;channel&gt;</c> = <c>no</c>), owner.</summary>
    public CustomerProfile? Profile { get; init; }

    /// <summary>Gets the segment, when it is not the assessment's.</summary>
    public string? Segment { get; init; }

    /// <summary>Gets the customer's level at the previous plan, if known: a level trigger then fires only on a rise.</summary>
    public RiskLevel? PreviousLevel { get; init; }

    /// <summary>Gets the monitor's alerts for the customer since the previous plan (an <see cref="AlertInbox"/> hands each alert to one plan); those raised after the plan's instant are ignored.</summary>
    public IReadOnlyList<ChurnAlert> Alerts { get; init; } = [];
}

/// <summary>A plan's instant and limits.</summary>
/// <param name="AsOf">The plan's instant: assessments are as of it, steps are due from it.</param>
public sealed record PlanRequest(DateTimeOffset AsOf)
{
    /// <summary>Gets the previous plan's instant: a proactive cadence occurrence after it and at or before <see cref="AsOf"/> starts a playbook (default: a day before).</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Gets the most the plan may spend on contacts and offers (none: no limit).</summary>
    public decimal? Budget { get; init; }

    /// <summary>Gets the decisions taken before (contact caps and windows, cooldowns, offer caps and budgets).</summary>
    public InterventionHistory? History { get; init; }

    /// <summary>Gets how many threads evaluate customers (-1: all cores); the plan is the same for any number.</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;
}

/// <summary>A step of a planned intervention, with its channel, offer and due time.</summary>
/// <param name="Kind">What the step does.</param>
/// <param name="Action">The step's name.</param>
/// <param name="Channel">The channel of a contact or poll.</param>
/// <param name="Offer">The offer of an offer step (none when no offer suits the customer: the dialogue still happens).</param>
/// <param name="Poll">The poll of a poll step.</param>
/// <param name="Due">When the step is due (out of quiet periods).</param>
/// <param name="Done">What counts as done.</param>
public sealed record PlannedStep(StepKind Kind, string Action, string? Channel, string? Offer, string? Poll, DateTimeOffset Due, string? Done);

/// <summary>A playbook run decided for one customer, treated or held out.</summary>
public sealed record PlannedIntervention
{
    /// <summary>Gets the decision's id: <c>playbook/customer/occurrence</c>, the same on every run for the same occurrence (stores add it once).</summary>
    public required string Id { get; init; }

    /// <summary>Gets the customer.</summary>
    public required CustomerId CustomerId { get; init; }

    /// <summary>Gets the playbook.</summary>
    public required string Playbook { get; init; }

    /// <summary>Gets why the playbook ran for the customer, in words.</summary>
    public required string Reason { get; init; }

    /// <summary>Gets the action: the steps' names joined by '+'.</summary>
    public required string Action { get; init; }

    /// <summary>Gets the steps (empty for a held-out customer: nothing is done).</summary>
    public required IReadOnlyList<PlannedStep> Steps { get; init; }

    /// <summary>Gets the channel the customer is reached on: the contact step's, else the poll's (none for a held-out customer, or a playbook of tasks only).</summary>
    public string? Channel { get; init; }

    /// <summary>Gets the offer made (none for a held-out customer).</summary>
    public string? Offer { get; init; }

    /// <summary>Gets what the treatment costs: the contacts' channels and the offer (0 for a held-out customer).</summary>
    public decimal Cost { get; init; }

    /// <summary>Gets who carries it out.</summary>
    public string? Owner { get; init; }

    /// <summary>Gets whether the customer is held out (never contacted; logged to measure the effect).</summary>
    public bool IsHoldout { get; init; }

    /// <summary>Gets the expected net retained value of the treatment: P(churn) × uplift × value − cost.</summary>
    public double ExpectedValue { get; init; }

    /// <summary>Gets the customer's segment.</summary>
    public required string Segment { get; init; }

    /// <summary>Gets the customer's value tier.</summary>
    public required string Tier { get; init; }

    /// <summary>Gets the approval an offer above the limit relies on, if any.</summary>
    public OfferApproval? Approval { get; init; }

    /// <summary>Gets, for a held-out customer, the offer and cost the treatment would have had (what the holdout is compared against).</summary>
    public (string? Offer, decimal Cost) Intended { get; init; }

    /// <summary>Gets when the decision was taken (the plan's instant).</summary>
    public DateTimeOffset DecidedAt { get; init; }

    /// <summary>The decision to store.</summary>
    /// <returns>The decision.</returns>
    public InterventionDecision ToDecision() => new(CustomerId, Action, Channel, Cost, IsHoldout)
    {
        Id = Id,
        DecidedAt = DecidedAt,
        Playbook = Playbook,
        Offer = Offer,
        Segment = Segment,
        Owner = Owner,
        ApprovedBy = Approval?.ApprovedBy,
    };
}

/// <summary>A playbook's part of a plan.</summary>
/// <param name="Id">The playbook.</param>
/// <param name="Planned">Customers decided (treated and held out).</param>
/// <param name="HeldOut">Of them, held out.</param>
/// <param name="Cost">What the treated cost.</param>
public sealed record PlaybookSummary(string Id, int Planned, int HeldOut, decimal Cost);

/// <summary>The planner's decisions at one instant, with their totals.</summary>
public sealed class InterventionPlan
{
    internal InterventionPlan(DateTimeOffset asOf, int customers, decimal? budget, IReadOnlyList<PlannedIntervention> items, IReadOnlyList<ValueTier> tiers, IReadOnlyList<string> playbookIds, string holdoutPeriod)
    {
        AsOf = asOf;
        Customers = customers;
        Budget = budget;
        Items = items;
        Tiers = tiers;
        HoldoutPeriod = holdoutPeriod;
        var planned = new Dictionary<string, (int Planned, int HeldOut, decimal Cost)>(StringComparer.Ordinal);
        foreach (var id in playbookIds)
        {
            planned[id] = default;
        }

        foreach (var i in items)
        {
            var (p, h, c) = planned[i.Playbook];
            planned[i.Playbook] = (p + 1, h + (i.IsHoldout ? 1 : 0), c + i.Cost);
            HeldOut += i.IsHoldout ? 1 : 0;
            Contacted += !i.IsHoldout && i.Channel is not null ? 1 : 0;
            Cost += i.Cost;
        }

        ByPlaybook = [.. playbookIds.Select(id => new PlaybookSummary(id, planned[id].Planned, planned[id].HeldOut, planned[id].Cost))];
    }

    /// <summary>Gets the plan's instant.</summary>
    public DateTimeOffset AsOf { get; }

    /// <summary>Gets how many customers were considered.</summary>
    public int Customers { get; }

    /// <summary>Gets the decisions, in the customers' order: at most one per customer.</summary>
    public IReadOnlyList<PlannedIntervention> Items { get; }

    /// <summary>Gets how many customers were decided (treated and held out).</summary>
    public int Planned => Items.Count;

    /// <summary>Gets how many were held out.</summary>
    public int HeldOut { get; }

    /// <summary>Gets how many treated customers are contacted.</summary>
    public int Contacted { get; }

    /// <summary>Gets what the treated cost.</summary>
    public decimal Cost { get; }

    /// <summary>Gets the budget, if any.</summary>
    public decimal? Budget { get; }

    /// <summary>Gets the value tiers used (declared, or fitted on the customers).</summary>
    public IReadOnlyList<ValueTier> Tiers { get; }

    /// <summary>Gets the holdout period the plan drew in (for example <c>2026-12</c>).</summary>
    public string HoldoutPeriod { get; }

    /// <summary>Gets each playbook's part, in the set's order.</summary>
    public IReadOnlyList<PlaybookSummary> ByPlaybook { get; }

    /// <summary>The decisions to store.</summary>
    /// <returns>The decisions.</returns>
    public IReadOnlyList<InterventionDecision> ToDecisions() => [.. Items.Select(i => i.ToDecision())];

    /// <summary>The holdout assignments to store: one per decision, experiment <c>playbook/period</c>.</summary>
    /// <returns>The assignments.</returns>
    public IReadOnlyList<HoldoutAssignment> ToHoldoutAssignments() =>
        [.. Items.Select(i => new HoldoutAssignment($"{i.Playbook}/{HoldoutPeriod}", i.CustomerId, i.IsHoldout, AsOf))];

    internal static string Stamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
}

/// <summary>Estimates the share of a customer's churn probability a playbook (and offer) removes.</summary>
/// <remarks>Implementations must be thread-safe and deterministic. The evaluation package fits one from measured outcomes.</remarks>
public interface IUpliftEstimator
{
    /// <summary>The uplift: the drop in churn probability as a share of it, in [0, 1].</summary>
    /// <param name="assessment">The customer's assessment.</param>
    /// <param name="playbook">The playbook.</param>
    /// <param name="offer">The offer, if one is made.</param>
    /// <returns>The uplift.</returns>
    double Estimate(RiskAssessment assessment, Playbook playbook, Offer? offer);
}

/// <summary>The documented prior uplift: the playbook's <see cref="Playbook.Uplift"/> plus, with an offer, its expected acceptance times its <see cref="Offer.Uplift"/>, at most 1.</summary>
public sealed class PriorUplift : IUpliftEstimator
{
    /// <summary>Gets the shared instance.</summary>
    public static PriorUplift Instance { get; } = new();

    /// <inheritdoc />
    public double Estimate(RiskAssessment assessment, Playbook playbook, Offer? offer)
    {
        ArgumentNullException.ThrowIfNull(playbook);
        return Math.Min(1.0, playbook.Uplift + (offer is null ? 0 : offer.ExpectedAcceptance * offer.Uplift));
    }
}

/// <summary>What was decided before a plan: the contacts, playbook runs and offers the planner's caps, windows and budgets count.</summary>
public sealed class InterventionHistory
{
    private readonly Dictionary<CustomerId, InterventionDecision[]> _byCustomer;

    /// <summary>Initializes a new instance of the <see cref="InterventionHistory"/> class.</summary>
    /// <param name="decisions">Earlier decisions (any order).</param>
    public InterventionHistory(IEnumerable<InterventionDecision> decisions)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        _byCustomer = decisions.GroupBy(d => d.CustomerId).ToDictionary(g => g.Key, g => g.OrderBy(d => d.DecidedAt).ToArray());
        Count = _byCustomer.Values.Sum(d => d.Length);
    }

    /// <summary>Gets an empty history.</summary>
    public static InterventionHistory Empty { get; } = new([]);

    /// <summary>Gets how many decisions it holds.</summary>
    public int Count { get; }

    /// <summary>Reads the decisions a plan at an instant needs from a store: those of the year before it.</summary>
    /// <param name="store">The store.</param>
    /// <param name="asOf">The plan's instant.</param>
    /// <param name="lookBack">How far back to read (default 366 days: a yearly offer's cap and budget).</param>
    /// <param name="cancellationToken">Cancels the reading.</param>
    /// <returns>The history.</returns>
    public static async Task<InterventionHistory> ReadAsync(IInterventionStore store, DateTimeOffset asOf, TimeSpan? lookBack = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var list = new List<InterventionDecision>();
        await foreach (var d in store.ReadDecisionsAsync(new StoreQuery { From = asOf - (lookBack ?? TimeSpan.FromDays(366)), To = asOf }, cancellationToken).ConfigureAwait(false))
        {
            list.Add(d);
        }

        return new InterventionHistory(list);
    }

    internal bool TryGet(CustomerId id, out InterventionDecision[] decisions) => _byCustomer.TryGetValue(id, out decisions!);

    /// <summary>How many times an offer was made (to treated customers) in its period, as of an instant.</summary>
    /// <param name="offer">The offer.</param>
    /// <param name="at">The instant (its period).</param>
    /// <returns>The count.</returns>
    internal int OffersMade(Offer offer, DateTimeOffset at)
    {
        var period = offer.PeriodOf(at);
        return _byCustomer.Values.Sum(list => list.Count(d => !d.IsHoldout && d.Offer == offer.Id && d.DecidedAt <= at && offer.PeriodOf(d.DecidedAt) == period));
    }
}
