using Churn.Rules;

namespace Churn.Interventions;

/// <summary>How often an offer's budget and per-customer cap start again.</summary>
public enum OfferPeriod
{
    /// <summary>Every calendar month, UTC.</summary>
    Monthly = 0,

    /// <summary>Every calendar quarter, UTC.</summary>
    Quarterly,

    /// <summary>Every calendar year, UTC.</summary>
    Yearly,

    /// <summary>Never: the budget and the cap are for the offer's whole life.</summary>
    Never,
}

/// <summary>An offer of compensation (a bonus, a discount, an extra service) that a playbook's offer step may make.</summary>
/// <param name="Id">The id (letters, digits, '-', '_', '.').</param>
/// <param name="Cost">What the offer costs the business when made (counted against the budgets in full).</param>
public sealed record Offer(string Id, decimal Cost)
{
    /// <summary>Gets a name for people.</summary>
    public string? Name { get; init; }

    /// <summary>Gets who may get the offer: a condition in the Churn.Rules expression language over <see cref="OfferCatalog.Schema"/> (none: everyone).</summary>
    public string? Eligibility { get; init; }

    /// <summary>Gets the expected share of customers who accept the offer (a prior; default 0.3).</summary>
    public double ExpectedAcceptance { get; init; } = 0.3;

    /// <summary>Gets the share of the churn probability an accepted offer removes, on top of the contact's (a prior; default 0.1).</summary>
    public double Uplift { get; init; } = 0.1;

    /// <summary>Gets how many times one customer may get the offer per <see cref="Period"/> (default 1).</summary>
    public int PerCustomerCap { get; init; } = 1;

    /// <summary>Gets the offer's budget per <see cref="Period"/> (none: only the plan's budget limits it).</summary>
    public decimal? Budget { get; init; }

    /// <summary>Gets the period of the budget and the cap.</summary>
    public OfferPeriod Period { get; init; }

    /// <summary>The name of the period an instant falls in, UTC (<c>2026-12</c>, <c>2026-Q4</c>, <c>2026</c>, <c>all</c>).</summary>
    /// <param name="at">The instant.</param>
    /// <returns>The period's name.</returns>
    public string PeriodOf(DateTimeOffset at) => Period switch
    {
        OfferPeriod.Monthly => Holdout.PeriodOf(at, HoldoutPeriod.Monthly),
        OfferPeriod.Quarterly => Holdout.PeriodOf(at, HoldoutPeriod.Quarterly),
        OfferPeriod.Yearly => at.UtcDateTime.Year.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => "all",
    };
}

/// <summary>A pre-agreed compensation limit: the most an owner may offer, without approval, to a customer of a segment and value tier.</summary>
/// <param name="Segment">The segment, or <c>*</c> for any.</param>
/// <param name="Tier">The value tier, or <c>*</c> for any.</param>
/// <param name="MaxCost">The most a single offer may cost.</param>
public sealed record CompensationLimit(string Segment, string Tier, decimal MaxCost);

/// <summary>
/// An approval of offers above the pre-agreed limit: who approved, and for which customer, offer,
/// segment and tier (each unset field matches any), up to what cost and until when. A decision
/// that relies on it carries <see cref="Abstractions.InterventionDecision.ApprovedBy"/>.
/// </summary>
/// <param name="Id">The approval's id (a ticket number, for example).</param>
/// <param name="ApprovedBy">Who approved.</param>
/// <param name="MaxCost">The most an approved offer may cost.</param>
public sealed record OfferApproval(string Id, string ApprovedBy, decimal MaxCost)
{
    /// <summary>Gets the customer the approval is for (none: any).</summary>
    public string? CustomerId { get; init; }

    /// <summary>Gets the offer the approval is for (none: any).</summary>
    public string? Offer { get; init; }

    /// <summary>Gets the segment the approval is for (none: any).</summary>
    public string? Segment { get; init; }

    /// <summary>Gets the tier the approval is for (none: any).</summary>
    public string? Tier { get; init; }

    /// <summary>Gets the last instant the approval holds (none: no end).</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>Whether the approval covers an offer to a customer at an instant.</summary>
    /// <param name="customerId">The customer.</param>
    /// <param name="offer">The offer.</param>
    /// <param name="segment">The customer's segment.</param>
    /// <param name="tier">The customer's tier.</param>
    /// <param name="at">The instant.</param>
    /// <returns>True when every set field matches, the cost is within <see cref="MaxCost"/> and the approval has not run out.</returns>
    public bool Covers(string customerId, Offer offer, string segment, string tier, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(offer);
        return (CustomerId is null || CustomerId == customerId)
            && (Offer is null || Offer == offer.Id)
            && (Segment is null || Segment == segment)
            && (Tier is null || Tier == tier)
            && (Until is null || at <= Until)
            && offer.Cost <= MaxCost;
    }
}

