using Churn.Abstractions;
using Churn.Rules;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Churn.Rules.Tests.Engine;

public sealed class SymptomEngineTests
{
    private static readonly FeatureSchema Features = new(
        new[] { "tickets_30d", "spend_30d", "payment_failures_30d", "feedback_last", "logins_30d" }.Select(n => new FeatureDefinition(n, FeatureKind.Number, n)));

    private static readonly RuleSet Rules = RuleSet.Create("1")
        .Critical("many_tickets", "tickets_30d >= 4", "four or more tickets")
        .Minor("low_logins", "logins_30d < 20", weight: 2)
        .Minor("no_feedback", "feedback_last is null", weight: 1)
        .Build();

    private static readonly DateTimeOffset AsOf = TestSchema.AsOf;

    private static SymptomEngine Engine(double threshold = 4, double halfLife = 10, int step = 1) =>
        new(CompiledRuleSet.Compile(Rules, RuleSchema.FromFeatures(Features)), new SymptomEngineOptions { MinorThreshold = threshold, HalfLifeDays = halfLife, ScanStepDays = step });

    /// <summary>tickets, spend, failures, feedback, logins.</summary>
    private static double[] Row(double tickets = 0, double logins = 30, double feedback = 8) => [tickets, 100, 0, feedback, logins];

    [Fact]
    public void Evaluate_OneSnapshot_CriticalAndMinorsHoldNow_AndExplainThemselves()
    {
        var symptoms = Engine(threshold: 100).Evaluate(new CustomerSnapshot("c1", AsOf, Features, Row(tickets: 4, logins: 12, feedback: double.NaN)));

        var critical = Assert.Single(symptoms, s => s.Severity == SymptomSeverity.Critical);
        Assert.Equal("many_tickets", critical.RuleId);
        Assert.Equal(AsOf, critical.FiredAt);
        Assert.Contains("four or more tickets", critical.Explanation, StringComparison.Ordinal);
        Assert.Contains("tickets_30d = 4", critical.Explanation, StringComparison.Ordinal);
        Assert.Equal(3, symptoms.Where(s => s.Severity == SymptomSeverity.Minor).Sum(s => s.Weight));
        Assert.DoesNotContain(symptoms, s => s.Severity == SymptomSeverity.Recapitulative);
    }

    [Fact]
    public void Detect_FiredAtIsWhenTheConditionBeganToHold_FromTheData()
    {
        // Logins fell under 20 at noon ten days before the instant: the first grid instant after is the next midnight.
        var history = new FunctionHistory(Features, AsOf, AsOf.AddDays(-200), t => Row(logins: t >= AsOf.AddDays(-10).AddHours(12) ? 5 : 30));

        var minor = Assert.Single(Engine(threshold: 100).Detect(history));

        Assert.Equal("low_logins", minor.RuleId);
        Assert.Equal(AsOf.AddDays(-9), minor.FiredAt);
        Assert.Equal(2 * Math.Pow(0.5, 9 / 10.0), minor.Weight, 12);
        Assert.True(history.Latest <= AsOf);
    }

    [Fact]
    public void Recapitulative_SumsEachMinorRunOnce_DecayedFromWhenItBegan()
    {
        // no_feedback held from day -30 to day -21 (ended); low_logins holds from day -5.
        var history = new FunctionHistory(Features, AsOf, AsOf.AddDays(-100), t => Row(
            logins: t >= AsOf.AddDays(-5) ? 5 : 30,
            feedback: t >= AsOf.AddDays(-30) && t < AsOf.AddDays(-20) ? double.NaN : 8));
        var expected = (2 * Math.Pow(0.5, 0.5)) + (1 * Math.Pow(0.5, 3));

        var symptoms = Engine(threshold: 1.5, halfLife: 10).Detect(history);

        var recap = Assert.Single(symptoms, s => s.Severity == SymptomSeverity.Recapitulative);
        Assert.Equal(SymptomEngine.RecapitulativeRuleId, recap.RuleId);
        Assert.Equal(expected, recap.Weight, 12);
        Assert.Equal(["low_logins", "no_feedback"], recap.Components.Select(c => c.RuleId));
        Assert.Equal([AsOf.AddDays(-5), AsOf.AddDays(-30)], recap.Components.Select(c => c.FiredAt));
        Assert.Equal(recap.Weight, recap.Components.Sum(c => c.Weight), 12);
        Assert.Equal(AsOf.AddDays(-5), recap.FiredAt);
        Assert.Contains("no_feedback since 2025-12-02", recap.Explanation, StringComparison.Ordinal);
        Assert.Single(symptoms, s => s.Severity == SymptomSeverity.Minor);
    }

