using Churn.Abstractions;
using Churn.Value;
using Microsoft.Extensions.DependencyInjection;

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
    public void AddChurnValue_DefaultsAndHostFormulaWins()
    {
        var services = new ServiceCollection();
        services.AddChurnValue(o => o.Historical.CostRatio = 0.5m);
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        var custom = new ServiceCollection();
        custom.AddChurnValue().UseCalculator<CrmFormula>();
        using var customProvider = custom.BuildServiceProvider();

        Assert.Equal(50m, provider.GetRequiredService<ICustomerValueCalculator>().Calculate(new CustomerProfile("a"), Events, T0.AddDays(10)).Historical);
        Assert.Equal(42m, customProvider.GetRequiredService<ICustomerValueCalculator>().Calculate(new CustomerProfile("a"), Events, T0).Historical);
    }
}
