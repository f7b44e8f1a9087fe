using Churn.Abstractions;

namespace Churn.Interventions.Tests;

/// <summary>A random but reproducible planning world: customers, playbooks, offers with limits and approvals, and a history.</summary>
internal sealed class World
{
    public const string Key = "churn-sdk-holdout-test-key";
    public static readonly DateTimeOffset At = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
    public static readonly string[] Segments = ["smb", "enterprise", "consumer"];
    public static readonly string[] Rules = ["payment_trouble", "complaint", "fading_usage", "unhappy"];
    public static readonly string[] Channels = ["phone", "email", "sms"];

    public World(int seed, int customers = 300, double share = 0.2, bool history = true)
    {
        var random = new Random(seed);
        Playbooks = MakePlaybooks();
        Offers = MakeOffers(random);
        Holdout = new Holdout(new HoldoutOptions { Key = Key, Share = share, Period = HoldoutPeriod.Monthly });
        Customers = [.. Enumerable.Range(0, customers).Select(i => MakeCustomer(random, i))];
        History = history ? MakeHistory(random) : InterventionHistory.Empty;
        Budget = random.Next(4) == 0 ? null : random.Next(0, 3000);
    }

    public PlaybookSet Playbooks { get; }

    public OfferCatalog Offers { get; }

    public Holdout Holdout { get; }

    public List<PlanCustomer> Customers { get; }

    public InterventionHistory History { get; }

    public List<InterventionDecision> Past { get; } = [];

    public decimal? Budget { get; }

    public InterventionPlanner Planner => new(Playbooks, Offers, Holdout);

    public PlanRequest Request(int threads = -1) => new(At) { Budget = Budget, History = History, MaxDegreeOfParallelism = threads };

    public static PlaybookSet MakePlaybooks() => new(
    [
        PlaybookBuilder.Reactive("payment-rescue").OnSymptom("payment_trouble").Contact("call", "phone", "email").Offer("fee-waiver", "discount-10", "credit-200").Poll("csat").OwnedBy("billing-desk").WithUplift(0.08).Build(),
        PlaybookBuilder.Reactive("complaint-call").OnSymptom("complaint").Contact("call", "phone").Task("review-account", TimeSpan.FromDays(1)).Offer().OwnedBy("care").Build(),
        PlaybookBuilder.Reactive("recap-outreach").OnRecapitulative().Contact("email", "email", "sms").Offer("discount-10").Build(),
        PlaybookBuilder.Reactive("rising-risk").OnLevel(RiskLevel.High).Contact("call", "phone", "email").Offer("discount-10", "credit-200").ForTiers("gold", "silver").Build(),
        PlaybookBuilder.Proactive("status-call", "0 9 1 * *").Contact("call", "phone").ForTiers("gold").WithUplift(0.02).Build(),
        PlaybookBuilder.Proactive("newsletter", "0 9 * * 1").Contact("email", "email").WithUplift(0.005).Build(),
        PlaybookBuilder.Reactive("account-check").OnLevel(RiskLevel.Medium).Task("check-usage").ForSegments("enterprise").Build(),
    ])
    {
        Tiers = [new ValueTier("gold", 2000), new ValueTier("silver", 500), new ValueTier("bronze", 0)],
        ChannelCosts = new Dictionary<string, decimal> { ["phone"] = 4m, ["email"] = 0.05m, ["sms"] = 0.1m },
        Contacts = new ContactPolicy { Window = TimeSpan.FromDays(7), MaxContacts = 2, CapPeriod = TimeSpan.FromDays(30) },
        Polls = [new Poll("csat", PollKind.Csat, "How did we do?")],
    };

