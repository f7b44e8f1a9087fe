using System.Globalization;
using Churn.Abstractions;
using Churn.Rules;

namespace Churn.Interventions;

/// <summary>
/// Plans the next best action of every customer: of the playbooks that apply (audience, trigger or
/// cadence, cooldown, contact policy, consent) and the offers each may make (eligibility,
/// per-customer cap, the compensation limit of the customer's segment and tier or an approval),
/// the run of most expected net retained value, P(churn) × uplift × value − cost, at most one per
/// customer. Within a budget (the plan's, and each offer's per period) the runs are chosen as in a
/// multiple-choice knapsack: each customer's options are reduced to their efficient frontier (no
/// option costs more for less), and the budget climbs the frontiers where a unit of cost buys the
/// most expected value; when the budget does not bind, every customer gets their most valuable
/// option. A chosen run is then drawn into the playbook's holdout, whose customers are logged like
/// the treated but never contacted and spend nothing; the budget is reserved for them too, so who
/// is chosen never depends on the draw (treated and held-out customers come from the same
/// ranking). Deterministic: the same input gives the same plan on any number of
/// threads, and in any order of the customers up to the order of the plan's items.
/// </summary>
/// <remarks>Thread-safe: a planner holds no state between plans.</remarks>
public sealed class InterventionPlanner : IInterventionPolicy
{
    private const int Chunk = 4096;
    private readonly Playbook[] _playbooks;
    private readonly CompiledCondition?[] _when;
    private readonly int[][] _offers;
    private readonly int[] _contactStep;
    private readonly int[] _pollStep;
    private readonly int[] _numberIndex;
    private readonly int[] _textIndex;
    private readonly Dictionary<string, bool> _contacts;
    private readonly string[] _actions;

    /// <summary>Initializes a new instance of the <see cref="InterventionPlanner"/> class.</summary>
    /// <param name="playbooks">The playbooks, tiers, channel costs and contact policy.</param>
    /// <param name="offers">The offer catalogue with its limits and approvals.</param>
    /// <param name="holdout">The holdout.</param>
    /// <param name="uplift">The uplift estimator (default: <see cref="PriorUplift"/>).</param>
    /// <exception cref="ArgumentException">A playbook names an offer the catalogue lacks, or its condition is not valid (with its position).</exception>
    public InterventionPlanner(PlaybookSet playbooks, OfferCatalog offers, Holdout holdout, IUpliftEstimator? uplift = null)
    {
        Playbooks = playbooks ?? throw new ArgumentNullException(nameof(playbooks));
        Offers = offers ?? throw new ArgumentNullException(nameof(offers));
        Holdout = holdout ?? throw new ArgumentNullException(nameof(holdout));
        Uplift = uplift ?? PriorUplift.Instance;
        _playbooks = [.. playbooks.Playbooks];
        _when = new CompiledCondition?[_playbooks.Length];
        _offers = new int[_playbooks.Length][];
        _contactStep = new int[_playbooks.Length];
        _pollStep = new int[_playbooks.Length];
        for (var i = 0; i < _playbooks.Length; i++)
        {
            var pb = _playbooks[i];
            if (pb.When is { Length: > 0 } when)
            {
                try
                {
                    _when[i] = RuleCompiler.Compile(when, OfferCatalog.Schema);
                }
                catch (RuleException ex)
                {
                    throw new ArgumentException($"Playbook '{pb.Id}': condition, line {ex.Line}, column {ex.Column}: {ex.Reason}", nameof(playbooks), ex);
                }
            }

            _contactStep[i] = IndexOf(pb, StepKind.Contact);
            _pollStep[i] = IndexOf(pb, StepKind.Poll);
            if (_pollStep[i] >= 0 && !playbooks.Polls.Any(q => q.Id == pb.Steps[_pollStep[i]].Poll))
            {
                throw new ArgumentException($"Playbook '{pb.Id}' sends poll '{pb.Steps[_pollStep[i]].Poll}', which the set does not declare.", nameof(playbooks));
            }

            var offerStep = IndexOf(pb, StepKind.Offer);
            if (offerStep < 0)
            {
                _offers[i] = [];
                continue;
            }

            var ids = pb.Steps[offerStep].Offers;
            _offers[i] = ids.Count == 0
                ? [.. Enumerable.Range(0, offers.Offers.Count)]
                : [.. ids.Select(id => offers.TryGet(id, out var o) ? IndexOfOffer(offers, o) : throw new ArgumentException($"Playbook '{pb.Id}' offers '{id}', which is not in the catalogue.", nameof(offers)))];
        }

        _actions = [.. _playbooks.Select(p => string.Join('+', p.Steps.Select(s => s.Action)))];
        _contacts = _playbooks.ToDictionary(p => p.Id, p => p.Contacts, StringComparer.Ordinal);
        _numberIndex = [.. OfferCatalog.NumberNames.Select(n => OfferCatalog.Schema.TryGet(n, out var v) ? v.Index : -1)];
        _textIndex = [.. OfferCatalog.TextNames.Select(n => OfferCatalog.Schema.TryGet(n, out var v) ? v.Index : -1)];
    }

