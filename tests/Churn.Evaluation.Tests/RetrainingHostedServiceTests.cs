using Churn.Abstractions;
using Churn.Data;
using Churn.Modeling;
using Churn.Sdk;
using Churn.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Churn.Evaluation.Tests;

public sealed class RetrainingHostedServiceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("churn-retrain-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task TheHostedLoop_WaitsForTheSchedule_ThenReplacesSavesAndAnnouncesTheModel_AndSurvivesAFailedRun()
    {
        var ct = TestContext.Current.CancellationToken;
        var options = new SyntheticOptions { Customers = 2000, Seed = 8, HistoryMonths = 12 };
        var data = CustomerData.Generate(options);
        var pipeline = ChurnPipeline.CreateBuilder().Configure(o => o.PredictValue = false).Build();

        // The host starts 5 days before the champion (trained 25 days earlier on a few hundred rows) is 30 days old.
        var start = options.AsOf.AddDays(-5);
        var clock = new FakeTimeProvider(start);
        var old = pipeline.BuildTrainingSet(data, start.AddDays(-200));
        var champion = new ChurnModelTrainer(new ChurnModelTrainerOptions { Folds = 2, Trees = new TreeSettings(3, 2, 0.1, 50) }, new FakeTimeProvider(start.AddDays(-25))).Train(ModelTable.FromSnapshots([.. old.Rows.Take(400)])).Model;
        var failNext = true;
        var store = new InMemoryChurnStore();
        var loop = new RetrainingLoop(
            new RetrainingPolicy(),
            instants =>
            {
                // The first training attempt fails (a source that is down): the service must count it and try again on the next period.
                if (failNext)
                {
                    failNext = false;
                    throw new IOException("the warehouse is down");
                }

                return pipeline.BuildTrainingSet(data, instants);
            },
            set => new ChurnModelTrainer(new ChurnModelTrainerOptions { Folds = 2, Trees = new TreeSettings(40, 8, 0.1, 20) }, clock).Train(ModelTable.FromSnapshots(set.Rows)).Model,
            store,
            store);

        var replaced = new List<RetrainingRun>();
        var path = Path.Combine(_dir, "model.churn");
        var services = new ServiceCollection().AddSingleton<TimeProvider>(clock);
        services.AddChurn(churn => churn.AddRetraining(_ => loop, _ => champion, o =>
        {
            o.CheckAtStart = false;
            o.ModelPath = path;
            o.OnReplaced = (run, _) =>
            {
                replaced.Add(run);
                return Task.CompletedTask;
            };
        }));
        await using var provider = services.BuildServiceProvider();
        var service = provider.GetRequiredService<RetrainingHostedService>();
        Assert.Same(service, provider.GetServices<IHostedService>().Single());
        await service.StartAsync(ct);

        // Days 1-4: the model is younger than 30 days; each check runs and does nothing.
        for (var day = 1; day <= 4; day++)
        {
            clock.Advance(TimeSpan.FromDays(1));
            await WaitAsync(() => service.Runs == day, ct);
            Assert.False(service.LastRun!.Retrained, service.LastRun.Reason);
        }

        Assert.Same(champion, service.Champion);
        Assert.False(File.Exists(path));

        // Day 5: 30 days old; the training set's source fails: counted, the model unchanged, the service alive.
        clock.Advance(TimeSpan.FromDays(1));
        await WaitAsync(() => service.Failures == 1, ct);
        Assert.IsType<IOException>(service.LastFailure);
        Assert.Equal(4, service.Runs);
        Assert.Same(champion, service.Champion);

        // Day 6: retrained; the challenger wins, is saved, announced and used.
        clock.Advance(TimeSpan.FromDays(1));
        await WaitAsync(() => service.Runs == 5, ct);
        var run = service.LastRun!;
        Assert.True(run.Retrained && run.Replaced, run.Reason);
        Assert.Same(run.Model, service.Champion);
        Assert.Same(run, Assert.Single(replaced));
        var saved = ChurnModel.Load(path);
        Assert.Equal(start.AddDays(6), saved.Metadata.TrainedAt);
        CustomerSnapshot[] some = [.. old.Rows.Take(50).Select(r => r.Snapshot)];
        Assert.Equal(run.Model.Score(some), saved.Score(some));

        // Day 7: the new model is a day old: nothing more.
        clock.Advance(TimeSpan.FromDays(1));
        await WaitAsync(() => service.Runs == 6, ct);
        Assert.False(service.LastRun!.Retrained);
        Assert.Single(replaced);
        await service.StopAsync(ct);
    }

    [Fact]
    public void APeriodThatIsNotPositive_IsRefused()
    {
        var services = new ServiceCollection();
        var error = Assert.Throws<ArgumentException>(() => services.AddChurn(churn => churn.AddRetraining(_ => throw new InvalidOperationException(), _ => throw new InvalidOperationException(), o => o.CheckEvery = TimeSpan.Zero)));
        Assert.Contains("CheckEvery", error.Message, StringComparison.Ordinal);
    }

    private static async Task WaitAsync(Func<bool> done, CancellationToken ct)
    {
        for (var i = 0; i < 6000 && !done(); i++)
        {
            await Task.Delay(10, ct);
        }

        Assert.True(done(), "the hosted service did not get there within a minute");
    }
}
