using Churn.Abstractions;
using Churn.Data;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Churn.Data.Tests.Features;

public sealed class LogFeaturesTests
{
    [Property(MaxTest = 100)]
    public Property History_FeaturesAtAnyInstant_EqualTheSnapshotThen() =>
        Prop.ForAll(Generators.Events(), Gen.Choose(0, 400).ToArbitrary(), Gen.Choose(0, 400).ToArbitrary(), (events, a, b) =>
        {
            var log = EventLogBuilder.Build(events);
            var builder = new FeatureBuilder();
            var features = builder.For(log);
            var (earlier, asOf) = (Generators.Epoch.AddDays(Math.Min(a, b)), Generators.Epoch.AddDays(Math.Max(a, b)));
            var values = new double[builder.Schema.Count];
            return Enumerable.Range(0, log.CustomerCount).All(c =>
            {
                var history = features.History(c, asOf, null);
                history.FeaturesAt(earlier, values);
                var expected = builder.Build(log, log.Customers[c], earlier).Values.ToArray();
                var first = log.Timeline(c).Ticks[0];
                return values.AsSpan().SequenceEqual(expected)
                    && history.FirstSeen == (first <= asOf.UtcTicks ? new DateTimeOffset(first, TimeSpan.Zero) : null);
            });
        });

    [Property(MaxTest = 200)]
    public Property ComputeSeries_EqualsOneSnapshotPerInstant_BitForBit() =>
        Prop.ForAll(Generators.Events(days: 300), Gen.ArrayOf(Gen.Choose(0, 320)).ToArbitrary(), (events, days) =>
        {
            var log = EventLogBuilder.Build(events);
            var builder = new FeatureBuilder(new FeatureBuilderOptions { WindowDays = [7, 30, 90] }, [new DelegateFeature(new("events_seen", FeatureKind.Count, "events"), (t, _, _) => t.Count)]);
            var features = builder.For(log);
            var instants = days.Distinct().Order().Select(d => Generators.Epoch.AddDays(d).AddHours(d % 5).UtcTicks).ToArray();
            var width = builder.Schema.Count;
            var rows = new double[instants.Length * width];
            var one = new double[width];
            return Enumerable.Range(0, log.CustomerCount).All(c =>
            {
                features.ComputeSeries(c, instants, null, rows);
                return Enumerable.Range(0, instants.Length).All(k =>
                {
                    features.Compute(c, new DateTimeOffset(instants[k], TimeSpan.Zero), null, one);
                    return one.AsSpan().SequenceEqual(rows.AsSpan(k * width, width));
                });
            });
        });

    [Fact]
    public void History_RefusesInstantsAfterItsEnd_AndSeesTheSignup()
    {
        var t = Generators.Epoch;
        var log = EventLogBuilder.Build([new CustomerEvent("a", t.AddDays(10), CustomerEventType.Login)]);
        var history = new FeatureBuilder().For(log).History(0, t.AddDays(20), new CustomerProfile("a", t.AddDays(2)));

        Assert.Equal(t.AddDays(2), history.FirstSeen);
        Assert.Throws<ArgumentOutOfRangeException>(() => history.FeaturesAt(t.AddDays(21), new double[history.Schema.Count]));
        Assert.Throws<ArgumentException>(() => new FeatureBuilder().For(log).Compute(0, t, null, new double[3]));
    }

}