/// <summary>
/// The offer catalogue: offers, the pre-agreed compensation limits per segment and value tier,
/// and the approvals recorded for offers above them. A representative (or the planner) may make
/// any eligible offer whose cost is within the limit of the customer's segment and tier; above it,
/// only with an approval that covers it. Where no limit matches, the limit is zero: every offer needs approval.
/// </summary>
public sealed class OfferCatalog
{
    /// <summary>The numbers an offer's eligibility or a playbook's condition may read: the churn probability, the value (predicted CLV, else historical), each value, P(alive), and the counts of symptoms.</summary>
    public static readonly IReadOnlyList<string> NumberNames = ["probability", "value", "value_historical", "value_predicted", "p_alive", "critical_symptoms", "minor_symptoms", "recapitulative"];

    /// <summary>The texts an offer's eligibility or a playbook's condition may read: the level's name, segment, tier, owner, first preferred channel and consent ("yes" / "no").</summary>
    public static readonly IReadOnlyList<string> TextNames = ["level", "segment", "tier", "owner", "preferred_channel", "contact_consent"];

    private readonly Dictionary<string, Offer> _byId;

    /// <summary>Initializes a new instance of the <see cref="OfferCatalog"/> class.</summary>
    /// <param name="offers">The offers.</param>
    /// <param name="limits">The pre-agreed limits.</param>
    /// <param name="approvals">The approvals above them.</param>
    /// <exception cref="ArgumentException">An id is not valid or is used twice, a number is out of range, or an eligibility condition is not valid (with its position).</exception>
    public OfferCatalog(IEnumerable<Offer> offers, IEnumerable<CompensationLimit>? limits = null, IEnumerable<OfferApproval>? approvals = null)
    {
        ArgumentNullException.ThrowIfNull(offers);
        Offers = [.. offers];
        Limits = [.. limits ?? []];
        Approvals = [.. approvals ?? []];
        _byId = new Dictionary<string, Offer>(StringComparer.Ordinal);
        Eligibility = new CompiledCondition?[Offers.Count];
        for (var i = 0; i < Offers.Count; i++)
        {
            var o = Offers[i] ?? throw new ArgumentException("An offer is null.", nameof(offers));
            var problem = o switch
            {
                _ when !Ids.IsValid(o.Id) => "its id is not valid: use letters, digits, '-', '_' and '.'",
                _ when _byId.ContainsKey(o.Id) => "its id is used twice",
                { Cost: < 0 } => "its cost is negative",
                { ExpectedAcceptance: < 0 or > 1 or double.NaN } => "its expected acceptance is outside [0, 1]",
                { Uplift: < 0 or > 1 or double.NaN } => "its uplift is outside [0, 1]",
                { PerCustomerCap: < 1 } => "its per-customer cap is below 1",
                { Budget: < 0 } => "its budget is negative",
                _ => null,
            };
            if (problem is not null)
            {
                throw new ArgumentException($"Offer '{o.Id}': {problem}.", nameof(offers));
            }

            _byId.Add(o.Id, o);
            if (o.Eligibility is { Length: > 0 } text)
            {
                try
                {
                    Eligibility[i] = RuleCompiler.Compile(text, Schema);
                }
                catch (RuleException ex)
                {
                    throw new ArgumentException($"Offer '{o.Id}': eligibility, line {ex.Line}, column {ex.Column}: {ex.Reason}", nameof(offers), ex);
                }
            }
        }

        foreach (var l in Limits)
        {
            if (l is null || string.IsNullOrEmpty(l.Segment) || string.IsNullOrEmpty(l.Tier) || l.MaxCost < 0)
            {
                throw new ArgumentException("A compensation limit needs a segment ('*' for any), a tier ('*' for any) and a cost of at least 0.", nameof(limits));
            }
        }

        if (Limits.GroupBy(l => (l.Segment, l.Tier)).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new ArgumentException($"Two compensation limits for segment '{twice.Key.Segment}' and tier '{twice.Key.Tier}'.", nameof(limits));
        }

        foreach (var a in Approvals)
        {
            if (a is null || string.IsNullOrWhiteSpace(a.Id) || string.IsNullOrWhiteSpace(a.ApprovedBy) || a.MaxCost < 0)
            {
                throw new ArgumentException("An approval needs an id, who approved and a cost of at least 0.", nameof(approvals));
            }

            if (a.Offer is not null && !_byId.ContainsKey(a.Offer))
            {
                throw new ArgumentException($"Approval '{a.Id}' is for offer '{a.Offer}', which is not in the catalogue.", nameof(approvals));
            }
        }
    }

