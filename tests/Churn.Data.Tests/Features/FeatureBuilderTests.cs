using Churn.Abstractions;
using Churn.Data;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Churn.Data.Tests.Features;

public sealed class FeatureBuilderTests
{
    private static readonly DateTimeOffset AsOf = new(2026, 4, 1, 0, 0, 0, TimeSpan.Zero);

    private static CustomerEvent E(double daysBefore, CustomerEventType type, decimal? amount = null) =>
        new("a", AsOf.AddDays(-daysBefore), type, amount);

    [Fact]
    public void Build_HandComputedCustomer_MatchesEveryFeature()
    {
        var log = EventLogBuilder.Build([
            E(200, CustomerEventType.SubscriptionStart),
            E(100, CustomerEventType.Purchase, 50m),
            E(45, CustomerEventType.Purchase, 30m),
            E(10, CustomerEventType.Purchase, 20m),
            E(40, CustomerEventType.Login),
            E(35, CustomerEventType.Login),
            E(5, CustomerEventType.Login),
            E(50, CustomerEventType.Usage, 10m),
            E(20, CustomerEventType.Usage, 4m),
            E(3, CustomerEventType.SupportTicket),
            E(60, CustomerEventType.Complaint),
            E(2, CustomerEventType.PaymentFailure),
            E(80, CustomerEventType.Feedback, 9m),
            E(6, CustomerEventType.Feedback, 4m),
            E(-1, CustomerEventType.Purchase, 999m), // after as-of: invisible
        ]);
        var profile = new CustomerProfile("a", AsOf.AddDays(-365));

        var s = new FeatureBuilder().Build(log, "a", AsOf, profile);

        Assert.Equal(365, s["tenure_days"]);
        Assert.Equal(2, s["days_since_last_event"]);
        Assert.Equal(10, s["recency_days"]);
        Assert.Equal(3, s["frequency"]);
        Assert.Equal(100, s["monetary"]);
        Assert.Equal(100 / 3.0, s["avg_order_value"], 12);
        Assert.Equal(1, s["purchases_30d"]);
        Assert.Equal(20, s["spend_30d"]);
        Assert.Equal(0, s["purchases_trend_30d"]); // 1 in (0,30], 1 in (30,60]
        Assert.Equal(-10, s["spend_trend_30d"]);
        Assert.Equal(1, s["logins_30d"]);
        Assert.Equal(-1, s["logins_trend_30d"]);
        Assert.Equal(4, s["usage_30d"]);
        Assert.Equal((10 - 4) / 10.0, s["usage_decline_30d"], 12);
        Assert.Equal(1, s["tickets_7d"]);
        Assert.Equal(0, s["complaints_30d"]);
        Assert.Equal(1, s["complaints_90d"]);
        Assert.Equal(1, s["payment_failures_7d"]);
        Assert.Equal(4, s["feedback_last"]);
        Assert.Equal(6.5, s["feedback_avg"]);
        Assert.Equal(-5, s["feedback_change"]);
        Assert.Equal(5, s["days_since_last_login"]);
        Assert.Equal(3, s["days_since_last_contact"]);
        Assert.Equal(1, s["subscription_active"]);
        Assert.Equal(14, s["events_total"]);
    }

    [Fact]
    public void Build_NoFeedbackOrPurchases_GivesNaNNotZero()
    {
        var log = EventLogBuilder.Build([E(3, CustomerEventType.Login)]);

        var s = new FeatureBuilder().Build(log, "a", AsOf);

        Assert.True(double.IsNaN(s["feedback_last"]));
        Assert.True(double.IsNaN(s["recency_days"]));
        Assert.True(double.IsNaN(s["avg_order_value"]));
        Assert.Equal(3, s["tenure_days"]);
    }

