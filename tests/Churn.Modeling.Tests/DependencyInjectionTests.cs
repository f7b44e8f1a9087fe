using Churn.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Churn.Modeling.Tests;

public sealed class DependencyInjectionTests
{
    [Fact]
    public void AddModeling_TrainerOptionsComeFromDi_AndTheModelIsTheScorer()
    {
        var schema = new FeatureSchema([new("x", FeatureKind.Number, "x")]);
        var random = new Random(1);
        var rows = Enumerable.Range(0, 400).Select(i => (new CustomerSnapshot("c" + i, DateTimeOffset.UnixEpoch, schema, [random.NextDouble()]), random.NextDouble() < 0.3)).ToList();
        var model = new ChurnModelTrainer(new ChurnModelTrainerOptions { Folds = 2, Learners = ["logistic"] }).Train(ModelTable.FromSnapshots(rows), TestContext.Current.CancellationToken).Model;
        var services = new ServiceCollection();
        services.AddChurn(churn => churn.AddModeling(o => (o.Folds, o.Seed) = (3, 7)).UseModel(model));
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        Assert.Equal(3, provider.GetRequiredService<IOptions<ChurnModelTrainerOptions>>().Value.Folds);
        Assert.Same(model, provider.GetRequiredService<IChurnScorer>());
        Assert.Equal(["HistGradientBoosting", "Logistic"], provider.GetRequiredService<ChurnModelTrainer>().Learners.Select(l => l.Name));
    }

    [Theory]
    [InlineData("Folds")]
    [InlineData("Threads")]
    [InlineData("Trees")]
    [InlineData("Learners")]
    public void AddModeling_BadOption_FailsAtStart_NamingTheMember(string member)
    {
        var services = new ServiceCollection();
        services.AddChurn(churn => churn.AddModeling(o =>
        {
            switch (member)
            {
                case "Folds": o.Folds = 1; break;
                case "Threads": o.Threads = -2; break;
                case "Trees": o.Trees = new TreeSettings(0, 8, 0.1, 20); break;
                default: o.Learners = []; break;
            }
        }));
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(member, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RiskLevels_BadCutOffs_FailAtStart()
    {
        var services = new ServiceCollection();
        services.AddChurn(churn => churn.AddRiskLevels(o => o.Medium = 0.9));
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<RiskLevelPolicyOptions>>().Value);

        Assert.Contains("High", ex.Message, StringComparison.Ordinal);
    }
}