    [Fact]
    public void Recapitulative_FadesWithTime_WhenNothingNewHappens()
    {
        var history = new FunctionHistory(Features, AsOf, AsOf.AddDays(-100), t => Row(logins: t >= AsOf.AddDays(-40) && t < AsOf.AddDays(-39) ? 5 : 30));

        Assert.Empty(Engine(threshold: 1, halfLife: 10).Detect(history));
        Assert.Contains(Engine(threshold: 1, halfLife: 10).Detect(history with { AsOf = AsOf.AddDays(-39) }), s => s.Severity == SymptomSeverity.Recapitulative);
    }

    [Fact]
    public void Detect_NeverReadsBeforeTheCustomerWasFirstSeen_OrAfterTheInstant()
    {
        var history = new FunctionHistory(Features, AsOf, AsOf.AddDays(-3), _ => Row(logins: 5));

        var minor = Assert.Single(Engine(threshold: 100).Detect(history));

        Assert.Equal(AsOf.AddDays(-3), minor.FiredAt);
        Assert.True(history.Earliest >= AsOf.AddDays(-3));
        Assert.True(history.Latest <= AsOf);
    }

    [Property(MaxTest = 200)]
    public Property Detect_IsAPureFunction_OfTheHistoryUpToTheInstant() =>
        Prop.ForAll(Histories(), Gen.Choose(1, 7).ToArbitrary(), (steps, step) =>
        {
            var history = StepHistory.From(steps);
            var engine = Engine(threshold: 2.5, halfLife: 7, step: step);
            var first = engine.Detect(history);
            var again = engine.Detect(history);
            var third = Engine(threshold: 2.5, halfLife: 7, step: step).Detect(history);

            // Changing what happens after the instant cannot change anything.
            var altered = history with { After = _ => Row(tickets: 99, logins: 0, feedback: double.NaN) };
            var recap = first.SingleOrDefault(s => s.Severity == SymptomSeverity.Recapitulative);
            return Same(first, again) && Same(first, third) && Same(first, engine.Detect(altered))
                && first.All(s => s.FiredAt <= AsOf && s.FiredAt >= AsOf.AddDays(-200))
                && (recap is null || (recap.Components.Select(c => (c.RuleId, c.FiredAt)).Distinct().Count() == recap.Components.Count
                    && Math.Abs(recap.Components.Sum(c => c.Weight) - recap.Weight) < 1e-9 && recap.Weight >= 2.5));
        });

    [Fact]
    public void RuleSetSettings_OverrideOptions()
    {
        var set = Rules with { MinorThreshold = 1, HalfLifeDays = 3 };
        var engine = new SymptomEngine(CompiledRuleSet.Compile(set, RuleSchema.FromFeatures(Features)), new SymptomEngineOptions { MinorThreshold = 50, LookbackHalfLives = 2 });

        Assert.Equal(1, engine.MinorThreshold);
        Assert.Equal(3, engine.HalfLifeDays);
        Assert.Equal(TimeSpan.FromDays(6), engine.Lookback);
    }

    [Fact]
    public void AddRules_ResolvesEngineAsDetector_WithOptionsFromDi()
    {
        var services = new ServiceCollection();
        services.AddChurn(churn => churn.AddRules(Rules, RuleSchema.FromFeatures(Features), o => o.MinorThreshold = 2));
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        Assert.Same(provider.GetRequiredService<SymptomEngine>(), provider.GetRequiredService<ISymptomDetector>());
        Assert.Equal(2, provider.GetRequiredService<SymptomEngine>().MinorThreshold);
    }

