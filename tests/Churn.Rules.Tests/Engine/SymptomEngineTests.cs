using Churn.Abstractions;
using Churn.Rules;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Churn.Rules.Tests.Engine;

public sealed class SymptomEngineTests
{
    private static readonly RuleSet Rules = RuleSet.Create("1")
        .Critical("many_tickets", "tickets_30d >= 4", "four or more tickets")
        .Minor("low_logins", "logins_30d < 20", weight: 2)
        .Minor("no_feedback", "feedback_last is null", weight: 1)
        .Build();

    private static (SymptomEngine Engine, FakeTimeProvider Time) Create(double threshold = 4, double halfLife = 10)
    {
        var time = new FakeTimeProvider(TestSchema.AsOf);
        var engine = new SymptomEngine(CompiledRuleSet.Compile(Rules, TestSchema.Schema), Options.Create(new SymptomEngineOptions { MinorThreshold = threshold, HalfLifeDays = halfLife }), time);
        return (engine, time);
    }

    [Fact]
    public void Evaluate_CriticalFiresAtOnce_AndExplainsItself()
    {
        var (engine, time) = Create();

        var symptoms = engine.Evaluate("c1", TestSchema.Input());

        var critical = Assert.Single(symptoms);
        Assert.Equal("many_tickets", critical.RuleId);
        Assert.Equal(SymptomSeverity.Critical, critical.Severity);
        Assert.Equal(time.GetUtcNow(), critical.FiredAt);
        Assert.Contains("four or more tickets", critical.Explanation, StringComparison.Ordinal);
        Assert.Contains("tickets_30d = 4", critical.Explanation, StringComparison.Ordinal);
        Assert.Equal(3, engine.MinorWeight("c1"));
    }

    [Fact]
    public void MinorWeight_HalvesEveryHalfLife()
    {
        var (engine, time) = Create(threshold: 100, halfLife: 10);
        engine.Evaluate("c1", TestSchema.Input());

        time.Advance(TimeSpan.FromDays(10));
        Assert.Equal(1.5, engine.MinorWeight("c1"), 12);
        time.Advance(TimeSpan.FromDays(20));
        Assert.Equal(0.375, engine.MinorWeight("c1"), 12);
    }

    [Fact]
    public void Recapitulative_FiresWhenDecayedSumCrossesThreshold_ThenResets()
    {
        var (engine, time) = Create(threshold: 5, halfLife: 10);

        Assert.DoesNotContain(engine.Evaluate("c1", TestSchema.Input()), s => s.RuleId == SymptomEngine.RecapitulativeRuleId); // 3
        time.Advance(TimeSpan.FromDays(10)); // 1.5 + 3 = 4.5 < 5
        Assert.DoesNotContain(engine.Evaluate("c1", TestSchema.Input()), s => s.RuleId == SymptomEngine.RecapitulativeRuleId);
        time.Advance(TimeSpan.FromDays(1)); // 4.5 * 0.933 + 3 = 7.2 >= 5
        var recap = Assert.Single(engine.Evaluate("c1", TestSchema.Input()), s => s.RuleId == SymptomEngine.RecapitulativeRuleId);

        Assert.Contains("low_logins (logins_30d = 12)", recap.Explanation, StringComparison.Ordinal);
        Assert.Equal(0, engine.MinorWeight("c1"));
    }

    [Fact]
    public void Customers_AreIndependent()
    {
        var (engine, _) = Create(threshold: 100);
        engine.Evaluate("c1", TestSchema.Input());

        Assert.Equal(0, engine.MinorWeight("c2"));
    }

    [Fact]
    public void RuleSetSettings_OverrideOptions()
    {
        var set = Rules with { MinorThreshold = 1 };
        var engine = new SymptomEngine(CompiledRuleSet.Compile(set, TestSchema.Schema), Options.Create(new SymptomEngineOptions { MinorThreshold = 50 }), new FakeTimeProvider());

        Assert.Equal(1, engine.MinorThreshold);
    }

    [Fact]
    public void AddChurnRules_ResolvesEngineAsDetector_AndValidatesOptions()
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(new FakeTimeProvider(TestSchema.AsOf));
        services.AddChurnRules(o => o.MinorThreshold = 2).UseRuleSet(Rules, TestSchema.Schema);
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        var bad = new ServiceCollection();
        bad.AddChurnRules(o => o.HalfLifeDays = -1);
        using var badProvider = bad.BuildServiceProvider();

        Assert.Same(provider.GetRequiredService<SymptomEngine>(), provider.GetRequiredService<ISymptomDetector>());
        Assert.Equal(2, provider.GetRequiredService<SymptomEngine>().MinorThreshold);
        Assert.Throws<OptionsValidationException>(() => badProvider.GetRequiredService<IOptions<SymptomEngineOptions>>().Value);
    }
}
