using Churn.Abstractions;
using Churn.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Churn.Interventions.Tests;

public sealed class ServiceTests
{
    private static readonly string Samples = Path.Combine(AppContext.BaseDirectory, "samples");

    [Fact]
    public async Task AddInterventions_WiresThePlannerFromTheFiles_ThePolicy_TheService_AndTheMonitorsAlertsIntoTheNextPlan()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        services.AddChurn(c => c.AddInMemoryStore().AddInterventions(
            h => (h.Key, h.Share) = (World.Key, 0),
            o => (o.PlaybooksFile, o.OffersFile) = (Path.Combine(Samples, "playbooks.json"), Path.Combine(Samples, "offers.json"))));
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        var planner = provider.GetRequiredService<InterventionPlanner>();
        Assert.Same(planner, provider.GetRequiredService<IInterventionPolicy>());
        Assert.Equal(6, planner.Playbooks.Playbooks.Count);
        var service = provider.GetRequiredService<InterventionService>();

        // An alert sent to the registered sinks (as the monitor does) starts the next plan's alert playbook.
        var playbooks = new PlaybookSet([PlaybookBuilder.Reactive("on-alert").OnAlert().Task("call").Build()]);
        var inbox = provider.GetRequiredService<AlertInbox>();
        Assert.Contains(provider.GetServices<IAlertSink>(), s => ReferenceEquals(s, inbox));
        var a = new RiskAssessment("C1", clock.GetUtcNow(), 0.7, RiskLevel.High) { Value = new CustomerValue(500) };
        foreach (var sink in provider.GetServices<IAlertSink>())
        {
            await sink.SendAsync(new ChurnAlert(a, null, clock.GetUtcNow(), "rose"), TestContext.Current.CancellationToken);
        }

        using var alertService = new InterventionService(new InterventionPlanner(playbooks, new OfferCatalog([]), provider.GetRequiredService<Holdout>()), provider.GetRequiredService<IInterventionStore>(), clock, inbox: inbox);
        clock.Advance(TimeSpan.FromHours(1));
        var plan = await alertService.RunAsync([new PlanCustomer(a), new PlanCustomer(a with { CustomerId = "C2" })], cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(["C1"], plan.Items.Select(i => i.CustomerId.Value));
        Assert.Equal(0, inbox.Count);
        Assert.Empty((await alertService.RunAsync([new PlanCustomer(a)], cancellationToken: TestContext.Current.CancellationToken)).Items);
        Assert.Same(planner, service.Planner);
    }

    [Fact]
    public void AddInterventions_RefusesAMissingFileOrNeitherSource_WhenTheHostStarts()
    {
        var services = new ServiceCollection();
        services.AddChurn(c => c.AddInMemoryStore().AddInterventions(h => h.Key = World.Key, o => o.OffersFile = "missing.json"));
        using var provider = services.BuildServiceProvider();
        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<InterventionOptions>>().Value);
        Assert.Contains("PlaybooksFile / Playbooks: set exactly one", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'missing.json' does not exist", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARepresentative_MayOfferWithinTheLimit_AboveItOnlyWithACoveringApproval_WhichTheDecisionRecords()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));
        var set = new PlaybookSet([PlaybookBuilder.Reactive("x").OnLevel(RiskLevel.High).Task("t").Build()]) { Tiers = [new ValueTier("gold", 1000), new ValueTier("bronze", 0)] };
        var offers = new OfferCatalog(
            [new Offer("small", 10m), new Offer("big", 200m) { PerCustomerCap = 1 }, new Offer("vip-only", 5m) { Eligibility = "tier == \"gold\"" }],
            [new CompensationLimit("*", "*", 20m)]);
        var store = new InMemoryChurnStore();
        using var service = new InterventionService(new InterventionPlanner(set, offers, new Holdout(new HoldoutOptions { Key = World.Key })), store, clock);
        var customer = new PlanCustomer(new RiskAssessment("C1", clock.GetUtcNow(), 0.4, RiskLevel.High) { Value = new CustomerValue(300), Segment = "smb" });

        var small = await service.RecordOfferAsync(customer, "small", "rep-1", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Null(small.ApprovedBy);
        var above = await Assert.ThrowsAsync<InvalidOperationException>(() => service.RecordOfferAsync(customer, "big", "rep-1", cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("above the limit 20 for segment 'smb' and tier 'bronze': it needs an approval", above.Message, StringComparison.Ordinal);
        var narrow = new OfferApproval("T-1", "lead", 100m);
        Assert.Contains("does not cover", (await Assert.ThrowsAsync<InvalidOperationException>(() => service.RecordOfferAsync(customer, "big", "rep-1", narrow, TestContext.Current.CancellationToken))).Message, StringComparison.Ordinal);
        Assert.Contains("not eligible", (await Assert.ThrowsAsync<InvalidOperationException>(() => service.RecordOfferAsync(customer, "vip-only", "rep-1", cancellationToken: TestContext.Current.CancellationToken))).Message, StringComparison.Ordinal);

        var approved = await service.RecordOfferAsync(customer, "big", "rep-1", new OfferApproval("T-2", "head-of-retention", 250m) { CustomerId = "C1" }, TestContext.Current.CancellationToken);
        Assert.Equal("head-of-retention", approved.ApprovedBy);
        clock.Advance(TimeSpan.FromHours(1));
        Assert.Contains("already had it", (await Assert.ThrowsAsync<InvalidOperationException>(() => service.RecordOfferAsync(customer, "big", "rep-1", new OfferApproval("T-3", "head-of-retention", 250m), TestContext.Current.CancellationToken))).Message, StringComparison.Ordinal);

        var stored = new List<InterventionDecision>();
        await foreach (var d in store.ReadDecisionsAsync(cancellationToken: TestContext.Current.CancellationToken))
        {
            stored.Add(d);
        }

        Assert.Equal([(string?)null, "head-of-retention"], stored.OrderBy(d => d.Cost).Select(d => d.ApprovedBy));
    }
}
