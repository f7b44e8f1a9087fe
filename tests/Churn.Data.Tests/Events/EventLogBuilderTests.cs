using Churn.Abstractions;
using Churn.Data;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Churn.Data.Tests.Events;

public sealed class EventLogBuilderTests
{
    [Property(MaxTest = 200)]
    public Property Build_KeepsEveryEvent_SortedByTimePerCustomer() =>
        Prop.ForAll(Generators.Events(), events =>
        {
            var log = EventLogBuilder.Build(events);
            var ok = log.EventCount == events.Length;
            foreach (var group in events.GroupBy(e => e.CustomerId))
            {
                var c = log.IndexOf(group.Key);
                var t = log.Timeline(c);
                ok &= t.Count == group.Count();
                var ticks = t.Ticks.ToArray();
                ok &= ticks.SequenceEqual(ticks.Order());
                ok &= log.EventsOf(group.Key).Select(e => (e.Timestamp, e.Type, e.Amount))
                    .SequenceEqual(group.OrderBy(e => e.Timestamp).Select(e => (e.Timestamp, e.Type, e.Amount)));
            }

            return ok;
        });

    [Property(MaxTest = 100)]
    public Property Build_IsIndependentOfInputOrderWithinCustomer() =>
        Prop.ForAll(Generators.Events(), Gen.Choose(0, 1000).ToArbitrary(), (events, seed) =>
        {
            var shuffled = events.OrderBy(_ => new Random(seed).Next()).ToArray();
            var a = EventLogBuilder.Build(events);
            var b = EventLogBuilder.Build(shuffled);
            return a.Customers.All(c => a.EventsOf(c).Select(e => (e.Timestamp, e.Type.Name)).Order().SequenceEqual(b.EventsOf(c).Select(e => (e.Timestamp, e.Type.Name)).Order()));
        });

    [Fact]
    public void Timeline_Until_SeesNothingLater()
    {
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var log = EventLogBuilder.Build([
            new CustomerEvent("a", t0, CustomerEventType.Login),
            new CustomerEvent("a", t0.AddDays(2), CustomerEventType.Login),
            new CustomerEvent("a", t0.AddDays(1), CustomerEventType.Purchase, 3m),
        ]);

        var cut = log.TimelineAsOf(0, t0.AddDays(1));

        Assert.Equal(2, cut.Count);
        Assert.Equal(CustomerEventType.Purchase, cut.TypeAt(1));
        Assert.Equal(3.0, cut.Amounts[1]);
        Assert.Equal(t0, log.FirstEventTime);
        Assert.Equal(t0.AddDays(2), log.LastEventTime);
        Assert.Equal(18, EventLog.BytesPerEvent);
    }

    [Fact]
    public void Build_ProfilesWithoutEvents_AreCustomers()
    {
        var log = EventLogBuilder.Build([], [new CustomerProfile("lonely")]);

        Assert.Equal(1, log.CustomerCount);
        Assert.Equal(0, log.Timeline(0).Count);
    }
}
