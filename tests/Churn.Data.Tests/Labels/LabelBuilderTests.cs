using Churn.Abstractions;
using Churn.Data;

namespace Churn.Data.Tests.Labels;

public sealed class LabelBuilderTests
{
    private static readonly DateTimeOffset AsOf = new(2026, 4, 1, 0, 0, 0, TimeSpan.Zero);

    private static CustomerEvent E(string id, double days, CustomerEventType type) => new(id, AsOf.AddDays(days), type);

    private static EventLog Log() => EventLogBuilder.Build([
        E("stays", -100, CustomerEventType.SubscriptionStart), E("stays", -5, CustomerEventType.Login), E("stays", 10, CustomerEventType.Login),
        E("leaves", -100, CustomerEventType.SubscriptionStart), E("leaves", -5, CustomerEventType.Login), E("leaves", 20, CustomerEventType.SubscriptionCancel),
        E("gone", -100, CustomerEventType.SubscriptionStart), E("gone", -40, CustomerEventType.SubscriptionCancel),
        E("back", -100, CustomerEventType.SubscriptionCancel), E("back", -50, CustomerEventType.SubscriptionStart), E("back", -45, CustomerEventType.Login),
        E("future", 5, CustomerEventType.SubscriptionStart),
        E("end", 60, CustomerEventType.Login),
    ]);

    [Fact]
    public void LabelAll_Contractual_CancellationInHorizonIsChurn_AlreadyGoneIsExcluded()
    {
        var labels = new LabelBuilder().LabelAll(Log(), AsOf).ToDictionary(l => l.CustomerId.Value, l => l.Churned);

        Assert.Equal(new Dictionary<string, bool> { ["stays"] = false, ["leaves"] = true, ["back"] = false }, labels);
    }

    [Fact]
    public void LabelAll_NonContractual_NoActivityInHorizonIsChurn_InactiveAlreadyIsExcluded()
    {
        var builder = new LabelBuilder(new LabelOptions { Definition = ChurnDefinition.NonContractual, HorizonDays = 30 });

        var labels = builder.LabelAll(Log(), AsOf).ToDictionary(l => l.CustomerId.Value, l => l.Churned);

        // "back" was last active 45 days ago: already churned by the 30-day definition.
        Assert.Equal(new Dictionary<string, bool> { ["stays"] = false, ["leaves"] = true }, labels);
    }

    [Fact]
    public void Label_HorizonPastTheData_IsRefused()
    {
        var ex = Assert.Throws<ArgumentException>(() => new LabelBuilder().LabelAll(Log(), AsOf.AddDays(40)));

        Assert.Contains("ends after the data", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BuildTrainingSet_RollingDates_StacksSnapshotsWithLabels()
    {
        var log = Log();
        var labels = new LabelBuilder();
        var dates = labels.RollingAsOfDates(log, AsOf.AddDays(-60), TimeSpan.FromDays(30)).ToList();

        var set = labels.BuildTrainingSet(log, new FeatureBuilder(), dates, cancellationToken: TestContext.Current.CancellationToken);

        // The last event ("end", 60 days after AsOf) bounds the data: the horizon of the last date must fit.
        Assert.Equal([AsOf.AddDays(-60), AsOf.AddDays(-30), AsOf, AsOf.AddDays(30)], dates);
        Assert.All(set.Rows, r => Assert.Contains(r.Snapshot.AsOf, dates));
        Assert.Contains(set.Rows, r => r.Snapshot.CustomerId.Value == "leaves" && r.Snapshot.AsOf == AsOf && r.Churned);
        Assert.Contains(set.Rows, r => r.Snapshot.CustomerId.Value == "gone" && r.Snapshot.AsOf == AsOf.AddDays(-60) && r.Churned);
        Assert.DoesNotContain(set.Rows, r => r.Snapshot.CustomerId.Value == "gone" && r.Snapshot.AsOf == AsOf);
    }

    [Fact]
    public void StatusAt_Contractual_TheLatestSubscriptionEventDecides()
    {
        var log = Log();
        var labels = new LabelBuilder();
        ChurnStatus Status(string id) => labels.StatusAt(log, log.IndexOf(id), AsOf);

        Assert.Equal(new ChurnStatus(true, AsOf.AddDays(-40), "cancelled the subscription"), Status("gone"));
        Assert.False(Status("leaves").Churned);
        Assert.False(Status("back").Churned);
        Assert.False(Status("future").Churned);
        Assert.True(labels.StatusAt(log, log.IndexOf("leaves"), AsOf.AddDays(25)).Churned);
    }

    [Fact]
    public void StatusAt_NonContractual_NoActivityForTheHorizonIsChurned()
    {
        var log = Log();
        var labels = new LabelBuilder(new LabelOptions { Definition = ChurnDefinition.NonContractual, HorizonDays = 30 });

        var back = labels.StatusAt(log, log.IndexOf("back"), AsOf);
        var stays = labels.StatusAt(log, log.IndexOf("stays"), AsOf);

        Assert.True(back.Churned);
        Assert.Equal(AsOf.AddDays(-45 + 30), back.ChurnedAt);
        Assert.Equal("no activity for 30 days", back.How);
        Assert.False(stays.Churned);
    }
}
