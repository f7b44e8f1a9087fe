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
    public void AddData_ResolvesConfiguredServices_AndHostFeatures()
    {
        var services = new ServiceCollection();
        services.AddChurn(churn => churn.AddData(o => o.WindowDays = [14]).AddFeature<Webinars>().Configure<LabelOptions>(o => o.HorizonDays = 60));
        services.AddChurn(churn => churn.AddData());
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        var features = provider.GetRequiredService<FeatureBuilder>();

        Assert.True(features.Schema.Contains("tickets_14d"));
        Assert.False(features.Schema.Contains("tickets_30d"));
        Assert.Equal("webinars", features.Schema.Features[^1].Name);
        Assert.Equal(TimeSpan.FromDays(60), provider.GetRequiredService<LabelBuilder>().Horizon);
        Assert.Same(features.Schema, provider.GetRequiredService<FeatureSchema>());
        provider.GetRequiredService<IStartupValidator>().Validate();
    }

    [Theory]
    [InlineData("WindowDays")]
    [InlineData("MaxDegreeOfParallelism")]
    [InlineData("HorizonDays")]
    [InlineData("ActivityTypes")]
    [InlineData("CustomerColumn")]
    public void AddData_BadOption_FailsAtStart_NamingTheMember(string member)
    {
        var services = new ServiceCollection();
        services.AddChurn(churn =>
        {
            switch (member)
            {
                case "WindowDays": churn.AddData(o => o.WindowDays = [7, 7]); break;
                case "MaxDegreeOfParallelism": churn.AddData(o => o.MaxDegreeOfParallelism = -5); break;
                case "HorizonDays": churn.AddData().Configure<LabelOptions>(o => o.HorizonDays = 0); break;
                case "ActivityTypes": churn.AddData().Configure<LabelOptions>(o => (o.Definition, o.ActivityTypes) = (ChurnDefinition.NonContractual, [])); break;
                default: churn.AddData().Configure<CsvEventReaderOptions>(o => o.CustomerColumn = " "); break;
            }
        });
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(member, ex.Message, StringComparison.Ordinal);
    }
}