    /// <summary>Gets the playbooks.</summary>
    public PlaybookSet Playbooks { get; }

    /// <summary>Gets the offer catalogue.</summary>
    public OfferCatalog Offers { get; }

    /// <summary>Gets the holdout.</summary>
    public Holdout Holdout { get; }

    /// <summary>Gets the uplift estimator.</summary>
    public IUpliftEstimator Uplift { get; }

    /// <summary>Plans for customers at an instant.</summary>
    /// <param name="customers">The customers, each once.</param>
    /// <param name="request">The instant, the previous plan's instant, the budget and the history.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The plan.</returns>
    /// <exception cref="ArgumentException">A customer appears twice or has an empty id.</exception>
    public InterventionPlan Plan(IReadOnlyList<PlanCustomer> customers, PlanRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(customers);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Budget is < 0)
        {
            throw new ArgumentException("The budget is negative.", nameof(request));
        }

        CheckDistinct(customers);
        var asOf = request.AsOf;
        var since = request.Since ?? asOf.AddDays(-1);
        var tiers = Playbooks.Tiers.Count > 0
            ? Playbooks.Tiers
            : PlaybookSet.FitTiers([.. customers.Select(c => ValueOf(c.Assessment))]);
        var occurrences = _playbooks.Select(p => p.LatestOccurrence(since, asOf)).ToArray();
        var context = new Context(asOf, since, request.History, tiers, occurrences);

        // 1. Each customer's options, chunk by chunk on all cores, reduced to their efficient frontier (the upper
        //    hull of expected value against cost) and emitted as steps up it; concatenated in chunk order.
        var chunks = (customers.Count + Chunk - 1) / Chunk;
        var perChunk = new List<Step>[chunks];
        Parallel.For(
            0,
            chunks,
            new ParallelOptions { MaxDegreeOfParallelism = request.MaxDegreeOfParallelism, CancellationToken = cancellationToken },
            k =>
            {
                var list = new List<Step>();
                var scratch = new List<Candidate>();
                var hull = new List<Candidate>();
                var end = Math.Min(customers.Count, (k + 1) * Chunk);
                for (var i = k * Chunk; i < end; i++)
                {
                    scratch.Clear();
                    Evaluate(i, customers[i], context, scratch);
                    Frontier(scratch, hull, list);
                }

                perChunk[k] = list;
            });

        var steps = new Step[perChunk.Sum(l => l.Count)];
        var at = 0;
        foreach (var list in perChunk)
        {
            list.CopyTo(steps, at);
            at += list.Count;
        }

        cancellationToken.ThrowIfCancellationRequested();

