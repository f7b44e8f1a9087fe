using Churn.Abstractions;
using Churn.Value;

namespace Churn.Value.Tests.Models;

public sealed class GammaGammaModelTests
{
    private static readonly Lazy<GammaGammaFit> CdnowFit = new(() => GammaGammaModel.Fit(Cdnow.Summary));

    [Fact]
    public void Fit_CdnowRepeatBuyers_ReproducesPublishedParameters()
    {
        var fit = CdnowFit.Value;
        var p = fit.Model.Parameters;

        Assert.Equal(6.25, p.P, 0.005);
        Assert.Equal(3.74, p.Q, 0.005);
        Assert.Equal(15.44, p.Gamma, 0.01);
        Assert.Equal(-4055.92, fit.LogLikelihood, 0.01);
        Assert.Equal(946, fit.Customers);
        Assert.Equal(0.114, fit.FrequencySpendCorrelation, 0.001);
        Assert.True(fit.IndependenceAssumptionHolds);
    }

    [Theory]
    [InlineData("1", 24.6586)]
    [InlineData("2", 18.9115)]
    [InlineData("3", 35.1710)]
    [InlineData("6", 71.4628)]
    public void ConditionalExpectedAverageValue_PublishedCustomers(string id, double expected)
    {
        var s = Cdnow.Summary.Single(c => c.CustomerId == new CustomerId(id));

        var v = CdnowFit.Value.Model.ConditionalExpectedAverageValue(s.Frequency, s.MonetaryValue);

        Assert.True(Math.Abs(v - expected) <= 0.5 * Math.Pow(10, Math.Floor(Math.Log10(expected)) - 3), $"{v} vs {expected}");
    }

    [Fact]
    public void Fit_ZeroValueRepeatBuyers_AreLeftOutAndCounted()
    {
        var withZeros = Cdnow.Summary.Append(new CustomerSummary("z1", 2, 5, 10, 0)).Append(new CustomerSummary("z2", 1, 3, 10, -4));

        var fit = GammaGammaModel.Fit(withZeros);

        Assert.Equal(2, fit.ExcludedNonPositive);
        Assert.Equal(946, fit.Customers);
        Assert.Equal(CdnowFit.Value.Model.Parameters, fit.Model.Parameters);
    }

    [Fact]
    public void Fit_TooFewBuyers_OrBadArrays_AreClearErrors()
    {
        Assert.Throws<ModelFitException>(() => GammaGammaModel.Fit([new CustomerSummary("a", 1, 1, 2, 5)]));
        Assert.Throws<ArgumentException>(() => GammaGammaModel.Fit([1, 0], [5.0, 3.0]));
        Assert.Throws<ArgumentException>(() => GammaGammaModel.Fit([1, 2], [5.0, double.NaN]));
    }

    [Fact]
    public void ConditionalExpectedAverageValue_ShrinksTowardsThePopulationMean()
    {
        var m = CdnowFit.Value.Model;

        Assert.Equal(m.PopulationMeanValue, m.ConditionalExpectedAverageValue(0, 999), 1e-9);
        Assert.True(Math.Abs(m.ConditionalExpectedAverageValue(50, 100) - 100) < Math.Abs(m.ConditionalExpectedAverageValue(1, 100) - 100));
    }
}
