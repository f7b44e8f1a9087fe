using Churn.Abstractions;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Churn.Interventions.Tests;

public sealed class PlannerTests
{
    private static Arbitrary<int> Seeds => Gen.Choose(0, int.MaxValue - 1).ToArbitrary();

    [Property(MaxTest = 60)]
    public Property TheCost_StaysWithinThePlansBudget_AndEveryOffersBudget_CountingWhatWasSpentBefore() =>
        Prop.ForAll(Seeds, seed =>
        {
            var w = new World(seed);
            var plan = w.Planner.Plan(w.Customers, w.Request());
            var withinPlan = w.Budget is not { } b || plan.Cost <= b;
            var withinOffers = w.Offers.Offers.Where(o => o.Budget is not null).All(o =>
            {
                var before = w.Past.Count(d => !d.IsHoldout && d.Offer == o.Id && o.PeriodOf(d.DecidedAt) == o.PeriodOf(World.At));
                var now = plan.Items.Count(i => i.Offer == o.Id);
                return (before + now) * o.Cost <= o.Budget!.Value || now == 0;
            });
            var summed = plan.Cost == plan.Items.Sum(i => i.Cost) && plan.ByPlaybook.Sum(p => p.Cost) == plan.Cost && plan.ByPlaybook.Sum(p => p.Planned) == plan.Planned;
            return (withinPlan && withinOffers && summed).Label($"cost {plan.Cost}, budget {w.Budget}");
        });

    [Property(MaxTest = 60)]
    public Property NoCustomer_IsPlannedTwice_ContactedWithinTheWindow_OrAboveTheContactCap_CountingHeldOutRunsAsContacts_OrAboveAnOffersCap() =>
        Prop.ForAll(Seeds, seed =>
        {
            var w = new World(seed);
            var plan = w.Planner.Plan(w.Customers, w.Request());
            var once = plan.Items.Select(i => i.CustomerId).Distinct().Count() == plan.Items.Count;
            var policy = w.Playbooks.Contacts;
            var contactsOk = plan.Items.Where(i => i.Channel is not null).All(i =>
            {
                var before = w.Past.Where(d => d.CustomerId == i.CustomerId && (d.IsHoldout ? w.Playbooks.Playbooks.Single(p => p.Id == d.Playbook).Contacts : d.Channel is not null)).ToList();
                return before.All(d => World.At - d.DecidedAt >= policy.Window) && before.Count(d => World.At - d.DecidedAt < policy.CapPeriod) < policy.MaxContacts;
            });
            var offersOk = plan.Items.Where(i => i.Offer is not null).All(i =>
            {
                w.Offers.TryGet(i.Offer!, out var o);
                return w.Past.Count(d => d.CustomerId == i.CustomerId && !d.IsHoldout && d.Offer == o.Id && o.PeriodOf(d.DecidedAt) == o.PeriodOf(World.At)) < o.PerCustomerCap;
            });
            return once.Label("once").And(contactsOk.Label("contacts")).And(offersOk.Label("offer caps"));
        });

    [Property(MaxTest = 60)]
    public Property NoOffer_AboveTheLimitOfTheCustomersSegmentAndTier_WithoutAnApprovalThatCoversIt_AndOnlyToTheEligible() =>
        Prop.ForAll(Seeds, seed =>
        {
            var w = new World(seed);
            var plan = w.Planner.Plan(w.Customers, w.Request());
            var byId = w.Customers.ToDictionary(c => c.Assessment.CustomerId);
            return plan.Items.Where(i => i.Offer is not null).All(i =>
            {
                w.Offers.TryGet(i.Offer!, out var o);
                var a = byId[i.CustomerId].Assessment;
                var limit = w.Offers.LimitFor(i.Segment, i.Tier);
                var authorised = o.Cost <= limit
                    ? i.Approval is null
                    : i.Approval is { } ap && ap.Covers(i.CustomerId.Value, o, i.Segment, i.Tier, World.At) && w.Offers.Approvals.Contains(ap) && i.ToDecision().ApprovedBy == ap.ApprovedBy;
                var eligible = o.Id switch
                {
                    "fee-waiver" => a.Symptoms.Any(s => s.Severity == SymptomSeverity.Critical),
                    "discount-10" => (a.Value!.Predicted ?? a.Value.Historical) >= 300,
                    "credit-200" => i.Tier == "gold",
                    _ => true,
                };
                return authorised && eligible;
            });
        });

