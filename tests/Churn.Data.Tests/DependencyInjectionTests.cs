using Churn.Abstractions;
using Churn.Data;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Churn.Data.Tests;

public sealed class DependencyInjectionTests
{
    private sealed class Webinars : IFeatureDefinition
    {
        public FeatureDefinition Definition { get; } = new("webinars", FeatureKind.Count, "webinars attended");

        public double Compute(Churn.Data.CustomerTimeline timeline, CustomerProfile? profile, DateTimeOffset asOf) => 0;
    }

    [Fact]
    public void AddChurnData_ResolvesConfiguredServices_AndHostFeatures()
    {
        var services = new ServiceCollection();
        services.AddChurnData(o => o.Features.WindowDays = [14]).AddFeature<Webinars>();
        services.AddChurnData();
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        var features = provider.GetRequiredService<FeatureBuilder>();

        Assert.True(features.Schema.Contains("tickets_14d"));
        Assert.False(features.Schema.Contains("tickets_30d"));
        Assert.Equal("webinars", features.Schema.Features[^1].Name);
        Assert.NotNull(provider.GetRequiredService<LabelBuilder>());
    }

    [Fact]
    public void AddChurnData_InvalidOptions_FailValidation()
    {
        var services = new ServiceCollection();
        services.AddChurnData(o => o.Labels.HorizonDays = 0);
        using var provider = services.BuildServiceProvider();

        Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ChurnDataOptions>>().Value);
    }
}
