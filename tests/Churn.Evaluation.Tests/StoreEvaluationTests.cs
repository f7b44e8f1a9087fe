using Churn.Abstractions;
using Churn.Storage;

namespace Churn.Evaluation.Tests;

public sealed class StoreEvaluationTests
{
    [Fact]
    public async Task EachPlaybooksEffect_AgainstItsOwnHoldout_IsReadFromTheStoresDecisionsAndOutcomes()
    {
        // Two playbooks, 20 % held out of each: "rescue" keeps 15 points more customers, "newsletter" none.
        var store = new InMemoryChurnStore();
        var rng = new Random(4);
        var at = new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero);
        var decisions = new List<InterventionDecision>();
        var churned = new Dictionary<CustomerId, bool>();
        for (var i = 0; i < 8000; i++)
        {
            var id = new CustomerId($"C{i}");
            var playbook = i % 2 == 0 ? "rescue" : "newsletter";
            var held = rng.NextDouble() < 0.2;
            decisions.Add(new InterventionDecision(id, "call", held ? null : "phone", held ? 0 : 4m, held) { Id = $"{playbook}/{id}", DecidedAt = at, Playbook = playbook, Offer = playbook == "rescue" && !held ? "discount" : null });
            var churn = 0.40 - (playbook == "rescue" && !held ? 0.15 : 0);
            churned[id] = rng.NextDouble() < churn;
        }

        await store.AddDecisionsAsync(decisions, TestContext.Current.CancellationToken);
        var outcomes = StoreEvaluation.Observe(decisions.Take(7990), id => churned[id], (_, _) => 10m, at.AddDays(60));
        await store.UpsertOutcomesAsync(outcomes, TestContext.Current.CancellationToken);

        var effects = await StoreEvaluation.EvaluateAsync(store, store, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(["newsletter", "rescue"], effects.Select(e => e.Group));
        var rescue = effects[1].Effect.Arms.Single(a => a.Arm == "treated");
        var newsletter = effects[0].Effect.Arms.Single(a => a.Arm == "treated");
        Assert.True(rescue.Ci95.Contains(0.15) && rescue.Ci95.Lower > 0, $"{rescue.Diff} {rescue.Ci95}");
        Assert.True(newsletter.Ci95.Contains(0), $"{newsletter.Diff} {newsletter.Ci95}");
        Assert.Equal(7990, effects.Sum(e => e.Effect.Arms.Sum(a => a.N)));

        // By offer: only the treated of "rescue" had one, so there is no holdout to compare with: nothing to report.
        Assert.Empty(await StoreEvaluation.EvaluateAsync(store, store, groupBy: "offer", cancellationToken: TestContext.Current.CancellationToken));
        var revenue = await StoreEvaluation.EvaluateAsync(store, store, CampaignOutcome.Revenue, cancellationToken: TestContext.Current.CancellationToken);
        Assert.All(revenue, e => Assert.Equal(0, e.Effect.Arms[1].Diff, 12));
    }
}
