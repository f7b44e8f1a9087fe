using Churn.Abstractions;
using Churn.Data;
using Churn.Rules;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Churn.Sdk.Tests;

public sealed class ChurnPipelineTests
{
    private static readonly string RulesFile = Path.Combine(AppContext.BaseDirectory, "data", "rules", "churn-rules.json");

    private static ChurnPipeline Pipeline(int parallelism = -1, int block = 4096) => ChurnPipeline.CreateBuilder()
        .WithModel(Generators.Model)
        .WithRulesFile(RulesFile)
        .WithValueModels(o => o.MinRepeatCustomers = 2)
        .Configure(o => (o.MaxDegreeOfParallelism, o.BlockSize) = (parallelism, block))
        .Build();

    [Property(MaxTest = 60)]
    public Property AssessAll_EqualsOneAtATime_AndIsTheSameOnOneThreadOrMany() =>
        Prop.ForAll(Generators.Events(), Gen.Choose(30, 330).ToArbitrary(), (events, day) =>
        {
            var asOf = Generators.Epoch.AddDays(day);
            var data = CustomerData.From(events);
            var prepared = Pipeline().Prepare(data, asOf);
            var all = prepared.AssessAll().Select(Generators.Canonicalize).ToList();
            var single = prepared.Customers == 0 ? [] : data.Log.Customers.Where(id => data.Log.EventsOf(id).Any(e => e.Timestamp <= asOf)).Select(id => Generators.Canonicalize(prepared.Assess(id))).ToList();
            var oneThread = Pipeline(parallelism: 1, block: 2).Assess(data, asOf).Select(Generators.Canonicalize).ToList();
            return all.SequenceEqual(single) && all.SequenceEqual(oneThread);
        });

    [Property(MaxTest = 60)]
    public Property Assessment_IsUnchangedByAnythingAfterTheInstant() =>
        Prop.ForAll(Generators.Events(), Generators.Events(), Gen.Choose(30, 300).ToArbitrary(), (events, noise, day) =>
        {
            var asOf = Generators.Epoch.AddDays(day);
            var before = events.Where(e => e.Timestamp <= asOf).ToArray();

            // Later events added, removed and altered: the later half of the history is replaced by noise after the instant.
            var later = noise.Select(e => e with { Timestamp = asOf.AddMinutes(1) + (e.Timestamp - Generators.Epoch) }).ToArray();
            var original = Pipeline().Assess(CustomerData.From(events), asOf).OrderBy(a => a.CustomerId).Select(Generators.Canonicalize).ToList();
            var changed = Pipeline().Assess(CustomerData.From([.. before, .. later]), asOf).OrderBy(a => a.CustomerId).Select(Generators.Canonicalize).ToList();

            // Customers only in the later noise are unknown at the instant and not assessed at all.
            return original.SequenceEqual(changed);
        });

    [Property(MaxTest = 60)]
    public Property Level_IsNeverBelowHigh_WhenACriticalSymptomHolds_AndChurnedCustomersAreNotScored() =>
        Prop.ForAll(Generators.Events(customers: 10), Gen.Choose(30, 330).ToArbitrary(), (events, day) =>
        {
            var assessments = Pipeline().Assess(CustomerData.From(events), Generators.Epoch.AddDays(day)).ToList();
            return assessments.All(a =>
                (!a.Symptoms.Any(s => s.Severity == SymptomSeverity.Critical) || a.Level >= RiskLevel.High)
                && (a.Level == RiskLevel.Churned) == (a.Probability is null)
                && (a.Level != RiskLevel.Churned || (a.ChurnedAt <= a.AsOf && a.Reasons.Count == 0 && a.Symptoms.Count == 0))
                && a.Symptoms.All(s => s.FiredAt <= a.AsOf));
        });

