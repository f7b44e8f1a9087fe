using Churn.Abstractions;
using Churn.Value;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Churn.Value.Tests.Historical;

public sealed class HistoricalValueCalculatorTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly CustomerEvent[] Events =
    [
        new("a", T0, CustomerEventType.Purchase, 100m),
        new("a", T0.AddDays(30), CustomerEventType.Purchase, 50m, Attributes: new Dictionary<string, string> { ["cost"] = "40" }),
        new("a", T0.AddDays(40), CustomerEventType.Login),
        new("a", T0.AddDays(400), CustomerEventType.Purchase, 1000m),
    ];

    [Fact]
    public void Compute_RevenueCostMarginAov_IgnoringTheFuture()
    {
        var calc = new HistoricalValueCalculator(new HistoricalValueOptions { CostRatio = 0.25m });

        var v = calc.Compute(new CustomerProfile("a", T0.AddDays(-35)), Events, T0.AddDays(330));

        Assert.Equal(150m, v.Revenue);
        Assert.Equal(25m + 40m, v.Cost);
        Assert.Equal(85m, v.Margin);
        Assert.Equal(2, v.Purchases);
        Assert.Equal(75m, v.AverageOrderValue);
        Assert.Equal(365, v.TenureDays, 9);
        Assert.Equal(85m, v.MarginPerYear);
    }

    [Fact]
    public void Calculate_BasisChoosesTheFigure()
    {
        var profile = new CustomerProfile("a");
        var asOf = T0.AddDays(100);

        Assert.Equal(150m, new HistoricalValueCalculator(new HistoricalValueOptions { Basis = HistoricalValueBasis.Revenue }).Calculate(profile, Events, asOf).Historical);
        Assert.Equal(110m, new HistoricalValueCalculator(new HistoricalValueOptions { Basis = HistoricalValueBasis.Margin }).Calculate(profile, Events, asOf).Historical);
    }

    private sealed class CrmFormula : ICustomerValueCalculator
    {
        public CustomerValue Calculate(CustomerProfile profile, IReadOnlyList<CustomerEvent> events, DateTimeOffset asOf) => new(42m);
    }

    [Fact]
    public void AddValue_DefaultsAndHostFormulaWins()
    {
        var services = new ServiceCollection();
        services.AddChurn(churn => churn.AddValue(o => o.CostRatio = 0.5m));
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        var custom = new ServiceCollection();
        custom.AddChurn(churn => churn.AddValue().UseValueCalculator<CrmFormula>());
        using var customProvider = custom.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        Assert.Equal(50m, provider.GetRequiredService<ICustomerValueCalculator>().Calculate(new CustomerProfile("a"), Events, T0.AddDays(10)).Historical);
        Assert.Equal(42m, customProvider.GetRequiredService<ICustomerValueCalculator>().Calculate(new CustomerProfile("a"), Events, T0).Historical);
        Assert.NotNull(provider.GetRequiredService<ClvEstimator>());
        provider.GetRequiredService<IStartupValidator>().Validate();
    }

    [Theory]
    [InlineData("CostRatio")]
    [InlineData("Currency")]
    [InlineData("Periods")]
    [InlineData("Margin")]
    [InlineData("MaxIterations")]
    [InlineData("Bins")]
    [InlineData("MinRepeatCustomers")]
    public void AddValue_BadOption_FailsAtStart_NamingTheMember(string member)
    {
        var services = new ServiceCollection();
        services.AddChurn(churn =>
        {
            churn.AddValue();
            _ = member switch
            {
                "CostRatio" => churn.AddValue(o => o.CostRatio = -1),
                "Currency" => churn.AddValue(o => o.Currency = "euro"),
                "Periods" => churn.Configure<ClvOptions>(o => o.Periods = 0),
                "Margin" => churn.Configure<ClvOptions>(o => o.Margin = 1.5),
                "MaxIterations" => churn.Configure<FitOptions>(o => o.MaxIterations = 0),
                "Bins" => churn.Configure<RfmOptions>(o => o.Bins = 11),
                _ => churn.Configure<ValueModelOptions>(o => o.MinRepeatCustomers = 1),
            };
        });
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(member, ex.Message, StringComparison.Ordinal);
    }
}
