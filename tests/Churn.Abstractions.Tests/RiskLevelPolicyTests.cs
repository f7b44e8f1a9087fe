using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Churn.Abstractions.Tests;

public sealed class RiskLevelPolicyTests
{
    private static readonly DateTimeOffset T = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static Symptom Critical(string id = "payment_trouble") => new(id, SymptomSeverity.Critical, T, id);

    private static Symptom Recap(int components) =>
        new(string.Empty, SymptomSeverity.Recapitulative, T, "minor symptoms add up") { Weight = 3.2, Components = [.. Enumerable.Range(0, components).Select(i => new Symptom("m" + i, SymptomSeverity.Minor, T, "m"))] };

    [Theory]
    [InlineData(0.05, RiskLevel.Low, "below the medium cut-off 0.1")]
    [InlineData(0.1, RiskLevel.Medium, "at least the medium cut-off 0.1")]
    [InlineData(0.3, RiskLevel.High, "at least the high cut-off 0.3")]
    [InlineData(0.6, RiskLevel.Critical, "at least the critical cut-off 0.6")]
    public void Decide_ByProbability_SaysWhichCutOff(double p, RiskLevel level, string reason)
    {
        var decision = new RiskLevelPolicy().Decide(p, []);

        Assert.Equal(level, decision.Level);
        Assert.Contains(reason, decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_SymptomsLiftTheLevel_AndSaySo()
    {
        var policy = new RiskLevelPolicy();

        var critical = policy.Decide(0.02, [Critical()]);
        var recap = policy.Decide(0.02, [Recap(3)]);
        var both = policy.Decide(0.02, [Recap(3), Critical()]);
        var already = policy.Decide(0.7, [Critical()]);
        var noModel = policy.Decide(null, [Critical("complaint")]);

        Assert.Equal(RiskLevel.High, critical.Level);
        Assert.Contains("critical symptom 'payment_trouble' lifts the level to high (the probability alone gives low)", critical.Reason, StringComparison.Ordinal);
        Assert.Equal(RiskLevel.Medium, recap.Level);
        Assert.Contains("3 of them", recap.Reason, StringComparison.Ordinal);
        Assert.Equal(RiskLevel.High, both.Level);
        Assert.Equal(RiskLevel.Critical, already.Level);
        Assert.Contains("critical cut-off", already.Reason, StringComparison.Ordinal);
        Assert.Equal(RiskLevel.High, noModel.Level);
        Assert.Contains("no probability", noModel.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_SymptomLevelsAreConfigurable_AndCheckedNamingTheMember()
    {
        var policy = new RiskLevelPolicy(new RiskLevelPolicyOptions { CriticalSymptomLevel = RiskLevel.Critical, RecapitulativeSymptomLevel = RiskLevel.High });

        Assert.Equal(RiskLevel.Critical, policy.Decide(0, [Critical()]).Level);
        Assert.Equal(RiskLevel.High, policy.Decide(0, [Recap(2)]).Level);
        Assert.Contains("High", Assert.Throws<ArgumentException>(() => new RiskLevelPolicy(new RiskLevelPolicyOptions { Medium = 0.5, High = 0.4 })).Message, StringComparison.Ordinal);
        Assert.Contains("Critical", Assert.Throws<ArgumentException>(() => new RiskLevelPolicy(new RiskLevelPolicyOptions { Critical = 1.5 })).Message, StringComparison.Ordinal);
        Assert.Contains("CriticalSymptomLevel", Assert.Throws<ArgumentException>(() => new RiskLevelPolicy(new RiskLevelPolicyOptions { CriticalSymptomLevel = RiskLevel.Churned })).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WithHigh_KeepsTheCutOffsInOrder()
    {
        var policy = new RiskLevelPolicy().WithHigh(0.05);

        Assert.Equal((0.05, 0.05, 0.6), (policy.Medium, policy.High, policy.Critical));
        Assert.Equal(0.8, new RiskLevelPolicy().WithHigh(0.8).Critical);
    }

    [Fact]
    public void Churned_IsReportedWithWhenAndHow()
    {
        var decision = RiskLevelPolicy.Churned(new DateTimeOffset(2025, 9, 12, 0, 0, 0, TimeSpan.Zero), "cancelled the subscription");

        Assert.Equal(RiskLevel.Churned, decision.Level);
        Assert.Equal("cancelled the subscription on 2025-09-12: already churned, not scored", decision.Reason);
        Assert.Equal("churned", RiskLevelPolicy.Name(RiskLevel.Churned));
    }

    [Property(MaxTest = 500)]
    public Property Decide_IsMonotoneInProbability_AndNeverBelowHighWithACriticalSymptom() =>
        Prop.ForAll(Gen.Choose(0, 1000).ToArbitrary(), Gen.Choose(0, 1000).ToArbitrary(), Gen.Elements(0, 1, 2, 3).ToArbitrary(), (a, b, kind) =>
        {
            var policy = new RiskLevelPolicy();
            IReadOnlyList<Symptom> symptoms = kind switch { 1 => [Critical()], 2 => [Recap(2)], 3 => [Recap(2), Critical()], _ => [] };
            var (low, high) = (Math.Min(a, b) / 1000.0, Math.Max(a, b) / 1000.0);
            var x = policy.Decide(low, symptoms).Level;
            var y = policy.Decide(high, symptoms).Level;
            return x <= y && (kind is not (1 or 3) || x >= RiskLevel.High) && (kind == 0 || x >= RiskLevel.Medium) && x != RiskLevel.Churned;
        });
}