    [Property(MaxTest = 60)]
    public Property HeldOutCustomers_AreNeverContacted_SpendNothing_AndAreTheHoldoutsDraw() =>
        Prop.ForAll(Seeds, seed =>
        {
            var w = new World(seed, share: 0.3);
            var plan = w.Planner.Plan(w.Customers, w.Request());
            var quiet = plan.Items.Where(i => i.IsHoldout).All(i => i.Channel is null && i.Offer is null && i.Cost == 0 && i.Steps.Count == 0 && i.ToDecision().Channel is null);
            var drawn = plan.Items.All(i => i.IsHoldout == w.Holdout.IsHeldOut(i.CustomerId, i.Playbook, World.At));
            var counted = plan.HeldOut == plan.Items.Count(i => i.IsHoldout) && plan.Contacted == plan.Items.Count(i => !i.IsHoldout && i.Channel is not null);
            return quiet.Label("quiet").And(drawn.Label("drawn")).And(counted.Label("counted"));
        });

    [Property(MaxTest = 30)]
    public Property TheSameInput_GivesTheSamePlan_OnAnyNumberOfThreads_AndInAnyOrderOfTheCustomers() =>
        Prop.ForAll(Seeds, seed =>
        {
            var w = new World(seed, customers: 9000);
            var one = w.Planner.Plan(w.Customers, w.Request(threads: 1));
            var all = w.Planner.Plan(w.Customers, w.Request());
            var shuffled = w.Planner.Plan([.. w.Customers.OrderBy(c => c.Assessment.CustomerId.Value.GetHashCode(StringComparison.Ordinal) ^ seed)], w.Request(threads: 3));
            static string Key(PlannedIntervention i) => $"{i.Id}|{i.Action}|{i.Channel}|{i.Offer}|{i.Cost}|{i.Owner}|{i.IsHoldout}|{i.ExpectedValue:R}|{i.Approval?.Id}";
            var same = one.Items.Select(Key).SequenceEqual(all.Items.Select(Key));
            var sameSet = one.Items.Select(Key).Order(StringComparer.Ordinal).SequenceEqual(shuffled.Items.Select(Key).Order(StringComparer.Ordinal));
            return same.Label("threads").And(sameSet.Label("order")).And((one.Items.Count > 0).Label("something planned"));
        });

    [Property(MaxTest = 40)]
    public Property EachRun_IsWorthItsExpectedNetValue_AndTheBestOfTheCustomersOptions_WhenTheBudgetDoesNotBind() =>
        Prop.ForAll(Seeds, seed =>
        {
            var w = new World(seed, history: false);
            var plan = w.Planner.Plan(w.Customers, new PlanRequest(World.At));
            var byId = w.Customers.ToDictionary(c => c.Assessment.CustomerId);
            return plan.Items.All(i =>
            {
                var a = byId[i.CustomerId].Assessment;
                var pb = w.Playbooks.Playbooks.Single(p => p.Id == i.Playbook);
                Offer? offer = i.Intended.Offer is { } oid && w.Offers.TryGet(oid, out var o) ? o : null;
                var value = (double)(a.Value!.Predicted ?? a.Value.Historical);
                var expected = ((a.Probability?.Value ?? 0) * PriorUplift.Instance.Estimate(a, pb, offer) * value) - (double)i.Intended.Cost;
                return Math.Abs(expected - i.ExpectedValue) < 1e-9 && i.ExpectedValue >= pb.MinExpectedValue;
            });
        });

    [Property(MaxTest = 25)]
    public Property WithoutABindingBudget_ACustomersRun_IsTheOnePlanningThemAloneGives_TheirMostValuable() =>
        Prop.ForAll(Seeds, seed =>
        {
            var w = new World(seed, customers: 150);
            var planner = w.Planner;
            var batch = planner.Plan(w.Customers, new PlanRequest(World.At) { History = w.History }).Items.ToDictionary(i => i.CustomerId);
            return w.Customers.All(c =>
            {
                var alone = planner.Plan([c], new PlanRequest(World.At) { History = w.History }).Items.SingleOrDefault();
                if (alone is null)
                {
                    return !batch.ContainsKey(c.Assessment.CustomerId);
                }

                var budgeted = alone.Intended.Offer is { } o && w.Offers.TryGet(o, out var offer) && offer.Budget is not null;
                return budgeted || (batch.TryGetValue(c.Assessment.CustomerId, out var b) && b.Id == alone.Id && b.Intended == alone.Intended && b.ExpectedValue == alone.ExpectedValue);
            });
        });

