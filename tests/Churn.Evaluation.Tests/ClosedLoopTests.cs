using Churn.Abstractions;
using Churn.Data;
using Churn.Interventions;
using Churn.Modeling;
using Churn.Sdk;
using Churn.Storage;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Churn.Evaluation.Tests;

public sealed class ClosedLoopTests
{
    private static readonly DateTimeOffset At = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Property(MaxTest = 200)]
    public Property TheRetrainingSet_LeavesOutExactlyTheRowsATreatmentCouldTouch_AndKeepsTheHeldOut() =>
        Prop.ForAll(Gen.ListOf(Gen.Zip(Gen.Zip(Gen.Choose(0, 9), Gen.Choose(-90, 90)), Gen.Elements(true, false))).ToArbitrary(), decisions =>
        {
            var schema = new FeatureSchema([new FeatureDefinition("x", FeatureKind.Number, "x")]);
            var rows = Enumerable.Range(0, 10).SelectMany(c => new[] { -30, 0, 30 }.Select(d => (new CustomerSnapshot($"C{c}", At.AddDays(d), schema, [c]), c % 2 == 0))).ToList();
            var list = decisions.Select((d, k) => new InterventionDecision($"C{d.Item1.Item1}", "call", "phone", 1m, d.Item2) { DecidedAt = At.AddDays(d.Item1.Item2), Id = $"d{k}" }).ToList();
            var horizon = TimeSpan.FromDays(30);
            var (kept, excluded) = RetrainingSet.ExcludeTreated(new TrainingSet(schema, rows), list, horizon);
            bool Touched((CustomerSnapshot Snapshot, bool Churned) r) => list.Any(d => !d.IsHoldout && d.CustomerId == r.Snapshot.CustomerId && d.DecidedAt > r.Snapshot.AsOf - horizon && d.DecidedAt <= r.Snapshot.AsOf + horizon);
            return kept.Rows.SequenceEqual(rows.Where(r => !Touched(r))) && excluded == rows.Count(Touched);
        });

    /// <summary>
    /// A generated base; a retention call to the 40 % most at risk with a planted effect (half of the treated who would
    /// have churned stay), 20 % of them held out. The campaign's effect is found with an interval holding the planted
    /// value; a model retrained on the outcomes as they came learns the saved customers as safe and underrates that
    /// group's risk, while the retraining set without the treated does not.
    /// </summary>
    [Fact]
    public async Task APlantedEffect_IsFound_AndRetrainingWithoutTheTreated_DoesNotLearnTheSavedAsSafe()
    {
        var options = new SyntheticOptions { Customers = 12000, Seed = 17, HistoryMonths = 10 };
        var data = CustomerData.Generate(options);
        var pipeline = ChurnPipeline.CreateBuilder().WithTrainer(o => (o.Folds, o.Trees) = (2, new TreeSettings(60, 8, 0.1, 20))).Configure(o => o.PredictValue = false).Build();
        var asOf = options.AsOf.AddDays(-30);
        var earlier = pipeline.Train(data, [asOf.AddDays(-60), asOf.AddDays(-30)]).Model;
        var set = pipeline.BuildTrainingSet(data, asOf);
        var risk = earlier.Score(set.Rows.Select(r => r.Snapshot).ToList());
        var cut = risk.Order().ElementAt((int)(risk.Length * 0.6));
        var holdout = new Holdout(new HoldoutOptions { Key = "closed-loop-test-key-0001", Share = 0.2 });
        var store = new InMemoryChurnStore();
        var rng = new Random(5);
        var labels = set.Rows.Select(r => r.Churned).ToArray();
        var decisions = new List<InterventionDecision>();
        var (targeted, flipped, treatedCount) = (new List<int>(), 0, 0);
        for (var i = 0; i < set.Rows.Count; i++)
        {
            if (risk[i] < cut)
            {
                continue;
            }

            targeted.Add(i);
            var id = set.Rows[i].Snapshot.CustomerId;
            var held = holdout.IsHeldOut(id, "retention-call", asOf);
            decisions.Add(new InterventionDecision(id, "call", held ? null : "phone", held ? 0 : 4m, held) { Id = $"call/{id}", DecidedAt = asOf, Playbook = "retention-call" });
            if (!held)
            {
                treatedCount++;
                if (labels[i] && rng.NextDouble() < 0.5)
                {
                    labels[i] = false;
                    flipped++;
                }
            }
        }

        await store.AddDecisionsAsync(decisions, TestContext.Current.CancellationToken);

        // The campaign's effect on churn, treated against held out, holds the planted value.
        var treatedSet = targeted.Where(i => decisions.Single(d => d.CustomerId == set.Rows[i].Snapshot.CustomerId).IsHoldout is false).ToHashSet();
        var effect = CampaignEvaluator.Evaluate(targeted.Select(i => (treatedSet.Contains(i) ? "treated" : "holdout", labels[i] ? 1.0 : 0.0)), "holdout", OutcomeKind.Binary);
        var planted = -(double)flipped / treatedCount;
        Assert.True(flipped > 20, $"{flipped} flipped");
        Assert.True(effect.Arms[1].Ci95.Contains(planted), $"planted {planted}, found {effect.Arms[1].Diff} {effect.Arms[1].Ci95}");
        Assert.True(effect.Arms[1].Ci95.Upper < 0);

        // Retraining: on the outcomes as observed, and without the treated (decisions read back from the store).
        var observed = new TrainingSet(set.Schema, [.. set.Rows.Select((r, i) => (r.Snapshot, labels[i]))]);
        var stored = new List<InterventionDecision>();
        await foreach (var d in store.ReadDecisionsAsync(cancellationToken: TestContext.Current.CancellationToken))
        {
            stored.Add(d);
        }

        var (clean, excluded) = RetrainingSet.ExcludeTreated(observed, stored, TimeSpan.FromDays(30));
        Assert.Equal(treatedCount, excluded);
        var trainer = new ChurnModelTrainer(new ChurnModelTrainerOptions { Folds = 2, Trees = new TreeSettings(60, 8, 0.1, 20) });
        var naive = trainer.Train(ModelTable.FromSnapshots(observed.Rows)).Model;
        var careful = trainer.Train(ModelTable.FromSnapshots(clean.Rows)).Model;

        // On the treated customers, what they would have done untreated is their true label.
        var group = treatedSet.Select(i => set.Rows[i].Snapshot).ToList();
        var truth = treatedSet.Average(i => set.Rows[i].Churned ? 1.0 : 0.0);
        var naiveMean = naive.Score(group).Average();
        var carefulMean = careful.Score(group).Average();
        Assert.True(naiveMean < carefulMean, $"naive {naiveMean}, careful {carefulMean}, truth {truth}");
        Assert.True(Math.Abs(carefulMean - truth) < Math.Abs(naiveMean - truth), $"naive {naiveMean}, careful {carefulMean}, truth {truth}");

        // Champion / challenger on the same recent window, the decision kept in the store.
        var window = pipeline.BuildTrainingSet(data, options.AsOf.AddDays(-30));
        var decision = ChampionChallenger.Compare(naive, careful, window, options.AsOf);
        Assert.Equal(window.Rows.Count, decision.Rows);
        Assert.Equal(decision.ChallengerAuc >= decision.ChampionAuc + 0.005 && decision.ChallengerBrier <= decision.ChampionBrier * 1.01, decision.Replace);
        await decision.RecordAsync(store, TestContext.Current.CancellationToken);
        var kept = await store.GetCheckpointAsync(ModelDecision.CheckpointPrefix + "20260101T000000Z", TestContext.Current.CancellationToken);
        Assert.Contains("\"replace\"", System.Text.Encoding.UTF8.GetString(kept!.State), StringComparison.Ordinal);
    }
}