    [Fact]
    public void Assess_GeneratedBase_FillsEveryPart()
    {
        var options = new SyntheticOptions { Customers = 1200, Seed = 4, HistoryMonths = 8 };
        var data = CustomerData.Generate(options);
        var pipeline = Pipeline();

        var prepared = pipeline.Prepare(data, options.AsOf);
        var all = prepared.AssessAll(TestContext.Current.CancellationToken).ToList();

        Assert.True(prepared.ValueModel!.IsFitted, prepared.ValueModel.Reason);
        Assert.Equal(prepared.Customers, all.Count);
        var live = all.Where(a => a.Level != RiskLevel.Churned).ToList();
        Assert.NotEmpty(live);
        Assert.All(live, a => Assert.Equal(3, a.Reasons.Count));
        Assert.All(live, a => Assert.False(string.IsNullOrEmpty(a.LevelReason)));
        Assert.All(all, a => Assert.NotNull(a.Owner));
        Assert.Contains(live, a => a.Symptoms.Any(s => s.Severity == SymptomSeverity.Critical));
        Assert.Contains(live, a => a.Symptoms.Any(s => s.Severity == SymptomSeverity.Recapitulative && s.Components.Count > 0));
        Assert.Contains(live, a => a.Value!.Predicted is > 0 && a.Value.PAlive is > 0 and <= 1);
        Assert.Contains(all, a => a.Level == RiskLevel.Churned && a.LevelReason.Contains("cancelled", StringComparison.Ordinal));
        Assert.All(all, a => Assert.True(a.Value!.Historical >= 0));

        // A customer who cancelled before the instant is reported as churned, however low their last score was.
        var cancelled = data.Log.Customers.First(id => data.Log.EventsOf(id).LastOrDefault(e => e.Timestamp <= options.AsOf && (e.Type == CustomerEventType.SubscriptionCancel || e.Type == CustomerEventType.SubscriptionStart))?.Type == CustomerEventType.SubscriptionCancel);
        Assert.Equal(RiskLevel.Churned, prepared.Assess(cancelled).Level);
    }

