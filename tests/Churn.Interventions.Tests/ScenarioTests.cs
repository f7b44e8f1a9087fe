using Churn.Abstractions;
using Churn.Data;
using Churn.Rules;
using Churn.Sdk;
using Churn.Storage.Sqlite;
using Churn.Tests.Shared;
using Microsoft.Extensions.Time.Testing;

namespace Churn.Interventions.Tests;

public sealed class ScenarioTests
{
    private static readonly string RulesFile = Path.Combine(AppContext.BaseDirectory, "samples", "churn-rules.json");

    /// <summary>
    /// Three weeks on a generated base, planned every midnight on a fake clock: the reactive playbook fires on the
    /// day a customer's planted payment trouble first shows (once per run of the symptom), the proactive one runs on
    /// Mondays only, for everyone its condition admits; every decision and holdout is in a SQLite store (read back
    /// after reopening), polls go to the treated only, and a poll answer becomes a feedback event the rules read.
    /// </summary>
    [Fact]
    public async Task ThreeWeeksOfDailyPlans_FireOnThePlantedSymptoms_RunOnTheirCadence_AndStoreEveryDecision()
    {
        var data = CustomerData.Generate(new SyntheticOptions { Customers = 500, Seed = 21, HistoryMonths = 8 });
        var rules = RuleSetJson.Parse(File.ReadAllText(RulesFile)).RuleSet;
        var pipeline = ChurnPipeline.CreateBuilder().WithModel(TestBase.Model).WithRules(rules).Configure(o => o.PredictValue = false).Build();
        var playbooks = new PlaybookSet(
        [
            PlaybookBuilder.Reactive("payment-rescue").OnSymptom("payment_trouble").Contact("call", "phone", "email").Poll("csat", TimeSpan.FromDays(3)).Build(),
            PlaybookBuilder.Proactive("monday-check", "0 0 * * 1").Contact("email", "email").When("critical_symptoms == 0").Build(),
        ])
        {
            Contacts = new ContactPolicy { Window = TimeSpan.Zero, MaxContacts = 1000 },
            Polls = [new Poll("csat", PollKind.Csat, "How did we do?")],
        };
        var holdout = new Holdout(new HoldoutOptions { Key = World.Key, Share = 0.2, Period = HoldoutPeriod.Monthly });
        var planner = new InterventionPlanner(playbooks, new OfferCatalog([]), holdout);
        var dir = Directory.CreateTempSubdirectory("churn-interventions").FullName;
        var path = Path.Combine(dir, "churn.db");
        var start = new SyntheticOptions().AsOf.AddDays(-28);
        var clock = new FakeTimeProvider(start);
        var polls = new InMemoryPollSender();
        var plans = new List<(DateTimeOffset At, List<RiskAssessment> Assessed, InterventionPlan Plan)>();
        try
        {
            using (var store = SqliteChurnStore.Open(new SqliteStoreOptions { Path = path }))
            using (var service = new InterventionService(planner, store, clock, polls, store))
            {
                for (var day = 0; day < 21; day++)
                {
                    clock.Advance(TimeSpan.FromDays(1));
                    var assessed = pipeline.Assess(data, clock.GetUtcNow()).ToList();
                    var plan = await service.RunAsync([.. assessed.Select(a => new PlanCustomer(a) { Profile = data.ProfileOf(a.CustomerId) })], cancellationToken: TestContext.Current.CancellationToken);
                    plans.Add((clock.GetUtcNow(), assessed, plan));
                }

                // A poll answer becomes a feedback event in the store.
                var unhappy = plans.SelectMany(p => p.Plan.Items).First(i => !i.IsHoldout && i.Playbook == "payment-rescue");
                Assert.Equal(1, await service.RecordResponsesAsync([new PollResponse("csat", unhappy.CustomerId, clock.GetUtcNow(), 1, "still charged twice") { DecisionId = unhappy.Id }], TestContext.Current.CancellationToken));
            }

            // Reactive: on the first day each customer's run of payment trouble shows, and never again within it.
            var firstSeen = new Dictionary<CustomerId, DateTimeOffset>();
            var rescued = new Dictionary<CustomerId, List<DateTimeOffset>>();
            foreach (var (at, assessed, plan) in plans)
            {
                foreach (var a in assessed.Where(a => a.Level != RiskLevel.Churned && a.Symptoms.Any(s => s.RuleId == "payment_trouble") && data.ProfileOf(a.CustomerId) is not { ContactConsent: false }))
                {
                    firstSeen.TryAdd(a.CustomerId, at);
                }

                foreach (var i in plan.Items.Where(i => i.Playbook == "payment-rescue"))
                {
                    (rescued.TryGetValue(i.CustomerId, out var days) ? days : rescued[i.CustomerId] = []).Add(at);
                }
            }

            Assert.True(firstSeen.Count >= 5, $"only {firstSeen.Count} customers show payment trouble");
            Assert.Equal(firstSeen.Keys.Order(), rescued.Keys.Order());
            foreach (var (id, days) in rescued)
            {
                Assert.Equal([firstSeen[id]], days);
            }

            // Proactive: Mondays only, everyone not churned without a critical symptom (and reachable), once per Monday.
            var mondays = 0;
            foreach (var (at, assessed, plan) in plans)
            {
                var checks = plan.Items.Where(i => i.Playbook == "monday-check").ToList();
                if (at.DayOfWeek != DayOfWeek.Monday)
                {
                    Assert.Empty(checks);
                    continue;
                }

                mondays++;
                var eligible = assessed.Where(a => a.Level != RiskLevel.Churned && !a.Symptoms.Any(s => s.Severity == SymptomSeverity.Critical) && data.ProfileOf(a.CustomerId) is not { ContactConsent: false }).Select(a => a.CustomerId).ToHashSet();
                Assert.Equal(eligible.Order(), checks.Select(i => i.CustomerId).Order());
            }

            Assert.Equal(3, mondays);

            // Everything decided is in the store, read back after reopening; polls went to the treated only.
            var all = plans.SelectMany(p => p.Plan.Items).ToList();
            using (var reopened = SqliteChurnStore.Open(new SqliteStoreOptions { Path = path, ReadOnly = true }))
            {
                var stored = new List<InterventionDecision>();
                await foreach (var d in reopened.ReadDecisionsAsync(cancellationToken: TestContext.Current.CancellationToken))
                {
                    stored.Add(d);
                }

                Assert.Equal(all.Select(i => i.Id).Order(), stored.Select(d => d.Id).Order());
                var byId = stored.ToDictionary(d => d.Id);
                Assert.All(all, i => Assert.Equal((i.IsHoldout, i.Channel, i.Cost, i.Playbook), (byId[i.Id].IsHoldout, byId[i.Id].Channel, byId[i.Id].Cost, byId[i.Id].Playbook)));
                foreach (var i in all)
                {
                    var assignment = await reopened.GetHoldoutAsync($"{i.Playbook}/{Holdout.PeriodOf(i.DecidedAt, HoldoutPeriod.Monthly)}", i.CustomerId, TestContext.Current.CancellationToken);
                    Assert.Equal(i.IsHoldout, assignment!.IsHoldout);
                }

                var responses = new List<PollResponse>();
                await foreach (var r in reopened.ReadPollResponsesAsync("csat", cancellationToken: TestContext.Current.CancellationToken))
                {
                    responses.Add(r);
                }

                var response = Assert.Single(responses);
                var events = new List<CustomerEvent>();
                await foreach (var e in reopened.ReadEventsAsync(new EventQuery { CustomerId = response.CustomerId }, TestContext.Current.CancellationToken))
                {
                    events.Add(e.Event);
                }

                var feedback = Assert.Single(events);
                Assert.Equal(CustomerEventType.Feedback, feedback.Type);

                // The rules read it: the customer's latest feedback is 1, so "unhappy" holds.
                var history = data.Log.EventsOf(response.CustomerId).Append(feedback);
                var after = pipeline.Assess(response.CustomerId, history, clock.GetUtcNow(), data.ProfileOf(response.CustomerId));
                Assert.Contains(after.Symptoms, s => s.RuleId == "unhappy" || s.Components.Any(c => c.RuleId == "unhappy"));
            }

            var treatedPolls = all.Where(i => !i.IsHoldout && i.Steps.Any(s => s.Kind == StepKind.Poll)).Select(i => i.Id).Order().ToList();
            Assert.Equal(treatedPolls, polls.Sent.Select(p => p.DecisionId!).Order());
            Assert.Contains(all, i => i.IsHoldout);
            Assert.All(all.Where(i => i.IsHoldout), i => Assert.Null(i.Channel));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);
        }
    }
}
