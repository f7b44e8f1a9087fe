using Churn.Abstractions;
using Churn.Interventions;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Churn.Interventions.Tests;

public sealed class HoldoutTests
{
    private const string Key = "churn-sdk-holdout-test-key";
    private static readonly DateTimeOffset At = new(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);

    private static Holdout Make(double share, HoldoutPeriod period = HoldoutPeriod.Never, string key = Key) => new(new HoldoutOptions { Key = key, Share = share, Period = period });

    /// <summary>Draws computed with Python's hmac module (HMAC-SHA256 of customer \0 playbook \0 period, top 53 bits over 2^53): the same on any machine and in any language.</summary>
    [Theory]
    [InlineData("C00000001", "win-back", "all", 0.4792119284982401)]
    [InlineData("C00000002", "win-back", "2026-12", 0.9881781118001124)]
    [InlineData("cé-7", "welcome", "2026-W49", 0.4109883566222098)]
    [InlineData("C00000001", "welcome", "all", 0.5892485883168672)]
    public void TheDraw_IsTheKeyedHash_AnotherImplementationComputes(string customer, string playbook, string period, double expected) =>
        Assert.Equal(expected, Make(0.1).Draw(customer, playbook, period));

    [Theory]
    [InlineData(0.05)]
    [InlineData(0.1)]
    [InlineData(0.25)]
    [InlineData(0.5)]
    public void OnAHundredThousandCustomers_TheShareHeldOut_IsWithinOnePercentOfTheSetting(double share)
    {
        var holdout = Make(share);
        var held = Enumerable.Range(0, 100_000).Count(i => holdout.IsHeldOut($"C{i:D8}", "win-back", At));
        Assert.InRange(held / 100_000.0, share - 0.01, share + 0.01);
    }

    [Fact]
    public void TwoPlaybooks_DrawIndependently_AndAnotherKeyDrawsOthers()
    {
        var holdout = Make(0.2);
        var ids = Enumerable.Range(0, 50_000).Select(i => new CustomerId($"C{i:D8}")).ToList();
        var winBack = ids.Where(id => holdout.IsHeldOut(id, "win-back", At)).ToHashSet();
        var welcome = ids.Where(id => holdout.IsHeldOut(id, "welcome", At)).ToHashSet();
        var otherKey = ids.Where(id => Make(0.2, key: Key + "-rotated").IsHeldOut(id, "win-back", At)).ToHashSet();

        // Independent draws overlap in about share² of the customers (0.04 × 50,000 = 2,000).
        Assert.InRange(winBack.Intersect(welcome).Count(), 1_700, 2_300);
        Assert.InRange(winBack.Intersect(otherKey).Count(), 1_700, 2_300);
    }

    [Property(MaxTest = 300)]
    public Property TheSameCustomers_OnEveryRun_ALargerShareHoldsOutEveryoneASmallerOneDid_AndPeriodsRedraw() =>
        Prop.ForAll(Gen.Choose(0, 1_000_000).ToArbitrary(), Gen.Choose(0, 100).ToArbitrary(), Gen.Choose(0, 100).ToArbitrary(), (n, a, b) =>
        {
            var id = new CustomerId($"C{n}");
            var (small, large) = (Math.Min(a, b) / 100.0, Math.Max(a, b) / 100.0);
            var again = Make(small).IsHeldOut(id, "p", At) == Make(small).IsHeldOut(id, "p", At);
            var nested = !Make(small).IsHeldOut(id, "p", At) || Make(large).IsHeldOut(id, "p", At);
            var monthly = Make(0.5, HoldoutPeriod.Monthly);

            // Within a month the same draw; the next month another one (the period is part of the hash).
            var sameMonth = monthly.IsHeldOut(id, "p", At) == monthly.IsHeldOut(id, "p", At.AddDays(20));
            var nextMonth = monthly.Draw(id, "p", "2027-01") != monthly.Draw(id, "p", "2026-12");
            return again && nested && sameMonth && nextMonth;
        });

    [Fact]
    public void Periods_AreNamedByTheCalendar_InUtc()
    {
        var instant = new DateTimeOffset(2027, 1, 1, 0, 30, 0, TimeSpan.FromHours(2)); // 2026-12-31 22:30 UTC
        Assert.Equal("2026-12", Holdout.PeriodOf(instant, HoldoutPeriod.Monthly));
        Assert.Equal("2026-Q4", Holdout.PeriodOf(instant, HoldoutPeriod.Quarterly));
        Assert.Equal("2026-W53", Holdout.PeriodOf(instant, HoldoutPeriod.Weekly));
        Assert.Equal("all", Holdout.PeriodOf(instant, HoldoutPeriod.Never));
    }

    [Fact]
    public void TheAssignment_NamesPlaybookAndPeriod_ZeroAndOneAreNobodyAndEverybody_AndBadOptionsAreRefused()
    {
        var monthly = Make(0.1, HoldoutPeriod.Monthly);
        var assignment = monthly.Assign("C00000002", "win-back", At);
        Assert.Equal(("win-back/2026-12", false, At), (assignment.Experiment, assignment.IsHoldout, assignment.AssignedAt));
        Assert.True(Make(1).IsHeldOut("C1", "p", At));
        Assert.False(Make(0).IsHeldOut("C1", "p", At));
        Assert.Throws<ArgumentException>(() => Make(0.1, key: "short"));
        Assert.Throws<ArgumentException>(() => Make(1.5));
        Assert.Throws<ArgumentException>(() => Make(0.1).Draw(default, "p", "all"));

        var services = new ServiceCollection();
        services.AddChurn(c => c.AddInterventions(o => (o.Key, o.Share) = (Key, 0.25)));
        using var provider = services.BuildServiceProvider();
        Assert.Equal(0.25, provider.GetRequiredService<Holdout>().Options.Share);
        var bad = new ServiceCollection();
        bad.AddChurn(c => c.AddInterventions(o => o.Key = "short"));
        using var badProvider = bad.BuildServiceProvider();
        Assert.Throws<OptionsValidationException>(() => badProvider.GetRequiredService<IOptions<HoldoutOptions>>().Value);
    }
}
