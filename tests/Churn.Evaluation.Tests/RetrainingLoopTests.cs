using Churn.Abstractions;
using Churn.Data;
using Churn.Modeling;
using Churn.Sdk;
using Churn.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Churn.Evaluation.Tests;

public sealed class RetrainingLoopTests
{
    [Fact]
    public async Task TheLoop_RetrainsAnAgedModel_WithoutTheTreated_ReplacesItWhenTheChallengerWins_RecordsWhy_AndThenWaits()
    {
        var options = new SyntheticOptions { Customers = 3000, Seed = 8, HistoryMonths = 12 };
        var data = CustomerData.Generate(options);
        var now = options.AsOf;
        var pipeline = ChurnPipeline.CreateBuilder().Configure(o => o.PredictValue = false).Build();
        var settings = new ChurnModelTrainerOptions { Folds = 2, Trees = new TreeSettings(40, 8, 0.1, 20) };

        // The champion: trained 120 days ago on a few hundred rows of one old month.
        var old = pipeline.BuildTrainingSet(data, now.AddDays(-240));
        var champion = new ChurnModelTrainer(new ChurnModelTrainerOptions { Folds = 2, Trees = new TreeSettings(3, 2, 0.1, 50) }, new FakeTimeProvider(now.AddDays(-120))).Train(ModelTable.FromSnapshots([.. old.Rows.Take(400)])).Model;

        // Some customers were called in the months the challenger learns from.
        var store = new InMemoryChurnStore();
        var called = data.Log.Customers.Take(300).Select((id, i) => new InterventionDecision(id, "call", "phone", 4m, i % 5 == 0) { Id = $"call/{id}", DecidedAt = now.AddDays(-75), Playbook = "call" }).ToList();
        await store.AddDecisionsAsync(called, TestContext.Current.CancellationToken);

        var clock = new FakeTimeProvider(now);
        var loop = new RetrainingLoop(
            new RetrainingPolicy(),
            instants => pipeline.BuildTrainingSet(data, instants),
            set => new ChurnModelTrainer(settings, clock).Train(ModelTable.FromSnapshots(set.Rows)).Model,
            store,
            store);
        var run = await loop.RunAsync(champion, now, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(run.Retrained && run.Replaced, run.Reason);
        Assert.StartsWith("the model is 120 days old", run.Reason, StringComparison.Ordinal);
        Assert.True(run.Excluded > 0 && run.Excluded <= 240 * 4, $"{run.Excluded} excluded");
        Assert.NotSame(champion, run.Model);
        Assert.True(run.Decision!.ChallengerAuc > run.Decision.ChampionAuc);
        Assert.NotNull(await store.GetCheckpointAsync(ModelDecision.CheckpointPrefix + "20260101T000000Z", TestContext.Current.CancellationToken));

        // The new model is today's: the next run waits.
        var next = await loop.RunAsync(run.Model, now.AddDays(3), cancellationToken: TestContext.Current.CancellationToken);
        Assert.False(next.Retrained);
        Assert.Same(run.Model, next.Model);
    }
}
