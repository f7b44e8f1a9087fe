using System.Text.Json;
using System.Text.Json.Serialization;
using Churn.Abstractions;
using Churn.Data;
using Churn.Modeling;
using Churn.Sdk;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

using Churn.Tests.Shared;

namespace Churn.Monitoring.Tests;

public sealed class MonitorTests
{
    private static readonly DateTimeOffset Epoch = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly JsonSerializerOptions Canonical = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    private static readonly CustomerEventType[] Types = TestBase.Types;

    /// <summary>Minor and critical rules (a low threshold, so the recapitulative symptom often holds).</summary>
    private const string Rules = """
        { "version": "1", "minorThreshold": 1, "halfLifeDays": 7, "rules": [
          { "id": "billing", "expression": "payment_failures_30d >= 2", "severity": "critical" },
          { "id": "angry", "expression": "complaints_30d >= 1", "severity": "critical" },
          { "id": "tickets", "expression": "tickets_30d >= 1", "severity": "minor", "weight": 1 },
          { "id": "quiet", "expression": "days_since_last_login > 10", "severity": "minor", "weight": 0.5 } ] }
        """;

    private static ChurnPipeline Pipeline(ChurnDefinition definition = ChurnDefinition.NonContractual, bool rules = false)
    {
        var builder = ChurnPipeline.CreateBuilder()
            .WithModel(TestBase.Model)
            .WithLabels(o => (o.Definition, o.HorizonDays) = (definition, 30))
            .WithRiskLevels(o => (o.Medium, o.High, o.Critical) = (0.05, 0.1, 0.2))
            .Configure(o => o.PredictValue = false);
        return (rules ? builder.WithRules(Churn.Rules.RuleSetJson.Parse(Rules).RuleSet) : builder).Build();
    }

    private static string Canonicalize(RiskAssessment? a) => JsonSerializer.Serialize(a, Canonical);

    private static Gen<CustomerEvent> Event(int customers, int days) =>
        from c in Gen.Choose(1, customers)
        from minute in Gen.Choose(0, days * 24 * 60)
        from t in Gen.Elements(Types)
        from cents in Gen.Choose(0, 20_000)
        from id in Gen.Choose(0, 1_000_000)
        select new CustomerEvent("c" + c, Epoch.AddMinutes(minute), t, t == CustomerEventType.Purchase ? cents / 100m : t == CustomerEventType.Feedback ? cents % 11 : null, "e" + id);

    [Property(MaxTest = 40)]
    public Property EveryCustomersAssessment_EqualsTheBatch_WhateverTheArrivalOrderWithinTolerance_AndRepeats() =>
        Prop.ForAll(Gen.ArrayOf(Event(6, 200)).ToArbitrary(), Gen.Choose(0, 1_000).ToArbitrary(), (events, seed) =>
        {
            // Distinct ids; a few delivered twice; the stream jittered by up to 2 hours with a 3-hour tolerance.
            var unique = events.DistinctBy(e => e.EventId).ToArray();
            var random = new Random(seed);
            var stream = unique.OrderBy(e => e.Timestamp.AddMinutes(random.Next(120))).ToList();
            stream.AddRange(stream.Where((_, i) => i % 7 == 3).ToList());
            var pipeline = Pipeline(rules: seed % 2 == 0);
            using var monitor = new ChurnMonitor(pipeline, new MonitorOptions { ReorderTolerance = TimeSpan.FromHours(3), DuplicateMemory = 1024 });
            foreach (var e in stream)
            {
                monitor.ObserveAsync(e).AsTask().GetAwaiter().GetResult();
            }

            monitor.FlushAsync().AsTask().GetAwaiter().GetResult();
            var data = CustomerData.From(unique);
            var stats = monitor.Stats;
            return stats.Events == unique.Length
                && stats.Duplicates == stream.Count - unique.Length
                && stats.Late == 0
                && data.Log.Customers.All(id =>
                {
                    var last = unique.Where(e => e.CustomerId == id).Max(e => e.Timestamp);
                    return Canonicalize(monitor.Current(id)) == Canonicalize(pipeline.Assess(data, id, last));
                });
        });