    [Fact]
    public void WithABudget_TheMoneyGoesWhereItBuysTheMostExpectedValue()
    {
        // Two customers: an offer lifts A's expected value by 300 for 100, B's by 60 for 100; a budget of 100 buys A's.
        var playbooks = new PlaybookSet([PlaybookBuilder.Reactive("rescue").OnLevel(RiskLevel.High).Task("call").Offer("big").Build()]);
        var offers = new OfferCatalog([new Offer("big", 100m) { ExpectedAcceptance = 1, Uplift = 0.5 }], [new CompensationLimit("*", "*", 1000m)]);
        var planner = new InterventionPlanner(playbooks, offers, new Holdout(new HoldoutOptions { Key = World.Key, Share = 0 }));
        var plan = planner.Plan(
            [
                new PlanCustomer(new RiskAssessment("B", World.At, 0.4, RiskLevel.High) { Value = new CustomerValue(800) }),
                new PlanCustomer(new RiskAssessment("A", World.At, 0.8, RiskLevel.High) { Value = new CustomerValue(2000) }),
            ],
            new PlanRequest(World.At) { Budget = 100m });
        Assert.Equal("big", plan.Items.Single(i => i.CustomerId == "A").Offer);
        Assert.Null(plan.Items.Single(i => i.CustomerId == "B").Offer);
    }

    [Fact]
    public void OnAHundredThousandPlannedCustomers_TheShareHeldOut_IsWithinOnePercent_AndTheSameOnASecondRun()
    {
        var playbooks = new PlaybookSet([PlaybookBuilder.Proactive("monthly-check", "0 9 1 * *").Contact("email", "email").Build()]);
        var holdout = new Holdout(new HoldoutOptions { Key = World.Key, Share = 0.1, Period = HoldoutPeriod.Monthly });
        var customers = Enumerable.Range(0, 100_000).Select(i => new PlanCustomer(new RiskAssessment($"C{i:D7}", World.At, 0.3, RiskLevel.Medium) { Value = new CustomerValue(100) })).ToList();
        var plan = new InterventionPlanner(playbooks, new OfferCatalog([]), holdout).Plan(customers, new PlanRequest(World.At));
        Assert.Equal(100_000, plan.Planned);
        Assert.InRange(plan.HeldOut / 100_000.0, 0.09, 0.11);
        var again = new InterventionPlanner(playbooks, new OfferCatalog([]), new Holdout(new HoldoutOptions { Key = World.Key, Share = 0.1, Period = HoldoutPeriod.Monthly })).Plan(customers, new PlanRequest(World.At));
        Assert.Equal(plan.Items.Where(i => i.IsHoldout).Select(i => i.CustomerId), again.Items.Where(i => i.IsHoldout).Select(i => i.CustomerId));
        Assert.Equal(plan.HeldOut, plan.ToHoldoutAssignments().Count(a => a.IsHoldout && a.Experiment == "monthly-check/2026-12"));
    }

    [Fact]
    public void AProactivePlaybook_RunsOnlyWhenItsCadenceOccursSinceThePreviousPlan_AndOncePerOccurrence()
    {
        var w = new World(1, history: false);
        var playbooks = new PlaybookSet([PlaybookBuilder.Proactive("monthly", "0 9 1 * *").Contact("email", "email").Build()]);
        var planner = new InterventionPlanner(playbooks, w.Offers, w.Holdout);
        var customers = w.Customers.Where(c => c.Assessment.Level != RiskLevel.Churned).ToList();
        var reachable = customers.Count(c => c.Profile is not { ContactConsent: false });

        // 1 December 09:00 falls in (30 Nov 09:00, 1 Dec 09:00]; not in (1 Dec 09:00, 2 Dec 09:00].
        var due = planner.Plan(customers, new PlanRequest(World.At));
        Assert.Equal(reachable, due.Planned);
        Assert.True(reachable < customers.Count);
        Assert.All(due.Items, i => Assert.EndsWith("/20261201T090000Z", i.Id, StringComparison.Ordinal));
        Assert.Equal(0, planner.Plan(customers, new PlanRequest(World.At.AddDays(1))).Planned);

        // Planned again for the same occurrence with the first plan as history: nothing new.
        var history = new InterventionHistory(due.ToDecisions());
        Assert.Equal(0, planner.Plan(customers, new PlanRequest(World.At.AddHours(1)) { Since = World.At.AddDays(-1), History = history }).Planned);
    }