        // 2. Climb the frontiers, the step of most value per unit of cost first (the greedy of the multiple-choice
        //    knapsack): without a binding budget every customer ends at their most valuable option; with one, the
        //    budget goes where it buys the most. A step that does not fit ends that customer's climb. Ties: a hash
        //    of the customer id, then the id, then the step's place on the frontier.
        var keys = new ulong[customers.Count];
        foreach (var st in steps)
        {
            keys[st.Run.Customer] = Fnv(customers[st.Run.Customer].Assessment.CustomerId.Value);
        }

        Array.Sort(steps, new ClimbOrder(keys, customers));
        var chosen = new Candidate?[customers.Count];
        var height = new int[customers.Count];
        var left = request.Budget;
        var offerLeft = Offers.Offers.Select(o => o.Budget is { } b ? b - (o.Cost * (request.History?.OffersMade(o, asOf) ?? 0)) : (decimal?)null).ToArray();
        foreach (var st in steps)
        {
            var c = st.Run.Customer;
            if (height[c] != st.Level)
            {
                continue;
            }

            var before = chosen[c];
            var extra = st.Run.Cost - (before?.Cost ?? 0m);
            if (left is { } l && extra > l)
            {
                height[c] = -1;
                continue;
            }

            if (before is { Offer: >= 0 } b0)
            {
                offerLeft[b0.Offer] += Offers.Offers[b0.Offer].Cost;
            }

            if (st.Run.Offer >= 0 && offerLeft[st.Run.Offer] is { } ol && Offers.Offers[st.Run.Offer].Cost > ol)
            {
                if (before is { Offer: >= 0 } b1)
                {
                    offerLeft[b1.Offer] -= Offers.Offers[b1.Offer].Cost;
                }

                height[c] = -1;
                continue;
            }

            if (st.Run.Offer >= 0)
            {
                offerLeft[st.Run.Offer] -= Offers.Offers[st.Run.Offer].Cost;
            }

            left -= extra;
            chosen[c] = st.Run;
            height[c]++;
        }

        // A chosen run is then drawn into its playbook's holdout (who is chosen never depends on the draw), and written
        // out; customers are independent here, so on all cores, each into its own slot.
        var period = Holdout.PeriodOf(asOf, Holdout.Options.Period);
        var decided = new PlannedIntervention?[customers.Count];
        Parallel.For(
            0,
            chunks,
            new ParallelOptions { MaxDegreeOfParallelism = request.MaxDegreeOfParallelism, CancellationToken = cancellationToken },
            k =>
            {
                var end = Math.Min(customers.Count, (k + 1) * Chunk);
                for (var i = k * Chunk; i < end; i++)
                {
                    if (chosen[i] is { } run)
                    {
                        var held = Holdout.Draw(customers[i].Assessment.CustomerId, _playbooks[run.Playbook].Id, period) < Holdout.Options.Share;
                        decided[i] = Materialise(customers[i], run, held, context);
                    }
                }
            });
        var items = new List<PlannedIntervention>();
        foreach (var d in decided)
        {
            if (d is not null)
            {
                items.Add(d);
            }
        }

