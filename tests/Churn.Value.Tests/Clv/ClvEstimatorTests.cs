using Churn.Value;

namespace Churn.Value.Tests.Clv;

public sealed class ClvEstimatorTests
{
    [Fact]
    public void Fit_Cdnow_PredictsClvAndPAlive_AsTheCalculatorDoes()
    {
        var summaries = TransactionSummaryBuilder.Build(Cdnow.Transactions, new SummaryOptions(TimeUnit.Weeks, Cdnow.CalibrationEnd)).Customers;
        var options = new ClvOptions { Periods = 12, PeriodLength = 365.25 / 12 / 7 };

        var fit = new ClvEstimator(options, model: new ValueModelOptions { Unit = TimeUnit.Weeks }).Fit(summaries, TestContext.Current.CancellationToken);

        Assert.True(fit.IsFitted, fit.Reason);
        Assert.Null(fit.Reason);
        var calculator = new ClvCalculator(fit.Purchases!.Model, fit.Spend!.Model, options);
        Assert.All(summaries.Take(50), s => Assert.Equal(calculator.Predict(s).Clv, fit.Predict(s)!.Clv, 12));
        Assert.All(summaries, s => Assert.InRange(fit.Predict(s)!.ProbabilityAlive, 0, 1));
    }

    [Fact]
    public void Fit_TooFewRepeatBuyers_SaysWhy_InsteadOfThrowing()
    {
        var summaries = Enumerable.Range(0, 30).Select(i => new CustomerSummary("c" + i, i % 2, i % 2 == 0 ? 0 : 3, 10, i % 2 == 0 ? 0 : 20)).ToList();

        var fit = new ClvEstimator().Fit(summaries, TestContext.Current.CancellationToken);

        Assert.False(fit.IsFitted);
        Assert.Contains("15 customers made a repeat purchase; at least 50", fit.Reason, StringComparison.Ordinal);
        Assert.Null(fit.Predict(summaries[1]));
        Assert.Throws<ArgumentException>(() => new ClvEstimator(model: new ValueModelOptions { MinRepeatCustomers = 1 }));
    }
}