    [Fact]
    public void AReactivePlaybook_FiresOncePerRunOfItsSymptom_AndAgainForANewRunAfterTheCooldown()
    {
        var playbooks = new PlaybookSet([PlaybookBuilder.Reactive("rescue").OnSymptom("payment_trouble").Task("call-back").Cooldown(TimeSpan.FromDays(10)).Build()]);
        var planner = new InterventionPlanner(playbooks, new OfferCatalog([]), new Holdout(new HoldoutOptions { Key = World.Key, Share = 0 }));
        PlanCustomer At(DateTimeOffset asOf, DateTimeOffset firedAt) =>
            new(new RiskAssessment("C1", asOf, 0.5, RiskLevel.High) { Value = new CustomerValue(1000), Symptoms = [new Symptom("payment_trouble", SymptomSeverity.Critical, firedAt, "x")] });
        var first = planner.Plan([At(World.At, World.At.AddDays(-2))], new PlanRequest(World.At));
        Assert.Single(first.Items);
        Assert.StartsWith("symptom payment_trouble since", first.Items[0].Reason, StringComparison.Ordinal);
        var history = new InterventionHistory(first.ToDecisions());

        // The same run of the symptom a week later: already handled.
        Assert.Empty(planner.Plan([At(World.At.AddDays(7), World.At.AddDays(-2))], new PlanRequest(World.At.AddDays(7)) { History = history }).Items);

        // A new run within the cooldown: not yet; after it: yes.
        Assert.Empty(planner.Plan([At(World.At.AddDays(8), World.At.AddDays(7))], new PlanRequest(World.At.AddDays(8)) { History = history }).Items);
        Assert.Single(planner.Plan([At(World.At.AddDays(11), World.At.AddDays(7))], new PlanRequest(World.At.AddDays(11)) { History = history }).Items);
    }

    [Fact]
    public void TheChannel_IsTheFirstPreferredOneTheStepAllowsAndTheCustomerConsentsTo_WithAFallback_AndNoneWithoutConsent()
    {
        var playbooks = new PlaybookSet([PlaybookBuilder.Proactive("hello", "0 9 1 * *").Contact("reach-out", "phone", "email").Build()]);
        var planner = new InterventionPlanner(playbooks, new OfferCatalog([]), new Holdout(new HoldoutOptions { Key = World.Key, Share = 0 }));
        PlanCustomer Customer(string id, CustomerProfile? profile) => new(new RiskAssessment(id, World.At, 0.2, RiskLevel.Medium) { Value = new CustomerValue(10) }) { Profile = profile };
        var plan = planner.Plan(
            [
                Customer("a", new CustomerProfile("a") { PreferredChannels = ["sms", "email"] }),
                Customer("b", new CustomerProfile("b") { PreferredChannels = ["sms"] }),
                Customer("c", new CustomerProfile("c") { PreferredChannels = ["phone"], Attributes = new Dictionary<string, string> { ["consent_phone"] = "no" } }),
                Customer("d", new CustomerProfile("d") { ContactConsent = false }),
                Customer("e", null),
            ],
            new PlanRequest(World.At));
        var channels = plan.Items.ToDictionary(i => i.CustomerId.Value, i => i.Channel);
        Assert.Equal("email", channels["a"]);
        Assert.Equal("phone", channels["b"]);
        Assert.Equal("email", channels["c"]);
        Assert.False(channels.ContainsKey("d"));
        Assert.Equal("phone", channels["e"]);
    }