    [Theory]
    [InlineData("HalfLifeDays")]
    [InlineData("MinorThreshold")]
    [InlineData("ScanStepDays")]
    [InlineData("LookbackHalfLives")]
    public void AddRules_BadOption_FailsAtStart_NamingTheMember(string member)
    {
        var services = new ServiceCollection();
        services.AddChurn(churn => churn.AddRules(Rules, RuleSchema.FromFeatures(Features), o =>
        {
            switch (member)
            {
                case "HalfLifeDays": o.HalfLifeDays = -1; break;
                case "MinorThreshold": o.MinorThreshold = 0; break;
                case "ScanStepDays": o.ScanStepDays = 0; break;
                default: o.LookbackHalfLives = 21; break;
            }
        }));
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(member, ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new SymptomEngine(CompiledRuleSet.Compile(Rules, RuleSchema.FromFeatures(Features)), new SymptomEngineOptions { HalfLifeDays = -1 }));
    }

    private static bool Same(IReadOnlyList<Symptom> a, IReadOnlyList<Symptom> b) =>
        a.Count == b.Count && a.Zip(b).All(p => p.First.RuleId == p.Second.RuleId && p.First.FiredAt == p.Second.FiredAt
            && p.First.Explanation == p.Second.Explanation && p.First.Weight == p.Second.Weight && p.First.Components.Count == p.Second.Components.Count);

    /// <summary>Piecewise-constant histories: (day offset before the instant, tickets, logins, feedback missing) changes.</summary>
    private static Arbitrary<(int Day, int Tickets, int Logins, bool NoFeedback)[]> Histories() =>
        Gen.ArrayOf(
            from day in Gen.Choose(0, 200)
            from tickets in Gen.Choose(0, 6)
            from logins in Gen.Choose(0, 40)
            from noFeedback in Gen.Elements(true, false)
            select (day, tickets, logins, noFeedback)).ToArbitrary();

    /// <summary>A history whose features at any instant come from a function; it records which instants were read.</summary>
    private sealed record FunctionHistory(FeatureSchema Schema, DateTimeOffset AsOf, DateTimeOffset? FirstSeen, Func<DateTimeOffset, double[]> Values) : ICustomerHistory
    {
        public CustomerId CustomerId => "c1";

        public CustomerProfile? Profile => null;

        public DateTimeOffset Latest { get; private set; } = DateTimeOffset.MinValue;

        public DateTimeOffset Earliest { get; private set; } = DateTimeOffset.MaxValue;

        public void FeaturesAt(DateTimeOffset instant, Span<double> values)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(instant, AsOf);
            Latest = instant > Latest ? instant : Latest;
            Earliest = instant < Earliest ? instant : Earliest;
            Values(instant).CopyTo(values);
        }
    }

    /// <summary>A generated step history; <see cref="After"/> says what happens after the instant (never read).</summary>
    private sealed record StepHistory((int Day, int Tickets, int Logins, bool NoFeedback)[] Steps, Func<DateTimeOffset, double[]> After) : ICustomerHistory
    {
        public CustomerId CustomerId => "c1";

        public DateTimeOffset AsOf => SymptomEngineTests.AsOf;

        public FeatureSchema Schema => Features;

        public CustomerProfile? Profile => null;

        public DateTimeOffset? FirstSeen => SymptomEngineTests.AsOf.AddDays(-200);

        public static StepHistory From((int Day, int Tickets, int Logins, bool NoFeedback)[] steps) =>
            new([.. steps.OrderByDescending(s => s.Day)], _ => Row());

        public void FeaturesAt(DateTimeOffset instant, Span<double> values)
        {
            var row = instant > AsOf ? After(instant) : Row();
            foreach (var s in Steps)
            {
                if (instant >= AsOf.AddDays(-s.Day))
                {
                    row = Row(s.Tickets, s.Logins, s.NoFeedback ? double.NaN : 7);
                }
            }

            row.CopyTo(values);
        }
    }
}
