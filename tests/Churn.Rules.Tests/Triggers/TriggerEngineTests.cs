using Churn.Abstractions;
using Churn.Rules;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.Extensions.Time.Testing;

namespace Churn.Rules.Tests.Triggers;

public sealed class TriggerEngineTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly EventTrigger[] Triggers =
    [
        new CountTrigger("failures", CustomerEventType.PaymentFailure, 3, TimeSpan.FromDays(7)),
        new InactivityTrigger("no_login", [CustomerEventType.Login], TimeSpan.FromDays(14)),
        new ScoreDropTrigger("feedback_drop", CustomerEventType.Feedback, 3),
    ];

    private static CustomerEvent Failure(double day, string? id = null) => new("c1", T0.AddDays(day), CustomerEventType.PaymentFailure, EventId: id);

    [Fact]
    public void Count_ThreeFailuresWithinSevenDays_FiresOnce()
    {
        var engine = new TriggerEngine(Triggers, new FakeTimeProvider(T0));

        Assert.Empty(engine.OnEvent(Failure(0)));
        Assert.Empty(engine.OnEvent(Failure(3)));
        var fired = Assert.Single(engine.OnEvent(Failure(6.5)));
        Assert.Empty(engine.OnEvent(Failure(6.8))); // same burst

        Assert.Equal("failures", fired.RuleId);
        Assert.Contains("3 payment_failure events within 7 days", fired.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Count_SpreadOut_DoesNotFire()
    {
        var engine = new TriggerEngine(Triggers, new FakeTimeProvider(T0));

        Assert.Empty(new[] { 0.0, 5, 10, 15, 20 }.SelectMany(d => engine.OnEvent(Failure(d))));
    }

    [Fact]
    public void Count_OutOfOrderEvents_StillFire()
    {
        var engine = new TriggerEngine(Triggers, new FakeTimeProvider(T0));

        Assert.Empty(engine.OnEvent(Failure(10)));
        Assert.Empty(engine.OnEvent(Failure(4)));
        Assert.Single(engine.OnEvent(Failure(6)));
    }

    [Fact]
    public void Count_DuplicateEvents_AreIgnored()
    {
        var engine = new TriggerEngine(Triggers, new FakeTimeProvider(T0));

        Assert.Empty(engine.OnEvent(Failure(0, "e1")));
        Assert.Empty(engine.OnEvent(Failure(1, "e2")));
        Assert.Empty(engine.OnEvent(Failure(1, "e2")));
        Assert.Single(engine.OnEvent(Failure(0.5))); // the third distinct failure
        Assert.Empty(engine.OnEvent(Failure(0.5))); // the same failure again (no id: same type, time and amount)
    }

    [Property(MaxTest = 200)]
    public Property Count_FiresIffSomeWindowHoldsEnough_WhateverTheOrder() =>
        Prop.ForAll(Gen.ArrayOf(Gen.Choose(0, 60)).ToArbitrary(), Gen.Choose(0, 1000).ToArbitrary(), (days, seed) =>
        {
            var distinct = days.Distinct().ToArray();
            var shuffled = distinct.OrderBy(_ => new Random(seed).Next()).ToArray();
            var engine = new TriggerEngine([Triggers[0]], new FakeTimeProvider(T0));
            var fired = shuffled.SelectMany(d => engine.OnEvent(Failure(d))).Any();
            var sorted = distinct.Order().ToArray();
            var expected = sorted.Select((d, i) => sorted.Count(e => e >= d && e <= d + 7)).DefaultIfEmpty(0).Max() >= 3;
            return fired == expected;
        });

    [Fact]
    public void Inactivity_FiresAfterSilence_OncePerSilence()
    {
        var time = new FakeTimeProvider(T0);
        var engine = new TriggerEngine(Triggers, time);
        engine.OnEvent(new CustomerEvent("c1", T0, CustomerEventType.Login));
        engine.OnEvent(new CustomerEvent("c1", T0.AddDays(-5), CustomerEventType.Login)); // late arrival of an older login

        time.Advance(TimeSpan.FromDays(13));
        Assert.Empty(engine.CheckInactivity());
        time.Advance(TimeSpan.FromDays(2));
        var (customer, symptom) = Assert.Single(engine.CheckInactivity());
        Assert.Empty(engine.CheckInactivity());
        engine.OnEvent(new CustomerEvent("c1", time.GetUtcNow(), CustomerEventType.Login));
        time.Advance(TimeSpan.FromDays(15));

        Assert.Equal("c1", customer.Value);
        Assert.Contains("15 days", symptom.Explanation, StringComparison.Ordinal);
        Assert.Single(engine.CheckInactivity());
    }

    [Fact]
    public void ScoreDrop_ComparesNeighboursInTimeOrder()
    {
        var engine = new TriggerEngine(Triggers, new FakeTimeProvider(T0));
        CustomerEvent Score(double day, decimal s) => new("c1", T0.AddDays(day), CustomerEventType.Feedback, s);

        Assert.Empty(engine.OnEvent(Score(0, 9)));
        Assert.Empty(engine.OnEvent(Score(20, 8)));
        var fired = Assert.Single(engine.OnEvent(Score(10, 5))); // arrives late, between 9 and 8
        Assert.Empty(engine.OnEvent(Score(10, 5))); // duplicate

        Assert.Contains("from 9 to 5", fired.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_InvalidTriggers_AreRejected()
    {
        Assert.Throws<ArgumentException>(() => new TriggerEngine([new CountTrigger("x", CustomerEventType.Login, 0, TimeSpan.FromDays(1))], TimeProvider.System));
        Assert.Throws<ArgumentException>(() => new TriggerEngine([Triggers[0], Triggers[0]], TimeProvider.System));
    }
}