    [Fact]
    public void Assess_UnknownCustomer_NamesThem()
    {
        var data = CustomerData.From([new CustomerEvent("a", Generators.Epoch.AddDays(10), CustomerEventType.Login)]);
        var pipeline = Pipeline();

        var missing = Assert.Throws<UnknownCustomerException>(() => pipeline.Assess(data, "zz-9", Generators.Epoch.AddDays(20)));
        var early = Assert.Throws<UnknownCustomerException>(() => pipeline.Assess(data, "a", Generators.Epoch.AddDays(5)));

        Assert.Contains("'zz-9'", missing.Message, StringComparison.Ordinal);
        Assert.Equal("zz-9", missing.CustomerId.Value);
        Assert.Contains("'a'", early.Message, StringComparison.Ordinal);
        Assert.Contains("2025-01-06", early.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Assess_OneCustomersOwnEvents_AsACrmWould()
    {
        var t = Generators.Epoch;
        var events = new List<CustomerEvent>
        {
            new("crm-1", t, CustomerEventType.SubscriptionStart),
            new("crm-1", t.AddDays(40), CustomerEventType.PaymentFailure),
            new("crm-1", t.AddDays(45), CustomerEventType.PaymentFailure),
            new("crm-1", t.AddDays(46), CustomerEventType.Complaint),
            new("crm-1", t.AddDays(47), CustomerEventType.Feedback, 2),
        };

        var a = Pipeline().Assess("crm-1", events, t.AddDays(50), new CustomerProfile("crm-1", t) { Owner = "kim" });

        Assert.Equal("kim", a.Owner);
        Assert.NotNull(a.Probability);
        Assert.Contains(a.Symptoms, s => s.RuleId == "payment_trouble" && s.Severity == SymptomSeverity.Critical && s.FiredAt == t.AddDays(45));
        Assert.True(a.Level >= RiskLevel.High, a.LevelReason);
        Assert.Null(a.Value!.Predicted);
    }

    [Fact]
    public void Backtest_RefusesTrainingLabelsThatReachTheTestPeriod()
    {
        var data = CustomerData.Generate(new SyntheticOptions { Customers = 300, Seed = 2 });
        var asOf = new SyntheticOptions().AsOf;

        var ex = Assert.Throws<ArgumentException>(() => Pipeline().Backtest(data, asOf.AddDays(-20), asOf));

        Assert.Contains("learn from the test period", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Backtest_GeneratedBase_RanksChurnersAboveChance()
    {
        var options = new SyntheticOptions { Customers = 4000, Seed = 8, HistoryMonths = 8 };
        var data = CustomerData.Generate(options);

        var result = ChurnPipeline.CreateBuilder().WithTrainer(o => o.Folds = 3).Build().Backtest(data, options.AsOf.AddDays(-30), options.AsOf, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(result.TrainChurners > 20 && result.TestChurners > 20);
        Assert.True(result.Test.Auc > 0.6, $"ROC-AUC {result.Test.Auc:F3}");
        Assert.True(result.Test.Ece < 0.05, $"ECE {result.Test.Ece:F3}");
    }

    [Fact]
    public void BuildTrainingSet_LabelsCustomersAtRisk_AndTrainingUsesThem()
    {
        var options = new SyntheticOptions { Customers = 800, Seed = 6 };
        var data = CustomerData.Generate(options);
        var asOf = options.AsOf.AddDays(-30);
        var pipeline = ChurnPipeline.CreateBuilder().WithTrainer(o => o.Folds = 2).Build();

        var set = pipeline.BuildTrainingSet(data, asOf);
        var trained = pipeline.Train(data, asOf);

        Assert.Equal(new LabelBuilder(new LabelOptions { ObservedUntil = data.ObservedUntil }).LabelAll(data.Log, asOf).Count, set.Rows.Count);
        Assert.All(set.Rows, r => Assert.Equal(asOf, r.Snapshot.AsOf));
        Assert.Equal(set.Rows.Count, trained.Model.Metadata.TrainingRows);
        Assert.Equal(pipeline.Schema.Count, trained.Model.Featurizer.Specs.Count);
    }

    [Fact]
    public void Prepare_ModelOfOtherFeatures_SaysWhichAreMissing()
    {
        var pipeline = ChurnPipeline.CreateBuilder().WithFeatures(o => o.WindowDays = [14]).WithModel(Generators.Model).Build();

        var ex = Assert.Throws<Churn.Modeling.ModelFileException>(() => pipeline.Prepare(CustomerData.From([]), Generators.Epoch));

        Assert.Contains("tickets_30d", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ProfitOptimalHigh_TakesTheModelsCutOff()
    {
        var pipeline = ChurnPipeline.CreateBuilder().WithModel(Generators.Model).WithRiskLevels(o => o.ProfitOptimalHigh = true).Build();

        Assert.Equal(Generators.Model.Metadata.ProfitCutoff!.Value, pipeline.Policy.High);
        Assert.True(pipeline.Policy.Medium <= pipeline.Policy.High && pipeline.Policy.High <= pipeline.Policy.Critical);
    }

    [Fact]
    public void Segmenter_PlacesEveryAssessedCustomer()
    {
        var data = CustomerData.Generate(new SyntheticOptions { Customers = 300, Seed = 5 });
        var pipeline = ChurnPipeline.CreateBuilder().WithModel(Generators.Model).WithSegmenter(new ByLevel()).Build();

        var all = pipeline.Assess(data, new SyntheticOptions().AsOf).ToList();

        Assert.All(all, a => Assert.Equal(a.Level.ToString(), a.Segment));
    }

    [Fact]
    public void AddPipeline_ResolvesFromDi_WithEveryPackagesServices()
    {
        var (set, _) = RuleSetJson.Parse(File.ReadAllText(RulesFile));
        var services = new ServiceCollection();
        services.AddChurn(churn => churn.AddData().AddValue().AddRules(set).AddModeling().UseModel(Generators.Model).AddRiskLevels(o => o.High = 0.25).AddPipeline(o => o.Reasons = 2));
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        provider.GetRequiredService<IStartupValidator>().Validate();

        var pipeline = provider.GetRequiredService<ChurnPipeline>();
        var data = CustomerData.Generate(new SyntheticOptions { Customers = 200, Seed = 3 });
        var live = pipeline.Assess(data, new SyntheticOptions().AsOf).Where(a => a.Level != RiskLevel.Churned).ToList();

        Assert.Same(Generators.Model, pipeline.Model);
        Assert.NotNull(pipeline.Symptoms);
        Assert.Equal(0.25, pipeline.Policy.High);
        Assert.All(live, a => Assert.Equal(2, a.Reasons.Count));
    }

    [Theory]
    [InlineData("Reasons")]
    [InlineData("BlockSize")]
    [InlineData("MaxDegreeOfParallelism")]
    public void AddPipeline_BadOption_FailsAtStart_NamingTheMember(string member)
    {
        var services = new ServiceCollection();
        services.AddChurn(churn => churn.AddPipeline(o =>
        {
            switch (member)
            {
                case "Reasons": o.Reasons = -1; break;
                case "BlockSize": o.BlockSize = 0; break;
                default: o.MaxDegreeOfParallelism = 0; break;
            }
        }));
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(member, ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => ChurnPipeline.CreateBuilder().Configure(o => o.BlockSize = 0).Build());
    }

    private sealed class ByLevel : ISegmenter
    {
        public string Segment(CustomerSnapshot snapshot, CustomerProfile? profile, RiskAssessment assessment) => assessment.Level.ToString();
    }
}