        return new InterventionPlan(asOf, customers.Count, request.Budget, items, tiers, [.. _playbooks.Select(p => p.Id)], period);
    }

    /// <summary>Decides for one customer alone, at the assessment's instant (the day before it as the previous plan), without history or budget: the <see cref="IInterventionPolicy"/> of a live host. Prefer <see cref="Plan"/> for a population.</summary>
    /// <param name="profile">The customer.</param>
    /// <param name="assessment">The assessment.</param>
    /// <returns>The decision, or <see langword="null"/> when no playbook applies.</returns>
    public InterventionDecision? Decide(CustomerProfile profile, RiskAssessment assessment)
    {
        ArgumentNullException.ThrowIfNull(assessment);
        var plan = Plan([new PlanCustomer(assessment) { Profile = profile }], new PlanRequest(assessment.AsOf) { MaxDegreeOfParallelism = 1 });
        return plan.Items.Count == 0 ? null : plan.Items[0].ToDecision();
    }

    /// <summary>
    /// Whether a representative may make an offer to a customer by hand, and on whose word: the offer must exist, the
    /// customer be eligible and under the offer's per-customer cap (counting <paramref name="history"/>), and its cost be
    /// within the compensation limit of the customer's segment and tier, or covered by <paramref name="approval"/>
    /// (when given) or an approval in the catalogue. The tier is the declared tiers' (<see cref="PlaybookSet.Tiers"/>); a set
    /// without declared tiers places everyone in tier <c>all</c> here, since one customer alone cannot fit the default tiers.
    /// </summary>
    /// <param name="customer">The customer.</param>
    /// <param name="offerId">The offer.</param>
    /// <param name="at">The instant.</param>
    /// <param name="history">The decisions before it, if any.</param>
    /// <param name="approval">An approval obtained for this offer, if any.</param>
    /// <returns>The answer, with the reason in words when the offer may not be made.</returns>
    public OfferCheck CheckOffer(PlanCustomer customer, string offerId, DateTimeOffset at, InterventionHistory? history = null, OfferApproval? approval = null)
    {
        ArgumentNullException.ThrowIfNull(customer);
        ArgumentNullException.ThrowIfNull(offerId);
        if (!Offers.TryGet(offerId, out var offer))
        {
            return new OfferCheck(false, null, $"offer '{offerId}' is not in the catalogue");
        }

        var a = customer.Assessment;
        var segment = customer.Segment ?? a.Segment ?? "all";
        var tiers = Playbooks.Tiers.Count > 0 ? Playbooks.Tiers : [];
        var tier = PlaybookSet.TierOf(tiers, ValueOf(a));
        var k = IndexOfOffer(Offers, offer);
        if (Offers.Eligibility[k] is { } eligible && !eligible.Evaluate(Input(a, customer, segment, tier)))
        {
            return new OfferCheck(false, null, $"the customer is not eligible ({offer.Eligibility})");
        }

        if (history is not null && history.TryGet(a.CustomerId, out var past) && OffersTo(past, offer, at) >= offer.PerCustomerCap)
        {
            return new OfferCheck(false, null, string.Create(CultureInfo.InvariantCulture, $"the customer already had it {offer.PerCustomerCap} time(s) this period"));
        }

        if (approval is not null && offer.Cost > Offers.LimitFor(segment, tier))
        {
            return approval.Covers(a.CustomerId.Value, offer, segment, tier, at)
                ? new OfferCheck(true, approval, null)
                : new OfferCheck(false, null, $"approval '{approval.Id}' does not cover this offer to this customer");
        }

        var authority = Offers.Authorize(a.CustomerId.Value, offer, segment, tier, at);
        return authority.Allowed
            ? new OfferCheck(true, authority.Approval, null)
            : new OfferCheck(false, null, string.Create(CultureInfo.InvariantCulture, $"its cost {offer.Cost} is above the limit {Offers.LimitFor(segment, tier)} for segment '{segment}' and tier '{tier}': it needs an approval"));
    }

    private static decimal ValueOf(RiskAssessment a) => a.Value is { } v ? v.Predicted ?? v.Historical : 0m;

    private static int IndexOf(Playbook pb, StepKind kind)
    {
        for (var i = 0; i < pb.Steps.Count; i++)
        {
            if (pb.Steps[i].Kind == kind)
            {
                return i;
            }
        }

        return -1;
    }

    private static int IndexOfOffer(OfferCatalog catalog, Offer offer)
    {
        for (var i = 0; i < catalog.Offers.Count; i++)
        {
            if (ReferenceEquals(catalog.Offers[i], offer))
            {
                return i;
            }
        }

        return -1;
    }

    private static ulong Fnv(string text)
    {
        var h = 14695981039346656037UL;
        foreach (var ch in text)
        {
            h = (h ^ ch) * 1099511628211UL;
        }

        return h;
    }

    private static void CheckDistinct(IReadOnlyList<PlanCustomer> customers)
    {
        var seen = new HashSet<CustomerId>();
        foreach (var c in customers)
        {
            if (c?.Assessment is null || c.Assessment.CustomerId.IsEmpty)
            {
                throw new ArgumentException("A customer has no assessment or an empty id.", nameof(customers));
            }

            if (!seen.Add(c.Assessment.CustomerId))
            {
                throw new ArgumentException($"Customer '{c.Assessment.CustomerId}' appears twice; plan one assessment per customer.", nameof(customers));
            }
        }
    }

    /// <summary>The channel of a contact or poll step: the customer's first preferred channel the step allows and they consent to, else the step's first they consent to.</summary>
    private static string? Channel(PlaybookStep step, CustomerProfile? profile, string? fallback)
    {
        if (step.RequiresConsent && profile is { ContactConsent: false })
        {
            return null;
        }

        var allowed = step.Channels;
        if (allowed.Count == 0)
        {
            return fallback ?? (profile is { PreferredChannels.Count: > 0 } p && Consents(p, p.PreferredChannels[0]) ? p.PreferredChannels[0] : null);
        }

        if (profile is not null)
        {
            foreach (var preferred in profile.PreferredChannels)
            {
                if (allowed.Contains(preferred) && Consents(profile, preferred))
                {
                    return preferred;
                }
            }
        }

        foreach (var c in allowed)
        {
            if (profile is null || Consents(profile, c))
            {
                return c;
            }
        }

        return null;
    }

    private static bool Consents(CustomerProfile profile, string channel) =>
        profile.Attributes.Count == 0 || !(profile.Attributes.TryGetValue("consent_" + channel, out var v) && (v.Equals("no", StringComparison.OrdinalIgnoreCase) || v.Equals("false", StringComparison.OrdinalIgnoreCase) || v == "0"));

    private void Evaluate(int index, PlanCustomer c, Context ctx, List<Candidate> into)
    {
        var a = c.Assessment;
        if (a is null)
        {
            return;
        }

        var asOf = ctx.AsOf;
        var p = a.Probability?.Value ?? 0;
        var valueDec = ValueOf(a);
        var value = (double)valueDec;
        var segment = c.Segment ?? a.Segment ?? "all";
        var tier = PlaybookSet.TierOf(ctx.Tiers, valueDec);
        InterventionDecision[]? past = null;
        ctx.History?.TryGet(a.CustomerId, out past);
        var contactBlocked = false;
        if (past is not null)
        {
            var count = 0;
            foreach (var d in past)
            {
                // A held-out run of a contacting playbook counts as its contact would have: both arms of an experiment
                // then see the other playbooks alike (the held out are not contacted by another playbook instead).
                if (d.DecidedAt <= asOf && (d.IsHoldout ? d.Playbook is null || !_contacts.TryGetValue(d.Playbook, out var contacts) || contacts : d.Channel is not null))
                {
                    contactBlocked |= asOf - d.DecidedAt < Playbooks.Contacts.Window;
                    count += asOf - d.DecidedAt < Playbooks.Contacts.CapPeriod ? 1 : 0;
                }
            }

            contactBlocked |= count >= Playbooks.Contacts.MaxContacts;
        }

        RuleInput? input = null;
        for (var i = 0; i < _playbooks.Length; i++)
        {
            var pb = _playbooks[i];
            if (pb.Levels.Count == 0 ? a.Level == RiskLevel.Churned : !pb.Levels.Contains(a.Level))
            {
                continue;
            }

            if ((pb.Segments.Count > 0 && !pb.Segments.Contains(segment)) || (pb.Tiers.Count > 0 && !pb.Tiers.Contains(tier)))
            {
                continue;
            }

            if (Episode(i, pb, c, ctx) is not { } episode)
            {
                continue;
            }

            if (past is not null && !CoolEnough(pb, past, episode, asOf))
            {
                continue;
            }

            if (contactBlocked && _contacts[pb.Id])
            {
                continue;
            }

            if (_when[i] is { } when && !when.Evaluate(input ??= Input(a, c, segment, tier)))
            {
                continue;
            }

            string? channel = null;
            if (_contactStep[i] >= 0 && (channel = Channel(pb.Steps[_contactStep[i]], c.Profile, null)) is null)
            {
                continue;
            }

            string? pollChannel = null;
            if (_pollStep[i] >= 0 && (pollChannel = Channel(pb.Steps[_pollStep[i]], c.Profile, channel)) is null)
            {
                continue;
            }

            var contactCost = CostOf(channel) + CostOf(pollChannel);
            var ev = (p * Uplift.Estimate(a, pb, null) * value) - (double)contactCost;
            if (ev >= pb.MinExpectedValue)
            {
                into.Add(new Candidate(index, i, -1, ev, contactCost, episode.UtcTicks, null));
            }

            foreach (var k in _offers[i])
            {
                var offer = Offers.Offers[k];
                if (Offers.Eligibility[k] is { } eligible && !eligible.Evaluate(input ??= Input(a, c, segment, tier)))
                {
                    continue;
                }

                if (past is not null && OffersTo(past, offer, asOf) >= offer.PerCustomerCap)
                {
                    continue;
                }

                var authority = Offers.Authorize(a.CustomerId.Value, offer, segment, tier, asOf);
                if (!authority.Allowed)
                {
                    continue;
                }

                var cost = contactCost + offer.Cost;
                var evo = (p * Uplift.Estimate(a, pb, offer) * value) - (double)cost;
                if (evo >= pb.MinExpectedValue)
                {
                    into.Add(new Candidate(index, i, k, evo, cost, episode.UtcTicks, authority.Approval));
                }
            }
        }
    }

    private static bool CoolEnough(Playbook pb, InterventionDecision[] past, DateTimeOffset episode, DateTimeOffset asOf)
    {
        foreach (var d in past)
        {
            if (d.Playbook == pb.Id && d.DecidedAt <= asOf && (d.DecidedAt >= episode || asOf - d.DecidedAt < pb.EffectiveCooldown))
            {
                return false;
            }
        }

        return true;
    }

    private static int OffersTo(InterventionDecision[] past, Offer offer, DateTimeOffset asOf)
    {
        var period = offer.PeriodOf(asOf);
        var n = 0;
        foreach (var d in past)
        {
            n += !d.IsHoldout && d.Offer == offer.Id && d.DecidedAt <= asOf && offer.PeriodOf(d.DecidedAt) == period ? 1 : 0;
        }

        return n;
    }

    private decimal CostOf(string? channel) => channel is not null && Playbooks.ChannelCosts.TryGetValue(channel, out var c) ? c : 0m;

    private static DateTimeOffset? Episode(int i, Playbook pb, PlanCustomer c, Context ctx)
    {
        if (pb.Kind == PlaybookKind.Proactive)
        {
            return ctx.Occurrences[i];
        }

        var a = c.Assessment;
        var t = pb.Trigger!;
        switch (t.Kind)
        {
            case TriggerKind.Symptom:
            case TriggerKind.Recapitulative:
                foreach (var s in a.Symptoms)
                {
                    if (t.Kind == TriggerKind.Recapitulative ? s.Severity == SymptomSeverity.Recapitulative : s.Severity != SymptomSeverity.Recapitulative && s.RuleId == t.RuleId)
                    {
                        return s.FiredAt;
                    }
                }

                return null;
            case TriggerKind.Alert:
                DateTimeOffset? latest = null;
                foreach (var alert in c.Alerts)
                {
                    if (alert.RaisedAt <= ctx.AsOf && (t.RuleId is null || alert.Symptom == t.RuleId)
                        && (t.Level is null || (alert.Assessment.Level >= t.Level && alert.Assessment.Level != RiskLevel.Churned)) && (latest is null || alert.RaisedAt > latest))
                    {
                        latest = alert.RaisedAt;
                    }
                }

                return latest;
            default:
                var reached = a.Level != RiskLevel.Churned && a.Level >= t.Level;
                var rose = c.PreviousLevel is not { } before || before < t.Level || before == RiskLevel.Churned;
                return reached && rose ? ctx.AsOf : null;
        }
    }

    private RuleInput Input(RiskAssessment a, PlanCustomer c, string segment, string tier)
    {
        var input = OfferCatalog.Schema.NewInput(a.AsOf);
        var n = input.Numbers;
        n[_numberIndex[0]] = a.Probability?.Value ?? double.NaN;
        n[_numberIndex[1]] = (double)ValueOf(a);
        n[_numberIndex[2]] = a.Value is { } h ? (double)h.Historical : double.NaN;
        n[_numberIndex[3]] = a.Value?.Predicted is { } pv ? (double)pv : double.NaN;
        n[_numberIndex[4]] = a.Value?.PAlive ?? double.NaN;
        int critical = 0, minor = 0, recap = 0;
        foreach (var s in a.Symptoms)
        {
            critical += s.Severity == SymptomSeverity.Critical ? 1 : 0;
            minor += s.Severity == SymptomSeverity.Minor ? 1 : 0;
            recap += s.Severity == SymptomSeverity.Recapitulative ? 1 : 0;
        }

        n[_numberIndex[5]] = critical;
        n[_numberIndex[6]] = minor;
        n[_numberIndex[7]] = recap > 0 ? 1 : 0;
        var t = input.Texts;
        t[_textIndex[0]] = RiskLevelPolicy.Name(a.Level);
        t[_textIndex[1]] = segment;
        t[_textIndex[2]] = tier;
        t[_textIndex[3]] = c.Profile?.Owner ?? a.Owner;
        t[_textIndex[4]] = c.Profile is { PreferredChannels.Count: > 0 } pr ? pr.PreferredChannels[0] : null;
        t[_textIndex[5]] = c.Profile is null ? null : c.Profile.ContactConsent ? "yes" : "no";
        return input;
    }

    private PlannedIntervention Materialise(PlanCustomer c, Candidate run, bool held, Context ctx)
    {
        var a = c.Assessment;
        var pb = _playbooks[run.Playbook];
        var offer = run.Offer >= 0 ? Offers.Offers[run.Offer] : null;
        var channel = _contactStep[run.Playbook] >= 0 ? Channel(pb.Steps[_contactStep[run.Playbook]], c.Profile, null) : null;
        var pollChannel = _pollStep[run.Playbook] >= 0 ? Channel(pb.Steps[_pollStep[run.Playbook]], c.Profile, channel) : null;
        var steps = new List<PlannedStep>(pb.Steps.Count);
        foreach (var s in pb.Steps)
        {
            var due = Playbooks.Contacts.OutOfQuiet(ctx.AsOf + s.Due);
            steps.Add(s.Kind switch
            {
                StepKind.Contact => new PlannedStep(s.Kind, s.Action, channel, null, null, due, s.Done),
                StepKind.Poll => new PlannedStep(s.Kind, s.Action, pollChannel, null, s.Poll, due, s.Done),
                StepKind.Offer => new PlannedStep(s.Kind, s.Action, null, offer?.Id, null, due, s.Done),
                _ => new PlannedStep(s.Kind, s.Action, null, null, null, ctx.AsOf + s.Due, s.Done),
            });
        }

        var episode = new DateTimeOffset(run.Episode, TimeSpan.Zero);
        var reason = pb.Kind == PlaybookKind.Proactive
            ? string.Create(CultureInfo.InvariantCulture, $"schedule '{pb.Schedule}' on {episode:yyyy-MM-dd HH:mm}Z")
            : string.Create(CultureInfo.InvariantCulture, $"{pb.Trigger} since {episode:yyyy-MM-dd HH:mm}Z");
        var owner = pb.OwnerAlways ? pb.Owner : c.Profile?.Owner ?? a.Owner ?? pb.Owner;
        var segment = c.Segment ?? a.Segment ?? "all";
        return new PlannedIntervention
        {
            Id = $"{pb.Id}/{a.CustomerId.Value}/{InterventionPlan.Stamp(episode)}",
            CustomerId = a.CustomerId,
            Playbook = pb.Id,
            Reason = reason,
            Action = _actions[run.Playbook],
            Steps = held ? [] : steps,
            Channel = held ? null : channel ?? pollChannel,
            Offer = held ? null : offer?.Id,
            Cost = held ? 0m : run.Cost,
            Owner = owner,
            IsHoldout = held,
            ExpectedValue = run.Ev,
            Segment = segment,
            Tier = PlaybookSet.TierOf(ctx.Tiers, ValueOf(a)),
            Approval = held ? null : run.Approval,
            Intended = (offer?.Id, run.Cost),
            DecidedAt = ctx.AsOf,
        };
    }

    private sealed record Context(DateTimeOffset AsOf, DateTimeOffset Since, InterventionHistory? History, IReadOnlyList<ValueTier> Tiers, DateTimeOffset?[] Occurrences);

    private readonly record struct Candidate(int Customer, int Playbook, int Offer, double Ev, decimal Cost, long Episode, OfferApproval? Approval)
    {
        public int CompareWithinCustomer(Candidate other)
        {
            var c = other.Ev.CompareTo(Ev);
            if (c != 0)
            {
                return c;
            }

            c = Playbook.CompareTo(other.Playbook);
            return c != 0 ? c : Offer.CompareTo(other.Offer);
        }
    }

    /// <summary>Reduces a customer's options to their efficient frontier and adds the steps up it.</summary>
    private static void Frontier(List<Candidate> options, List<Candidate> hull, List<Step> into)
    {
        if (options.Count == 0)
        {
            return;
        }

        // Cheapest first, the most valuable of equal cost first; then keep each option worth more than every cheaper
        // one, and only where the value per extra unit of cost falls (a concave frontier from the origin).
        options.Sort(static (x, y) =>
        {
            var c = x.Cost.CompareTo(y.Cost);
            return c != 0 ? c : x.CompareWithinCustomer(y);
        });
        hull.Clear();
        foreach (var o in options)
        {
            if (hull.Count > 0 && (o.Cost == hull[^1].Cost || o.Ev <= hull[^1].Ev))
            {
                continue;
            }

            while (hull.Count > 0 && Slope(hull.Count >= 2 ? hull[^2] : null, hull[^1]) <= Slope(hull[^1], o))
            {
                hull.RemoveAt(hull.Count - 1);
            }

            hull.Add(o);
        }

        for (var i = 0; i < hull.Count; i++)
        {
            into.Add(new Step(hull[i], i, Slope(i == 0 ? null : hull[i - 1], hull[i])));
        }
    }

    private static double Slope(Candidate? from, Candidate to)
    {
        var cost = (double)(to.Cost - (from?.Cost ?? 0m));
        var ev = to.Ev - (from?.Ev ?? 0);
        return cost > 0 ? ev / cost : ev >= 0 ? double.PositiveInfinity : double.NegativeInfinity;
    }

    private readonly record struct Step(Candidate Run, int Level, double Ratio);

    private sealed class ClimbOrder(ulong[] keys, IReadOnlyList<PlanCustomer> customers) : IComparer<Step>
    {
        public int Compare(Step x, Step y)
        {
            var c = y.Ratio.CompareTo(x.Ratio);
            if (c != 0)
            {
                return c;
            }

            if (x.Run.Customer != y.Run.Customer)
            {
                c = keys[x.Run.Customer].CompareTo(keys[y.Run.Customer]);
                return c != 0 ? c : string.CompareOrdinal(customers[x.Run.Customer].Assessment.CustomerId.Value, customers[y.Run.Customer].Assessment.CustomerId.Value);
            }

            return x.Level.CompareTo(y.Level);
        }
    }
}