    [Fact]
    public void Build_CustomFeature_IsAppendedAndSeesOnlyThePast()
    {
        var webinars = new DelegateFeature(
            new FeatureDefinition("webinars", FeatureKind.Count, "webinars attended"),
            (t, _, _) => Enumerable.Range(0, t.Count).Count(i => t.TypeAt(i).Name == "webinar"));
        var log = EventLogBuilder.Build([E(3, "webinar"), E(1, "webinar"), E(-2, "webinar")]);

        var s = new FeatureBuilder(customFeatures: [webinars]).Build(log, "a", AsOf);

        Assert.Equal("webinars", s.Schema.Features[^1].Name);
        Assert.Equal(2, s["webinars"]);
    }

    [Fact]
    public void Options_BadWindow_IsRejected()
    {
        Assert.Throws<ArgumentException>(() => new FeatureBuilder(new FeatureBuilderOptions { WindowDays = [30, 30] }));
        Assert.Throws<ArgumentException>(() => new FeatureBuilder(new FeatureBuilderOptions { WindowDays = [0] }));
    }

    [Property(MaxTest = 200)]
    public Property Snapshot_IsNeverChangedByEventsAfterAsOf() =>
        Prop.ForAll(Generators.Events(days: 200), Generators.Events(days: 200), Gen.Choose(0, 200).ToArbitrary(), (events, more, day) =>
        {
            var asOf = Generators.Epoch.AddDays(day);
            var later = more.Select(e => e with { Timestamp = asOf.AddMinutes(1) + (e.Timestamp - Generators.Epoch) }).ToArray();
            var builder = new FeatureBuilder();
            var before = builder.BuildAll(EventLogBuilder.Build(events), asOf);
            var after = builder.BuildAll(EventLogBuilder.Build(events.Concat(later)), asOf);
            return before.Count == after.Count
                && before.CustomerIds.SequenceEqual(after.CustomerIds)
                && before.Values.SequenceEqual(after.Values);
        });

    [Property(MaxTest = 100)]
    public Property BuildAll_EqualsOneByOne_AndCountsAreNonNegative() =>
        Prop.ForAll(Generators.Events(), Gen.Choose(0, 400).ToArbitrary(), (events, day) =>
        {
            var asOf = Generators.Epoch.AddDays(day);
            var log = EventLogBuilder.Build(events);
            var builder = new FeatureBuilder(new FeatureBuilderOptions { MaxDegreeOfParallelism = 2 });
            var batch = builder.BuildAll(log, asOf);
            var ok = true;
            for (var r = 0; r < batch.Count; r++)
            {
                var single = builder.Build(log, batch.CustomerIds[r], asOf);
                ok &= single.Values.SequenceEqual(batch.Row(r));
                for (var f = 0; f < batch.Schema.Count; f++)
                {
                    if (batch.Schema.Features[f].Kind is FeatureKind.Count or FeatureKind.Days)
                    {
                        ok &= double.IsNaN(single[f]) || single[f] >= 0;
                    }
                }
            }

            return ok;
        });

    [Fact]
    public void BuildAll_CustomerNotYetKnown_IsLeftOut()
    {
        var log = EventLogBuilder.Build([E(5, CustomerEventType.Login), new CustomerEvent("late", AsOf.AddDays(3), CustomerEventType.Login)]);

        var batch = new FeatureBuilder().BuildAll(log, AsOf);

        Assert.Equal(["a"], batch.CustomerIds.Select(c => c.Value));
    }

    [Fact]
    public void WriteCsv_WritesHeaderAndBlanksForMissing()
    {
        var log = EventLogBuilder.Build([E(5, CustomerEventType.Login)]);
        var batch = new FeatureBuilder(new FeatureBuilderOptions { WindowDays = [7] }).BuildAll(log, AsOf);
        var w = new StringWriter();

        batch.WriteCsv(w, TestContext.Current.CancellationToken);

        var lines = w.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("customer_id,as_of,tenure_days,days_since_last_event,recency_days,", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("a,2026-04-01T00:00:00Z,5,5,,0,0,,", lines[1], StringComparison.Ordinal);
        Assert.Equal(lines[0].Split(',').Length, lines[1].Split(',').Length);
    }
}
