using Churn.Abstractions;
using Churn.Data;
using Churn.Modeling;
using Churn.Sdk;
using Churn.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Churn.Monitoring.Tests;

public sealed class HostingTests
{
    private static readonly DateTimeOffset Epoch = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static IHost Host(InMemoryChurnStore store, ChurnModel model)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<ICheckpointStore>(store);
        builder.Services.AddChurn(churn => churn.UseModel(model).AddPipeline(o => o.PredictValue = false).AddMonitoring().AddMonitorHostedService(o => o.CheckpointEvery = TimeSpan.FromHours(1)));
        return builder.Build();
    }

    [Fact]
    public async Task TheHostedMonitor_AppliesWhatIsWritten_CheckpointsAtShutdown_AndANewHostCarriesOn()
    {
        var ct = TestContext.Current.CancellationToken;
        var data = CustomerData.Generate(new SyntheticOptions { Customers = 400, Seed = 3, HistoryMonths = 6 });
        var model = ChurnPipeline.CreateBuilder().WithTrainer(o => (o.Folds, o.Trees) = (2, new TreeSettings(20, 6, 0.1, 20))).Build().Train(data, new SyntheticOptions().AsOf.AddDays(-30)).Model;
        var events = Enumerable.Range(0, 200).Select(i => new CustomerEvent($"c{i % 13}", Epoch.AddHours(i * 5), i % 4 == 0 ? CustomerEventType.Purchase : CustomerEventType.Login, i % 4 == 0 ? 12m : null, $"h{i}")).ToList();
        var store = new InMemoryChurnStore();

        using (var first = Host(store, model))
        {
            await first.StartAsync(ct);
            var monitor = first.Services.GetRequiredService<ChurnMonitor>();
            foreach (var e in events.Take(120))
            {
                await monitor.Writer.WriteAsync(e, ct);
            }

            while (monitor.Stats.Events < 120)
            {
                await Task.Delay(10, ct);
            }

            await first.StopAsync(ct);
            Assert.True(first.Services.GetRequiredService<MonitorHostedService>().Checkpoints >= 1);
        }

        Assert.NotNull(await store.GetCheckpointAsync("monitor", ct));
        using var second = Host(store, model);
        await second.StartAsync(ct);
        var resumed = second.Services.GetRequiredService<ChurnMonitor>();
        foreach (var e in events.Skip(100))
        {
            await resumed.Writer.WriteAsync(e, ct);
        }

        while (resumed.Stats.Events + resumed.Stats.Duplicates < 200)
        {
            await Task.Delay(10, ct);
        }

        // The 20 events written again after the restart are recognised; the rest are applied once.
        Assert.Equal(200, resumed.Stats.Events);
        Assert.Equal(20, resumed.Stats.Duplicates);
        await second.StopAsync(ct);
    }
}
