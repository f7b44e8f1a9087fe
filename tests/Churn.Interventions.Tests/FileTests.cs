using Churn.Abstractions;

namespace Churn.Interventions.Tests;

public sealed class FileTests
{
    private static string Sample(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "samples", name));

    [Fact]
    public void TheSampleFiles_Read_IntoWhatTheySay()
    {
        var set = PlaybookSet.Parse(Sample("playbooks.json"), "playbooks.json");
        Assert.Equal(["payment-rescue", "complaint-follow-up", "adding-up", "rising-risk", "gold-status-call", "quarterly-nps"], set.Playbooks.Select(p => p.Id));
        Assert.Equal(new PlaybookTrigger(TriggerKind.Symptom, "payment_trouble"), set.Playbooks[0].Trigger);
        Assert.Equal(new PlaybookTrigger(TriggerKind.Level, null, RiskLevel.High), set.Playbooks[3].Trigger);
        Assert.Equal(["gold", "silver", "bronze"], set.Tiers.Select(t => t.Id));
        Assert.Equal(4m, set.ChannelCosts["phone"]);
        Assert.Equal(TimeSpan.FromDays(7), set.Contacts.Window);
        Assert.Equal(3, set.Contacts.MaxContacts);
        Assert.Single(set.Contacts.QuietPeriods);
        Assert.Equal(HoldoutPeriod.Monthly, set.Holdout!.Period);
        Assert.Equal(TimeSpan.FromHours(4), set.Playbooks[1].Steps[0].Due);
        Assert.Empty(set.Playbooks[1].Steps[2].Offers);
        Assert.Equal(new DateTimeOffset(2027, 1, 1, 9, 0, 0, TimeSpan.Zero), set.Playbooks[4].LatestOccurrence(new DateTimeOffset(2026, 12, 31, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2027, 1, 2, 0, 0, 0, TimeSpan.Zero)));

        var offers = OfferCatalog.Parse(Sample("offers.json"), "offers.json");
        Assert.Equal(4, offers.Offers.Count);
        Assert.Equal(100m, offers.LimitFor("anything", "gold"));
        Assert.Equal(20m, offers.LimitFor("anything", "bronze"));
        offers.TryGet("loyalty-credit", out var credit);
        Assert.Equal("head-of-retention", offers.Authorize("C1", credit, "x", "gold", new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero)).Approval?.ApprovedBy);
        Assert.False(offers.Authorize("C1", credit, "x", "gold", new DateTimeOffset(2027, 4, 1, 0, 0, 0, TimeSpan.Zero)).Allowed);
        Assert.False(offers.Authorize("C1", credit, "x", "silver", new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero)).Allowed);
        _ = new InterventionPlanner(set, offers, new Holdout(set.Holdout));
    }

    [Theory]
    [InlineData("{\"playbooks\": [", "line 1, column")]
    [InlineData("{\"version\": \"2\", \"playbooks\": []}", "$.version: version '2' is not known")]
    [InlineData("{\"playbooks\": [{\"id\": \"a\", \"kind\": \"proactive\", \"schedule\": \"61 * * * *\", \"steps\": [{\"task\": \"t\"}]}]}", "$.playbooks[0]: Playbook 'a': the schedule '61 * * * *' is not a cron expression")]
    [InlineData("{\"playbooks\": [{\"id\": \"a\", \"kind\": \"reactive\", \"trigger\": {\"symptom\": \"x\"}, \"steps\": [{\"task\": \"t\", \"dew\": \"P1D\"}]}]}", "$.playbooks[0].steps[0].dew: 'dew' is not a known field (did you mean 'due'?)")]
    [InlineData("{\"playbooks\": [{\"id\": \"a\", \"kind\": \"reactive\", \"trigger\": {\"level\": \"hihg\"}, \"steps\": [{\"task\": \"t\"}]}]}", "$.playbooks[0].trigger.level: 'hihg' is not a level")]
    [InlineData("{\"playbooks\": [{\"id\": \"a\", \"kind\": \"reactive\", \"trigger\": {\"symptom\": \"x\"}, \"when\": \"probability >= \", \"steps\": [{\"task\": \"t\"}]}]}", "$.playbooks[0].when: line 1, column")]
    [InlineData("{\"playbooks\": [{\"id\": \"a\", \"kind\": \"reactive\", \"trigger\": {\"symptom\": \"x\"}, \"steps\": [{\"task\": \"t\", \"due\": \"7 days\"}]}]}", "'7 days' is not an ISO 8601 duration")]
    [InlineData("{\"playbooks\": [{\"id\": \"a\", \"kind\": \"reactive\", \"trigger\": {\"symptom\": \"x\"}, \"steps\": [{\"poll\": \"nps\"}]}]}", "sends poll 'nps', which is not declared")]
    [InlineData("{\"playbooks\": [{\"id\": \"a b\", \"kind\": \"reactive\", \"steps\": []}]}", "$.playbooks[0].id: 'a b' is not a valid id")]
    public void ABadPlaybooksFile_SaysWhereAndWhy(string json, string expected)
    {
        var ex = Assert.Throws<InterventionFileException>(() => PlaybookSet.Parse(json, "p.json"));
        Assert.StartsWith("p.json: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"offers\": [{\"id\": \"a\", \"cost\": 5, \"eligibility\": \"value >> 3\"}]}", "Offer 'a': eligibility, line 1, column")]
    [InlineData("{\"offers\": [{\"id\": \"a\", \"cost\": 5, \"eligibility\": \"tenure > 3\"}]}", "Offer 'a': eligibility")]
    [InlineData("{\"offers\": [{\"id\": \"a\", \"cost\": -5}]}", "its cost is negative")]
    [InlineData("{\"offers\": [{\"id\": \"a\", \"cost\": 5, \"acceptance\": 1.5}]}", "$.offers[0].acceptance: 1.5 is outside [0, 1]")]
    [InlineData("{\"offers\": [{\"id\": \"a\", \"cost\": 5}], \"approvals\": [{\"id\": \"x\", \"approvedBy\": \"me\", \"maxCost\": 9, \"offer\": \"b\"}]}", "Approval 'x' is for offer 'b', which is not in the catalogue")]
    [InlineData("{\"offers\": [{\"id\": \"a\", \"cost\": 5}], \"limits\": [{\"tier\": \"gold\", \"maxCost\": 9}, {\"segment\": \"*\", \"tier\": \"gold\", \"maxCost\": 3}]}", "Two compensation limits for segment '*' and tier 'gold'")]
    [InlineData("{\"offers\": [{\"id\": \"a\", \"cost\": \"5\"}]}", "$.offers[0].cost: expected a number, found a string")]
    public void ABadOffersFile_SaysWhereAndWhy(string json, string expected)
    {
        var ex = Assert.Throws<InterventionFileException>(() => OfferCatalog.Parse(json, "o.json"));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheMostSpecificLimitWins_AndWithoutAnyLimit_EveryOfferNeedsApproval()
    {
        var offers = new OfferCatalog(
            [new Offer("a", 30m)],
            [new CompensationLimit("*", "*", 10m), new CompensationLimit("vip", "*", 20m), new CompensationLimit("*", "gold", 25m), new CompensationLimit("vip", "gold", 40m)]);
        Assert.Equal(10m, offers.LimitFor("x", "bronze"));
        Assert.Equal(20m, offers.LimitFor("vip", "bronze"));
        Assert.Equal(25m, offers.LimitFor("x", "gold"));
        Assert.Equal(40m, offers.LimitFor("vip", "gold"));
        Assert.Equal(0m, new OfferCatalog([new Offer("a", 1m)]).LimitFor("x", "y"));
        Assert.False(new OfferCatalog([new Offer("a", 1m)]).Authorize("c", new Offer("a", 1m), "x", "y", DateTimeOffset.UnixEpoch).Allowed);
    }

    [Fact]
    public void TheFluentBuilder_AndTheFile_MakeTheSamePlaybook()
    {
        const string json = """
            {"playbooks": [{"id": "rescue", "kind": "reactive", "trigger": {"symptom": "payment_trouble"}, "owner": "desk", "uplift": 0.08,
              "tiers": ["gold"], "steps": [{"contact": "call", "channels": ["phone", "email"]}, {"offer": ["x"]}]}]}
            """;
        var file = PlaybookSet.Parse(json).Playbooks[0];
        var built = PlaybookBuilder.Reactive("rescue").OnSymptom("payment_trouble").OwnedBy("desk").WithUplift(0.08).ForTiers("gold").Contact("call", "phone", "email").Offer("x").Build();
        Assert.Equal(file.Trigger, built.Trigger);
        Assert.Equal(file.Owner, built.Owner);
        Assert.Equal(file.Uplift, built.Uplift);
        Assert.Equal(file.Tiers, built.Tiers);
        Assert.Equal(file.Steps.Select(s => (s.Kind, s.Action, string.Join(",", s.Channels), string.Join(",", s.Offers))), built.Steps.Select(s => (s.Kind, s.Action, string.Join(",", s.Channels), string.Join(",", s.Offers))));
    }

    [Fact]
    public void AScheduleThatOccursTooOften_IsRefusedWithinItsBound_NotWalkedForever()
    {
        var pb = PlaybookBuilder.Proactive("every-second", "* * * * * *").Task("t").Build();
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        Assert.Equal(start.AddSeconds(100), pb.LatestOccurrence(start, start.AddSeconds(100)));
        Assert.Throws<InvalidOperationException>(() => pb.LatestOccurrence(start, start.AddDays(2)));
    }
}
