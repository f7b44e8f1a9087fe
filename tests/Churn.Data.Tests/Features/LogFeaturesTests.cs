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