    /// <summary>Reads an offers file.</summary>
    /// <param name="json">The file's text.</param>
    /// <param name="source">The file's name, for errors.</param>
    /// <returns>The catalogue.</returns>
    /// <exception cref="InterventionFileException">The file is not valid JSON or says something invalid (with its line and column or its path in the file).</exception>
    public static OfferCatalog Parse(string json, string? source = null) => InterventionJson.ReadOffers(json, source ?? "offers");

    /// <summary>Gets the rule schema of eligibility conditions (<see cref="NumberNames"/>, <see cref="TextNames"/>).</summary>
    public static RuleSchema Schema { get; } = new(NumberNames, TextNames);

    /// <summary>Gets the offers.</summary>
    public IReadOnlyList<Offer> Offers { get; }

    /// <summary>Gets the pre-agreed compensation limits.</summary>
    public IReadOnlyList<CompensationLimit> Limits { get; }

    /// <summary>Gets the approvals above the limits.</summary>
    public IReadOnlyList<OfferApproval> Approvals { get; }

    internal CompiledCondition?[] Eligibility { get; }

    /// <summary>Finds an offer.</summary>
    /// <param name="id">The id.</param>
    /// <param name="offer">The offer.</param>
    /// <returns>True when the catalogue has it.</returns>
    public bool TryGet(string id, out Offer offer) => _byId.TryGetValue(id, out offer!);

    /// <summary>The most an owner may offer a customer of a segment and tier without approval: the most specific limit that matches (segment and tier, then segment, then tier, then <c>*</c>/<c>*</c>), else zero.</summary>
    /// <param name="segment">The segment.</param>
    /// <param name="tier">The tier.</param>
    /// <returns>The limit.</returns>
    public decimal LimitFor(string segment, string tier)
    {
        decimal? best = null;
        var bestRank = -1;
        foreach (var l in Limits)
        {
            var s = l.Segment == segment ? 2 : l.Segment == "*" ? 0 : -1;
            var t = l.Tier == tier ? 1 : l.Tier == "*" ? 0 : -1;
            if (s >= 0 && t >= 0 && s + t > bestRank)
            {
                bestRank = s + t;
                best = l.MaxCost;
            }
        }

        return best ?? 0m;
    }

    /// <summary>Whether an offer may be made to a customer, and on whose word: within the limit of the customer's segment and tier (no approval needed), or covered by an approval.</summary>
    /// <param name="customerId">The customer.</param>
    /// <param name="offer">The offer.</param>
    /// <param name="segment">The customer's segment.</param>
    /// <param name="tier">The customer's tier.</param>
    /// <param name="at">The instant.</param>
    /// <returns>The authority.</returns>
    public OfferAuthority Authorize(string customerId, Offer offer, string segment, string tier, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(offer);
        if (offer.Cost <= LimitFor(segment, tier))
        {
            return new OfferAuthority(true, null);
        }

        foreach (var a in Approvals)
        {
            if (a.Covers(customerId, offer, segment, tier, at))
            {
                return new OfferAuthority(true, a);
            }
        }

        return new OfferAuthority(false, null);
    }
}

/// <summary>Whether an offer may be made, and the approval it needs if above the limit.</summary>
/// <param name="Allowed">Whether the offer may be made.</param>
/// <param name="Approval">The approval it relies on (<see langword="null"/> when within the limit, or not allowed).</param>
public readonly record struct OfferAuthority(bool Allowed, OfferApproval? Approval);

/// <summary>Whether a representative may make an offer (<see cref="InterventionPlanner.CheckOffer"/>).</summary>
/// <param name="Allowed">Whether the offer may be made.</param>
/// <param name="Approval">The approval it relies on, when above the limit.</param>
/// <param name="Reason">Why not, in words, when not allowed.</param>
public readonly record struct OfferCheck(bool Allowed, OfferApproval? Approval, string? Reason);

