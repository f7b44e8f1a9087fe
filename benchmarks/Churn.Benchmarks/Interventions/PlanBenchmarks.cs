using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Churn.Abstractions;
using Churn.Interventions;

namespace Churn.Benchmarks.Interventions;

/// <summary>
/// Planning for 1M assessed customers (probability, value, segment, level, symptoms, a profile with channels and consent)
/// with 10 playbooks (6 reactive on symptoms, the recapitulative symptom and levels, 4 proactive due at the instant) and
/// 20 offers (eligibility conditions, caps, budgets, limits per segment and tier, an approval), under a budget: evaluate every
/// playbook and offer per customer, climb the frontiers within the budgets, draw the holdouts. Target: under 10 s.
/// The baseline is one pass computing each customer's best expected value for a single fixed action.
/// Run alone: <c>--filter *PlanBenchmarks*</c>.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class PlanBenchmarks
{
    private static readonly int Customers = BenchData.Smoke ? 5_000 : 1_000_000;
    private static readonly DateTimeOffset At = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly string[] Segments = ["smb", "enterprise", "consumer", "public", "partner"];
    private static readonly string[] Rules = ["payment_trouble", "complaint", "fading_usage", "unhappy", "support_load", "new_customer"];
    private static readonly string[] Channels = ["phone", "email", "sms", "app"];
    private PlanCustomer[] _customers = [];
    private InterventionPlanner _planner = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(42);
        _customers = new PlanCustomer[Customers];
        for (var i = 0; i < Customers; i++)
        {
            var id = new CustomerId("C" + i.ToString("D8", CultureInfo.InvariantCulture));
            var p = rng.NextDouble() * rng.NextDouble();
            var symptoms = new List<Symptom>();
            foreach (var rule in Rules)
            {
                if (rng.Next(8) == 0)
                {
                    symptoms.Add(new Symptom(rule, rule is "payment_trouble" or "complaint" ? SymptomSeverity.Critical : SymptomSeverity.Minor, At.AddDays(-rng.Next(30)), rule));
                }
            }

            if (rng.Next(10) == 0)
            {
                symptoms.Add(new Symptom("recapitulative", SymptomSeverity.Recapitulative, At.AddDays(-rng.Next(10)), "adds up"));
            }

            var value = (decimal)Math.Round(rng.NextDouble() * rng.NextDouble() * 5000, 2);
            var assessment = new RiskAssessment(id, At, p, p > 0.5 ? RiskLevel.Critical : p > 0.3 ? RiskLevel.High : p > 0.1 ? RiskLevel.Medium : RiskLevel.Low)
            {
                Value = new CustomerValue(value, value * 1.3m),
                Symptoms = symptoms,
                Segment = Segments[rng.Next(Segments.Length)],
                Owner = rng.Next(3) == 0 ? "rep-" + rng.Next(50).ToString(CultureInfo.InvariantCulture) : null,
            };
            _customers[i] = new PlanCustomer(assessment)
            {
                Profile = new CustomerProfile(id) { PreferredChannels = [Channels[rng.Next(Channels.Length)]], ContactConsent = rng.Next(20) != 0 },
                PreviousLevel = (RiskLevel)rng.Next(4),
            };
        }

        var playbooks = new PlaybookSet(
        [
            PlaybookBuilder.Reactive("payment-rescue").OnSymptom("payment_trouble").Contact("call", "phone", "email").Offer("fee-waiver", "discount-10", "discount-20").Poll("csat", TimeSpan.FromDays(7)).WithUplift(0.08).Build(),
            PlaybookBuilder.Reactive("complaint").OnSymptom("complaint").Task("review").Contact("call", "phone").Offer().Build(),
            PlaybookBuilder.Reactive("fading").OnSymptom("fading_usage").Contact("email", "email", "app").Offer("tips", "trial-extension", "bonus-points").Build(),
            PlaybookBuilder.Reactive("unhappy").OnSymptom("unhappy").Contact("call", "phone", "email").Offer("credit-50", "credit-100").Build(),
            PlaybookBuilder.Reactive("adding-up").OnRecapitulative().Contact("email", "email", "sms").Offer("discount-10", "bonus-points").Build(),
            PlaybookBuilder.Reactive("rising").OnLevel(RiskLevel.High).ForTiers("gold", "silver").Contact("call", "phone").Offer("loyalty-credit", "upgrade", "discount-20").Build(),
            PlaybookBuilder.Proactive("gold-call", "0 9 1 * *").ForTiers("gold").Contact("call", "phone", "email").WithUplift(0.02).Build(),
            PlaybookBuilder.Proactive("newsletter", "0 9 * * *").Contact("email", "email").WithUplift(0.002).When("probability >= 0.05").Build(),
            PlaybookBuilder.Proactive("loyalty", "0 9 1 * *").ForSegments("consumer", "partner").Contact("app", "app", "email").Offer("bonus-points", "double-points").Build(),
            PlaybookBuilder.Proactive("enterprise-review", "0 9 1 * *").ForSegments("enterprise").Task("account-review").Contact("call", "phone").Offer("training", "extra-seats").Build(),
        ])
        {
            Tiers = [new ValueTier("gold", 2000), new ValueTier("silver", 500), new ValueTier("bronze", 0)],
            ChannelCosts = new Dictionary<string, decimal> { ["phone"] = 4m, ["email"] = 0.05m, ["sms"] = 0.1m, ["app"] = 0.01m },
            Polls = [new Poll("csat", PollKind.Csat, "How did we do?")],
        };
        string[] offerIds = ["fee-waiver", "discount-10", "discount-20", "tips", "trial-extension", "bonus-points", "credit-50", "credit-100", "loyalty-credit", "upgrade", "double-points", "training", "extra-seats", "free-month", "gift", "priority-support", "waive-setup", "price-lock", "referral-bonus", "concierge"];
        var offers = offerIds.Select((o, k) => new Offer(o, 5m + (k * 9m))
        {
            Eligibility = (k % 4) switch { 0 => "critical_symptoms >= 1", 1 => "value >= 300", 2 => "tier == \"gold\" or probability >= 0.4", _ => null },
            ExpectedAcceptance = 0.2 + ((k % 5) * 0.1),
            Uplift = 0.05 + ((k % 7) * 0.03),
            Budget = k % 3 == 0 ? 200_000m : null,
        });
        var catalog = new OfferCatalog(
            offers,
            [new CompensationLimit("*", "*", 40m), new CompensationLimit("*", "gold", 150m), new CompensationLimit("enterprise", "*", 100m)],
            [new OfferApproval("A-1", "head-of-retention", 200m) { Tier = "gold" }]);
        _planner = new InterventionPlanner(playbooks, catalog, new Holdout(new HoldoutOptions { Key = "benchmark-holdout-key-0001", Share = 0.1, Period = HoldoutPeriod.Monthly }));
    }

    [Benchmark(Baseline = true, Description = "one pass: each customer's expected value of one fixed action (baseline)")]
    public double Scan()
    {
        double best = 0;
        foreach (var c in _customers)
        {
            var a = c.Assessment;
            var ev = ((a.Probability?.Value ?? 0) * 0.05 * (double)(a.Value!.Predicted ?? a.Value.Historical)) - 4;
            best += ev > 0 ? ev : 0;
        }

        return best;
    }

    [Benchmark(Description = "plan: 10 playbooks x 20 offers, budget 1,000,000, holdout 10 %")]
    public int Plan() => _planner.Plan(_customers, new PlanRequest(At) { Budget = 1_000_000m }).Planned;

    [Benchmark(Description = "plan without a budget")]
    public int PlanUnlimited() => _planner.Plan(_customers, new PlanRequest(At)).Planned;
}