    [Fact]
    public void AStepDueInAQuietPeriod_MovesToItsEnd_AndTheOwnerIsTheCustomersUnlessThePlaybookInsists()
    {
        var quiet = new QuietPeriod(new DateTimeOffset(2026, 12, 24, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 12, 27, 0, 0, 0, TimeSpan.Zero));
        var playbooks = new PlaybookSet(
        [
            PlaybookBuilder.Proactive("xmas", "0 9 23 12 *").Contact("call", "phone").Poll("nps", TimeSpan.FromDays(2)).OwnedBy("team").Build(),
        ])
        {
            Contacts = new ContactPolicy { QuietPeriods = [quiet] },
            Polls = [new Poll("nps", PollKind.Nps, "Would you recommend us?")],
        };
        var planner = new InterventionPlanner(playbooks, new OfferCatalog([]), new Holdout(new HoldoutOptions { Key = World.Key, Share = 0 }));
        var at = new DateTimeOffset(2026, 12, 23, 9, 0, 0, TimeSpan.Zero);
        var plan = planner.Plan(
            [
                new PlanCustomer(new RiskAssessment("a", at, 0.2, RiskLevel.Medium) { Owner = "rep-1" }),
                new PlanCustomer(new RiskAssessment("b", at, 0.2, RiskLevel.Medium)),
            ],
            new PlanRequest(at));
        var a = plan.Items.Single(i => i.CustomerId == "a");
        Assert.Equal(at, a.Steps[0].Due);
        Assert.Equal(quiet.To, a.Steps[1].Due);
        Assert.Equal("phone", a.Steps[1].Channel);
        Assert.Equal("rep-1", a.Owner);
        Assert.Equal("team", plan.Items.Single(i => i.CustomerId == "b").Owner);
    }

    [Fact]
    public void ALevelTrigger_FiresOnARise_NotOnAStayAtTheLevel_AndAnAlertTrigger_OnAMatchingAlertRaisedByThePlansInstant()
    {
        var playbooks = new PlaybookSet(
        [
            PlaybookBuilder.Reactive("rise").OnLevel(RiskLevel.High).Task("look").Build(),
            PlaybookBuilder.Reactive("on-alert").OnAlert("payment_trouble").Task("call").Build(),
        ]);
        var planner = new InterventionPlanner(playbooks, new OfferCatalog([]), new Holdout(new HoldoutOptions { Key = World.Key, Share = 0 }));
        var a = new RiskAssessment("x", World.At, 0.6, RiskLevel.High) { Value = new CustomerValue(100) };
        var alert = new ChurnAlert(a, null, World.At.AddHours(-3), "payment") { Symptom = "payment_trouble" };
        var plan = planner.Plan(
            [
                new PlanCustomer(a) { PreviousLevel = RiskLevel.Medium },
                new PlanCustomer(a with { CustomerId = "y" }) { PreviousLevel = RiskLevel.High },
                new PlanCustomer(a with { CustomerId = "z", Level = RiskLevel.Low }) { Alerts = [alert with { RaisedAt = World.At.AddHours(2) }, alert with { Symptom = "complaint" }] },
                new PlanCustomer(a with { CustomerId = "w", Level = RiskLevel.Low }) { Alerts = [alert] },
            ],
            new PlanRequest(World.At));
        Assert.Equal(["x:rise", "w:on-alert"], plan.Items.Select(i => $"{i.CustomerId}:{i.Playbook}"));
    }

    [Fact]
    public void TheGreedyGrant_TakesACustomersCheaperOption_WhenTheBestNoLongerFits()
    {
        var playbooks = new PlaybookSet([PlaybookBuilder.Reactive("rescue").OnLevel(RiskLevel.High).Task("call").Offer("big").Build()]);
        var offers = new OfferCatalog([new Offer("big", 100m) { ExpectedAcceptance = 1, Uplift = 0.5 }], [new CompensationLimit("*", "*", 1000m)]);
        var planner = new InterventionPlanner(playbooks, offers, new Holdout(new HoldoutOptions { Key = World.Key, Share = 0 }));
        var customers = new[] { "a", "b" }.Select(id => new PlanCustomer(new RiskAssessment(id, World.At, 0.9, RiskLevel.High) { Value = new CustomerValue(1000) })).ToList();
        var plan = planner.Plan(customers, new PlanRequest(World.At) { Budget = 150m });
        Assert.Equal(2, plan.Planned);
        Assert.Equal(1, plan.Items.Count(i => i.Offer == "big"));
        Assert.Equal(100m, plan.Cost);
    }
}