    [Fact]
    public async Task Alerts_OnARise_OncePerLevelAndCooldown_NeverForAFall_AndLateEventsAreCounted()
    {
        var pipeline = Pipeline();
        var sink = new InMemoryAlertSink();
        using var monitor = new ChurnMonitor(pipeline, new MonitorOptions { AlertLevel = RiskLevel.Medium, Cooldown = TimeSpan.FromDays(10), SuggestPlaybook = a => a.Level >= RiskLevel.High ? "call-now" : "email" }, [sink]);
        var t = Epoch;

        // An active customer, then silence: the clock's reassessments raise the risk with no event.
        for (var d = 0; d < 60; d++)
        {
            await monitor.ObserveAsync(new CustomerEvent("a", t.AddDays(d), CustomerEventType.Login, null, $"l{d}"), TestContext.Current.CancellationToken);
            await monitor.ObserveAsync(new CustomerEvent("a", t.AddDays(d).AddHours(1), CustomerEventType.Purchase, 20, $"p{d}"), TestContext.Current.CancellationToken);
        }

        var before = monitor.Current("a")!.Level;
        var levels = new List<RiskLevel>();
        for (var d = 61; d < 120; d++)
        {
            await monitor.ReassessAsync(t.AddDays(d), TestContext.Current.CancellationToken);
            levels.Add(monitor.Current("a")!.Level);
        }

        // Every alert is a rise to a level at or above the alert level, not within the cooldown of one at the same level.
        var alerts = sink.Alerts;
        Assert.NotEmpty(alerts);
        Assert.All(alerts, a => Assert.True(a.Assessment.Level >= RiskLevel.Medium && a.Assessment.Level != RiskLevel.Churned, a.Message));
        foreach (var group in alerts.GroupBy(a => a.Assessment.Level))
        {
            var times = group.Select(a => a.RaisedAt).ToList();
            Assert.All(times.Zip(times.Skip(1)), p => Assert.True(p.Second - p.First >= TimeSpan.FromDays(10)));
        }

        Assert.Contains("churn risk rose from", alerts[0].Message, StringComparison.Ordinal);
        Assert.All(alerts, a => Assert.True(a.PreviousLevel is null || a.PreviousLevel < a.Assessment.Level || a.PreviousLevel == RiskLevel.Churned, a.Message));
        Assert.All(alerts, a => Assert.Equal(a.Assessment.Level >= RiskLevel.High ? "call-now" : "email", a.SuggestedPlaybook));
        Assert.Equal(monitor.Stats.Alerts, alerts.Count);
        Assert.True(levels.Max() > before || levels.Contains(RiskLevel.Churned), string.Join(",", levels));

        // A late event (older than the latest applied) changes nothing and is counted.
        var current = Canonicalize(monitor.Current("a"));
        await monitor.ObserveAsync(new CustomerEvent("a", t.AddDays(5), CustomerEventType.Complaint, null, "late"), TestContext.Current.CancellationToken);
        Assert.Equal(1, monitor.Stats.Late);
        Assert.Single(monitor.LateExamples);
        Assert.Equal(current, Canonicalize(monitor.Current("a")));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Batches_OnAnyNumberOfThreads_GiveTheSameStateAndAlerts_AsOneEventAtATime(int seed)
    {
        var ct = TestContext.Current.CancellationToken;
        var random = new Random(seed);
        var events = Enumerable.Range(0, 4_000)
            .Select(i => new CustomerEvent($"c{random.Next(150)}", Epoch.AddMinutes(i * 97 + random.Next(200)), Types[random.Next(Types.Length)], random.Next(3) == 0 ? random.Next(1, 90) : null, $"e{random.Next(3_900)}"))
            .ToList();
        var pipeline = Pipeline(ChurnDefinition.NonContractual, rules: true);
        MonitorOptions Options(int threads, int batch) => new() { AlertLevel = RiskLevel.Medium, ReorderTolerance = TimeSpan.FromHours(4), Cooldown = TimeSpan.FromDays(5), MaxDegreeOfParallelism = threads, BatchSize = batch };

        async Task<(List<string> Alerts, List<string> Current, MonitorStats Stats, IReadOnlyList<string> Late)> Run(int threads, int batch, Func<ChurnMonitor, Task> feed)
        {
            var sink = new InMemoryAlertSink();
            using var monitor = new ChurnMonitor(pipeline, Options(threads, batch), [sink]);
            await feed(monitor);
            await monitor.FlushAsync(ct);
            await monitor.ReassessAsync(Epoch.AddDays(400), ct);
            var ids = events.Select(e => e.CustomerId).Distinct().Order();
            return ([.. sink.Alerts.Select(a => $"{a.Assessment.CustomerId} {a.RaisedAt:O} {a.Assessment.Level} {a.Symptom} {a.Message}")], [.. ids.Select(id => Canonicalize(monitor.Current(id)))], monitor.Stats, monitor.LateExamples);
        }

        var one = await Run(1, 1, async m =>
        {
            foreach (var e in events)
            {
                await m.ObserveAsync(e, ct);
            }
        });
        var streamed = await Run(-1, 257, m => m.RunAsync(events.ToAsyncEnumerable(), ct));
        var batches = await Run(3, 1_000, async m =>
        {
            foreach (var chunk in events.Chunk(1_000))
            {
                await m.ObserveManyAsync(chunk, ct);
            }
        });

        // Out of order within the tolerance (so that no event is late however they are grouped), some twice.
        Assert.True(one.Alerts.Count > 20 && one.Stats.Duplicates > 0 && one.Stats.Late == 0, $"{one.Alerts.Count} alerts, {one.Stats}");
        foreach (var other in new[] { streamed, batches })
        {
            Assert.Equal(one.Alerts, other.Alerts);
            Assert.Equal(one.Current, other.Current);
            Assert.Equal(one.Stats with { ByLevel = [] }, other.Stats with { ByLevel = [] });
            Assert.Equal(one.Stats.ByLevel, other.Stats.ByLevel);
            Assert.Equal(one.Late, other.Late);
        }
    }

    [Fact]
    public async Task ABatchWithANullEvent_IsRefusedWhole()
    {
        using var monitor = new ChurnMonitor(Pipeline(), new MonitorOptions { ReorderTolerance = TimeSpan.FromDays(1) });
        var batch = new CustomerEvent[] { new("a", Epoch, CustomerEventType.Login, null, "x1"), null!, new("a", Epoch.AddDays(1), CustomerEventType.Login, null, "x2") };
        await Assert.ThrowsAsync<ArgumentException>(() => monitor.ObserveManyAsync(batch, TestContext.Current.CancellationToken).AsTask());
        Assert.Equal((0L, 0, 0), (monitor.Stats.Events, monitor.Stats.Pending, monitor.Stats.Customers));
        await monitor.ObserveManyAsync([batch[0], batch[2]], TestContext.Current.CancellationToken);
        await monitor.FlushAsync(TestContext.Current.CancellationToken);
        Assert.Equal((2L, 0L), (monitor.Stats.Events, monitor.Stats.Duplicates));
    }

    [Fact]
    public async Task ACriticalSymptomBeginning_RaisesAnAlert_AtAnyLevel_OncePerRunAndCooldown()
    {
        var ct = TestContext.Current.CancellationToken;
        var sink = new InMemoryAlertSink();
        // The alert level is out of reach: only symptoms alert.
        using var monitor = new ChurnMonitor(Pipeline(rules: true), new MonitorOptions { AlertLevel = RiskLevel.Critical, Cooldown = TimeSpan.FromDays(20) }, [sink]);
        var t = Epoch;
        for (var d = 0; d < 40; d++)
        {
            await monitor.ObserveAsync(new CustomerEvent("a", t.AddDays(d), CustomerEventType.Login, null, $"l{d}"), ct);
        }

        // Two failed payments: the critical symptom begins, one alert names it; a third changes nothing.
        await monitor.ObserveAsync(new CustomerEvent("a", t.AddDays(40), CustomerEventType.PaymentFailure, null, "f1"), ct);
        Assert.Empty(sink.Alerts);
        await monitor.ObserveAsync(new CustomerEvent("a", t.AddDays(41), CustomerEventType.PaymentFailure, null, "f2"), ct);
        await monitor.ObserveAsync(new CustomerEvent("a", t.AddDays(42), CustomerEventType.PaymentFailure, null, "f3"), ct);
        var alert = Assert.Single(sink.Alerts);
        Assert.Equal("billing", alert.Symptom);
        Assert.Equal(t.AddDays(41), alert.RaisedAt);
        Assert.StartsWith("critical symptom", alert.Message, StringComparison.Ordinal);
        Assert.Contains(alert.Assessment.Symptoms, s => s.RuleId == "billing" && s.Severity == SymptomSeverity.Critical);

        // Another critical rule beginning is a new alert, although the first's cooldown runs.
        await monitor.ObserveAsync(new CustomerEvent("a", t.AddDays(43), CustomerEventType.Complaint, null, "c1"), ct);
        Assert.Equal(["billing", "angry"], sink.Alerts.Select(a => a.Symptom));

        // The billing run ends after 30 days; a new run within the cooldown raises nothing, one after it does.
        for (var d = 44; d < 75; d++)
        {
            await monitor.ObserveAsync(new CustomerEvent("a", t.AddDays(d), CustomerEventType.Login, null, $"m{d}"), ct);
        }

        Assert.DoesNotContain(monitor.Current("a")!.Symptoms, s => s.RuleId == "billing");
        await monitor.ObserveAsync(new CustomerEvent("a", t.AddDays(75), CustomerEventType.PaymentFailure, null, "f4"), ct);
        await monitor.ObserveAsync(new CustomerEvent("a", t.AddDays(75).AddHours(1), CustomerEventType.PaymentFailure, null, "f5"), ct);
        Assert.Contains(monitor.Current("a")!.Symptoms, s => s.RuleId == "billing");
        Assert.Equal(3, sink.Alerts.Count);
        Assert.Equal(("billing", t.AddDays(75).AddHours(1)), (sink.Alerts[2].Symptom, sink.Alerts[2].RaisedAt));
    }

    [Fact]
    public async Task Alerts_GoToTheOwner_ElseTheSegmentsTeam_ElseTheDefaultOwner()
    {
        var pipeline = ChurnPipeline.CreateBuilder().WithModel(TestBase.Model).WithRiskLevels(o => (o.Medium, o.High, o.Critical) = (0.01, 0.02, 0.99)).WithSegmenter(new ByPlan()).Configure(o => o.PredictValue = false).Build();
        var profiles = new Dictionary<CustomerId, CustomerProfile>
        {
            ["owned"] = new CustomerProfile("owned") { Owner = "am-01", Attributes = new Dictionary<string, string> { ["plan"] = "gold" } },
            ["gold"] = new CustomerProfile("gold") { Attributes = new Dictionary<string, string> { ["plan"] = "gold" } },
            ["nobody"] = new CustomerProfile("nobody"),
        };
        var sink = new InMemoryAlertSink();
        using var monitor = new ChurnMonitor(
            pipeline,
            new MonitorOptions { AlertLevel = RiskLevel.Medium, OwnersBySegment = new Dictionary<string, string> { ["gold"] = "team-gold" }, DefaultOwner = "retention-desk" },
            [sink],
            id => profiles.GetValueOrDefault(id));
        foreach (var id in profiles.Keys)
        {
            await monitor.ObserveAsync(new CustomerEvent(id, Epoch, CustomerEventType.PaymentFailure, null, "p-" + id), TestContext.Current.CancellationToken);
        }

        var owners = sink.Alerts.ToDictionary(a => a.Assessment.CustomerId, a => a.Owner);
        Assert.Equal("am-01", owners["owned"]);
        Assert.Equal("team-gold", owners["gold"]);
        Assert.Equal("retention-desk", owners["nobody"]);
    }

    [Fact]
    public async Task TheClock_ReassessesEveryone_AsTimePasses()
    {
        var pipeline = Pipeline();
        var clock = new FakeTimeProvider(Epoch.AddDays(10));
        using var monitor = new ChurnMonitor(pipeline, new MonitorOptions { ReassessEvery = TimeSpan.FromDays(1) }, timeProvider: clock);
        var events = new[]
        {
            new CustomerEvent("a", Epoch.AddDays(1), CustomerEventType.Purchase, 30m, "1"),
            new CustomerEvent("b", Epoch.AddDays(2), CustomerEventType.Login, null, "2"),
            new CustomerEvent("b", Epoch.AddDays(9), CustomerEventType.Login, null, "3"),
        };
        foreach (var e in events)
        {
            await monitor.ObserveAsync(e, TestContext.Current.CancellationToken);
        }

        monitor.Start();
        clock.Advance(TimeSpan.FromDays(45));

        var data = CustomerData.From(events);
        foreach (var id in new CustomerId[] { "a", "b" })
        {
            var current = monitor.Current(id)!;
            Assert.Equal(clock.GetUtcNow(), current.AsOf);
            Assert.Equal(Canonicalize(pipeline.Assess(data, id, clock.GetUtcNow())), Canonicalize(current));
        }

        Assert.Equal(RiskLevel.Churned, monitor.Current("a")!.Level);
    }

    [Fact]
    public async Task ACheckpoint_AndARestart_LoseNoEvent_AndRaiseNoAlertTwice()
    {
        var random = new Random(5);
        var events = Enumerable.Range(0, 600).Select(i => new CustomerEvent($"c{random.Next(20)}", Epoch.AddHours(i * 7 + random.Next(5)), Types[random.Next(Types.Length)], random.Next(3) == 0 ? random.Next(1, 90) : null, $"e{i}")).ToList();
        var options = new MonitorOptions { AlertLevel = RiskLevel.Medium, ReorderTolerance = TimeSpan.FromHours(6), Cooldown = TimeSpan.FromDays(3) };
        var pipeline = Pipeline(ChurnDefinition.Contractual, rules: true);

        var whole = new InMemoryAlertSink();
        using (var once = new ChurnMonitor(pipeline, options, [whole]))
        {
            await once.RunAsync(events.ToAsyncEnumerable(), TestContext.Current.CancellationToken);
            var expected = events.Select(e => e.CustomerId).Distinct().Select(id => Canonicalize(once.Current(id))).ToList();

            // Stop after 350 events (some held for reordering), checkpoint, start a new monitor from it, and give it the rest.
            var first = new InMemoryAlertSink();
            var second = new InMemoryAlertSink();
            using var stream = new MemoryStream();
            using (var before = new ChurnMonitor(pipeline, options, [first]))
            {
                foreach (var e in events.Take(350))
                {
                    await before.ObserveAsync(e, TestContext.Current.CancellationToken);
                }

                Assert.True(before.Stats.Pending > 0);
                await before.WriteStateAsync(stream, TestContext.Current.CancellationToken);
            }

            using var after = new ChurnMonitor(pipeline, options, [second]);
            await after.ReadStateAsync(stream.ToArray(), TestContext.Current.CancellationToken);
            await after.RunAsync(events.Skip(350).ToAsyncEnumerable(), TestContext.Current.CancellationToken);

            Assert.Equal(expected, events.Select(e => e.CustomerId).Distinct().Select(id => Canonicalize(after.Current(id))).ToList());
            Assert.Equal(whole.Alerts.Select(a => (a.Assessment.CustomerId, a.RaisedAt, a.Assessment.Level, a.Symptom)), first.Alerts.Concat(second.Alerts).Select(a => (a.Assessment.CustomerId, a.RaisedAt, a.Assessment.Level, a.Symptom)));
            Assert.Contains(whole.Alerts, a => a.Symptom is not null);
            Assert.Equal(once.Stats with { ByLevel = [] }, after.Stats with { ByLevel = [] });
            Assert.Equal(once.Stats.ByLevel, after.Stats.ByLevel);
            await Assert.ThrowsAsync<FormatException>(() => new ChurnMonitor(pipeline, options).ReadStateAsync(stream.ToArray().AsMemory(0, 40), TestContext.Current.CancellationToken));
        }
    }

    [Fact]
    public async Task TheWriter_AppliesWhatIsPosted_WithBackpressure_AndDependencyInjectionBuildsTheMonitor()
    {
        var services = new ServiceCollection();
        var sink = new InMemoryAlertSink();
        services.AddSingleton<IAlertSink>(sink);
        services.AddChurn(churn => churn.UseModel(TestBase.Model).AddPipeline(o => o.PredictValue = false).AddMonitoring(o => o.ChannelCapacity = 4));
        await using var provider = services.BuildServiceProvider();
        var monitor = provider.GetRequiredService<ChurnMonitor>();

        var run = monitor.RunAsync(TestContext.Current.CancellationToken);
        for (var i = 0; i < 50; i++)
        {
            await monitor.Writer.WriteAsync(new CustomerEvent($"c{i % 5}", Epoch.AddDays(i), CustomerEventType.Login, null, $"w{i}"), TestContext.Current.CancellationToken);
        }

        monitor.Writer.Complete();
        await run;

        Assert.Equal(50, monitor.Stats.Events);
        Assert.Equal(5, monitor.Stats.Customers);
        Assert.Throws<ArgumentException>(() => new ChurnMonitor(Pipeline(), new MonitorOptions { DuplicateMemory = -1 }));
    }
}

internal sealed class ByPlan : ISegmenter
{
    public string Segment(CustomerSnapshot snapshot, CustomerProfile? profile, RiskAssessment assessment) => profile?.Attributes.TryGetValue("plan", out var plan) == true ? plan : "unknown";
}

internal static class AsyncStreams
{
    public static async IAsyncEnumerable<T> ToAsyncEnumerable<T>(this IEnumerable<T> items)
    {
        foreach (var item in items)
        {
            await Task.Yield();
            yield return item;
        }
    }
}
