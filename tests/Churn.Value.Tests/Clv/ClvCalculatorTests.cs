using Churn.Value;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Churn.Value.Tests.Clv;

public sealed class ClvCalculatorTests
{
    private static readonly BgNbdModel Purchases = new(new BgNbdParameters(0.2426, 4.4135, 0.7929, 2.4258));
    private static readonly GammaGammaModel Spend = new(new GammaGammaParameters(6.2488, 3.7446, 15.4477));

    [Property(MaxTest = 200)]
    public Property Clv_FallsAsTheDiscountRateRises() =>
        Prop.ForAll(Generators.History().ToArbitrary(), Gen.Choose(0, 20).ToArbitrary(), (h, d) =>
        {
            var s = new CustomerSummary("c", h.X, h.Tx, h.T, h.X > 0 ? 30 : 0);
            var low = new ClvCalculator(Purchases, Spend, new ClvOptions { DiscountRate = d / 100.0 }).Predict(s).Clv;
            var high = new ClvCalculator(Purchases, Spend, new ClvOptions { DiscountRate = (d + 1) / 100.0 }).Predict(s).Clv;
            return low >= 0 && high <= low + 1e-12;
        });

    [Fact]
    public void Clv_UndiscountedFullMargin_IsExpectedPurchasesTimesValue()
    {
        var s = new CustomerSummary("c", 2, 30.43, 38.86, 22.35);
        var calc = new ClvCalculator(Purchases, Spend, new ClvOptions { Periods = 39, PeriodLength = 1, DiscountRate = 0, Margin = 1 });

        var p = calc.Predict(s);

        Assert.Equal(Purchases.ConditionalExpectedPurchases(39, 2, 30.43, 38.86), p.ExpectedPurchases, 1e-9);
        Assert.Equal(p.ExpectedPurchases * Spend.ConditionalExpectedAverageValue(2, 22.35), p.Clv, 1e-9);
    }

    [Fact]
    public void PredictAll_EqualsOneByOne_AndMarginScales()
    {
        var full = new ClvCalculator(Purchases, Spend);
        var half = new ClvCalculator(Purchases, Spend, new ClvOptions { Margin = 0.5 });

        var all = full.PredictAll(Cdnow.Summary, TestContext.Current.CancellationToken);

        Assert.Equal(Cdnow.Summary.Select(full.Predict).Select(p => p.Clv), all.Select(p => p.Clv));
        Assert.Equal(all[0].Clv / 2, half.Predict(Cdnow.Summary[0]).Clv, 1e-12);
    }

    [Fact]
    public void Options_OutOfRange_AreRejected()
    {
        Assert.Throws<ArgumentException>(() => new ClvCalculator(Purchases, Spend, new ClvOptions { Margin = 2 }));
        Assert.Throws<ArgumentException>(() => new ClvCalculator(Purchases, Spend, new ClvOptions { Periods = 0 }));
        Assert.Throws<ArgumentException>(() => new ClvCalculator(Purchases, Spend, new ClvOptions { DiscountRate = -1 }));
    }
}