    private static OfferCatalog MakeOffers(Random random) => new(
        [
            new Offer("fee-waiver", 15m) { Eligibility = "critical_symptoms >= 1", ExpectedAcceptance = 0.6, Uplift = 0.2, Budget = random.Next(3) == 0 ? 150m : null },
            new Offer("discount-10", 40m) { Eligibility = "value >= 300", ExpectedAcceptance = 0.35, Uplift = 0.25, PerCustomerCap = 1 },
            new Offer("credit-200", 200m) { Eligibility = "tier == \"gold\"", ExpectedAcceptance = 0.5, Uplift = 0.4, Budget = 1000m, Period = OfferPeriod.Quarterly },
            new Offer("upgrade", 60m) { ExpectedAcceptance = 0.3, Uplift = 0.3 },
        ],
        [
            new CompensationLimit("*", "*", 20m),
            new CompensationLimit("*", "gold", 100m),
            new CompensationLimit("enterprise", "*", 70m),
        ],
        [
            new OfferApproval("A-1", "head-of-retention", 250m) { Tier = "gold", Offer = "credit-200", Segment = random.Next(2) == 0 ? "enterprise" : null },
            new OfferApproval("A-2", "cfo", 50m) { CustomerId = "C0003" },
        ]);

    private PlanCustomer MakeCustomer(Random random, int i)
    {
        var id = new CustomerId($"C{i:D4}");
        var level = (RiskLevel)random.Next(5);
        var symptoms = new List<Symptom>();
        foreach (var rule in Rules)
        {
            if (random.Next(4) == 0)
            {
                symptoms.Add(new Symptom(rule, rule is "payment_trouble" or "complaint" ? SymptomSeverity.Critical : SymptomSeverity.Minor, At.AddDays(-random.Next(0, 60)), rule));
            }
        }

        if (random.Next(5) == 0)
        {
            symptoms.Add(new Symptom("recapitulative", SymptomSeverity.Recapitulative, At.AddDays(-random.Next(0, 20)), "adds up"));
        }

        var historical = (decimal)Math.Round(random.NextDouble() * 4000, 2);
        var assessment = new RiskAssessment(id, At, level == RiskLevel.Churned ? null : random.NextDouble(), level)
        {
            Symptoms = symptoms,
            Value = new CustomerValue(historical, random.Next(3) == 0 ? null : historical * 1.5m),
            Segment = Segments[random.Next(Segments.Length)],
            Owner = random.Next(2) == 0 ? $"rep-{random.Next(5)}" : null,
        };
        var preferred = Channels.OrderBy(_ => random.Next()).Take(random.Next(0, 3)).ToArray();
        var attributes = new Dictionary<string, string>();
        if (random.Next(6) == 0)
        {
            attributes["consent_phone"] = "no";
        }

        return new PlanCustomer(assessment)
        {
            Profile = random.Next(8) == 0 ? null : new CustomerProfile(id) { PreferredChannels = preferred, ContactConsent = random.Next(10) != 0, Attributes = attributes },
            PreviousLevel = random.Next(3) == 0 ? null : (RiskLevel)random.Next(4),
            Alerts = [],
        };
    }

    private InterventionHistory MakeHistory(Random random)
    {
        foreach (var c in Customers)
        {
            if (random.Next(3) != 0)
            {
                continue;
            }

            var pb = Playbooks.Playbooks[random.Next(Playbooks.Playbooks.Count)];
            var offer = random.Next(3) == 0 ? Offers.Offers[random.Next(Offers.Offers.Count)] : null;
            var at = At.AddDays(-random.Next(1, 45)).AddHours(-random.Next(24));
            var channel = pb.Contacts ? Channels[random.Next(Channels.Length)] : null;
            var held = random.Next(5) == 0;
            Past.Add(new InterventionDecision(c.Assessment.CustomerId, pb.Id, held ? null : channel, held ? 0 : offer?.Cost ?? 0, held)
            {
                Id = $"past-{Past.Count}",
                DecidedAt = at,
                Playbook = pb.Id,
                Offer = held ? null : offer?.Id,
            });
        }

        return new InterventionHistory(Past);
    }
}
