using Churn.Value;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Churn.Value.Tests.Models;

public sealed class BgNbdModelTests
{
    private static readonly BgNbdModel Published = new(new BgNbdParameters(0.243, 4.414, 0.793, 2.426));

    private static readonly Lazy<BgNbdFit> CdnowFit = new(() => BgNbdModel.Fit(RepeatPurchaseData.From(Cdnow.Summary)));

    private static void FourDigits(double expected, double actual) =>
        Assert.True(Math.Abs(expected - actual) <= 0.5 * Math.Pow(10, Math.Floor(Math.Log10(Math.Abs(expected))) - 3), $"expected {expected} to 4 significant digits, got {actual}");

    [Fact]
    public void Fit_CdnowSummary_ReproducesPublishedParameters()
    {
        var fit = CdnowFit.Value;
        var p = fit.Model.Parameters;

        FourDigits(0.2426, p.R);
        FourDigits(4.4136, p.Alpha);
        FourDigits(0.7929, p.A);
        FourDigits(2.4259, p.B);
        Assert.Equal(-9582.43, fit.LogLikelihood, 0.01);
        Assert.True(fit.Diagnostics.Converged);
        Assert.Equal(2357, fit.Customers);
        Assert.True(fit.Diagnostics.DistinctGroups < 2357);
    }

    [Fact]
    public void Fit_CdnowRawTransactions_MatchesTheFitOnThePublishedSummary()
    {
        var summary = TransactionSummaryBuilder.Build(Cdnow.Transactions, new SummaryOptions(TimeUnit.Weeks, Cdnow.CalibrationEnd));

        var p = BgNbdModel.Fit(RepeatPurchaseData.From(summary.Customers)).Model.Parameters;

        FourDigits(0.2426, p.R);
        FourDigits(4.4136, p.Alpha);
        FourDigits(0.7929, p.A);
        FourDigits(2.4259, p.B);
    }

    [Fact]
    public void Fit_StandardErrors_ArePositiveAndPlausible()
    {
        var se = CdnowFit.Value.StandardErrors;

        Assert.InRange(se.R, 0.005, 0.05);
        Assert.InRange(se.Alpha, 0.1, 1.5);
        Assert.InRange(se.A, 0.05, 0.5);
        Assert.InRange(se.B, 0.2, 2);
    }

    [Theory]
    [InlineData(0.1429, 0.0078)]
    [InlineData(1, 0.0532)]
    [InlineData(3, 0.1506)]
    [InlineData(31.8571, 1.0405)]
    [InlineData(32, 1.0437)]
    [InlineData(78, 1.8576)]
    public void ExpectedPurchases_FittedParameters_MatchHardieSpreadsheet(double t, double expected) =>
        Assert.Equal(expected, CdnowFit.Value.Model.ExpectedPurchases(t), 0.0005);

    [Fact]
    public void ExpectedPurchases_AgreesWithArbitraryPrecisionReference()
    {
        // mpmath (50 digits) for these parameters at t = 78: 1.85797178818416.
        var m = new BgNbdModel(new BgNbdParameters(0.24259290785828574, 4.413531575492986, 0.7928861247217401, 2.425753339187977));

        Assert.Equal(1.85797178818416, m.ExpectedPurchases(78), 1e-10);
    }

    [Fact]
    public void Predictions_PublishedChecks()
    {
        Assert.Equal(1.226, CdnowFit.Value.Model.ConditionalExpectedPurchases(39, 2, 30.43, 38.86), 0.0005);
        Assert.Equal(0.5737864, Published.ProbabilityOfPurchases(0, 39), 1e-6);
    }

    [Fact]
    public void ConditionalExpectation_SumOverHoldout_IsTheComputedFigure()
    {
        var model = CdnowFit.Value.Model;

        var total = Cdnow.Summary.Sum(s => model.ConditionalExpectedPurchases(39, s.Frequency, s.Recency, s.T));

        Assert.Equal(1653.4, total, 0.5);
    }

    [Property(MaxTest = 300)]
    public Property ProbabilityAlive_InUnitInterval_AndOneWithoutRepeats() =>
        Prop.ForAll(Generators.History().ToArbitrary(), h =>
        {
            var p = CdnowFit.Value.Model.ProbabilityAlive(h.X, h.Tx, h.T);
            return p >= 0 && p <= 1 && (h.X > 0 || p == 1);
        });

    [Property(MaxTest = 200)]
    public Property ExpectedPurchases_MonotoneInHorizon() =>
        Prop.ForAll(Generators.History().ToArbitrary(), Gen.Choose(1, 200).ToArbitrary(), (h, t) =>
        {
            var m = CdnowFit.Value.Model;
            var a = m.ConditionalExpectedPurchases(t, h.X, h.Tx, h.T);
            var b = m.ConditionalExpectedPurchases(t + 5, h.X, h.Tx, h.T);
            return a >= 0 && b >= a - 1e-12 && double.IsFinite(b);
        });

    [Property(MaxTest = 10)]
    public Property Fit_IsInvariantToCustomerOrder() =>
        Prop.ForAll(Gen.Choose(0, 10_000).ToArbitrary(), seed =>
        {
            var random = new Random(seed);
            var shuffled = Cdnow.Summary.OrderBy(_ => random.Next()).ToArray();
            var a = CdnowFit.Value.Model.Parameters;
            var b = BgNbdModel.Fit(RepeatPurchaseData.From(shuffled)).Model.Parameters;
            return a == b;
        });

    [Fact]
    public void LogLikelihood_CustomerFirstSeenAtCalibrationEnd_CarriesNoInformation() =>
        Assert.Equal(0, CdnowFit.Value.Model.LogLikelihood(0, 0, 0), 12);

    [Fact]
    public void LogLikelihood_SumOverCustomers_EqualsFitLogLikelihood()
    {
        var m = CdnowFit.Value.Model;

        var total = Cdnow.Summary.Sum(s => m.LogLikelihood(s.Frequency, s.Recency, s.T));

        Assert.Equal(CdnowFit.Value.LogLikelihood, total, 1e-6);
    }

    [Fact]
    public void From_ImpossibleHistories_AreClearErrors()
    {
        Assert.Contains("t_x = 5 > T = 4", Assert.Throws<ArgumentException>(() => RepeatPurchaseData.From([1], [5.0], [4.0])).Message, StringComparison.Ordinal);
        Assert.Contains("negative repeat count", Assert.Throws<ArgumentException>(() => RepeatPurchaseData.From([-1], [0.0], [4.0])).Message, StringComparison.Ordinal);
        Assert.Contains("T cannot be negative", Assert.Throws<ArgumentException>(() => RepeatPurchaseData.From([0, 0], [0.0, 0], [-1.0, 0])).Message, StringComparison.Ordinal);
        Assert.Contains("not a finite", Assert.Throws<ArgumentException>(() => RepeatPurchaseData.From([1], [double.NaN], [4.0])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_NoRepeatBuyers_OrOneCustomer_OrAllZero_IsAClearError()
    {
        var zeros = Assert.Throws<ModelFitException>(() => BgNbdModel.Fit(RepeatPurchaseData.From([0, 0, 0], [0.0, 0, 0], [0.0, 0, 0])));
        Assert.Contains("no customer made a repeat purchase", zeros.Message, StringComparison.Ordinal);
        var none = Assert.Throws<ModelFitException>(() => BgNbdModel.Fit(RepeatPurchaseData.From([0, 0, 0], [0.0, 0, 0], [10.0, 20, 30])));
        var one = Assert.Throws<ModelFitException>(() => BgNbdModel.Fit(RepeatPurchaseData.From([3], [5.0], [10.0])));

        Assert.Contains("no customer made a repeat purchase", none.Message, StringComparison.Ordinal);
        Assert.Contains("at least 2 customers", one.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_DegenerateData_ReportsNonConvergenceNotNaN()
    {
        // Everybody bought every week, right up to the end: no dropout is ever seen.
        var x = Enumerable.Repeat(10, 50).ToArray();
        var t = Enumerable.Repeat(10.0, 50).ToArray();

        var fit = BgNbdModel.Fit(RepeatPurchaseData.From(x, t, t), new FitOptions { ThrowOnNonConvergence = false });
        var ex = Assert.Throws<ModelFitException>(() => BgNbdModel.Fit(RepeatPurchaseData.From(x, t, t)));

        Assert.False(fit.Diagnostics.Converged);
        Assert.Contains("runs off", fit.Diagnostics.Message, StringComparison.Ordinal);
        Assert.NotNull(ex.Diagnostics);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Fit_AFlatLikelihood_IsNotReportedConverged_EvenWhenTheOptimiserStops(bool clockwork)
    {
        // Customers too alike (all buy five times, the last just before the end) or Poisson
        // buyers who never leave: the shapes run off (r to 1e7, a to 1e-7) where the optimiser
        // stops on a flat likelihood with NaN standard errors. That is no fit.
        var random = new Random(1);
        var n = 500;
        var x = new int[n];
        var tx = new double[n];
        var t = Enumerable.Repeat(52.0, n).ToArray();
        for (var i = 0; i < n; i++)
        {
            if (clockwork)
            {
                (x[i], tx[i]) = (5, 50 + random.NextDouble());
                continue;
            }

            double time = 0;
            while (true)
            {
                time += -Math.Log(1 - random.NextDouble()) / 0.2;
                if (time > 52)
                {
                    break;
                }

                x[i]++;
                tx[i] = time;
            }
        }

        var fit = BgNbdModel.Fit(RepeatPurchaseData.From(x, tx, t), new FitOptions { ThrowOnNonConvergence = false });

        Assert.False(fit.Diagnostics.Converged);
        Assert.Contains("the data cannot identify the BG/NBD model", fit.Diagnostics.Message, StringComparison.Ordinal);
        Assert.Contains("shape parameter", Assert.Throws<ModelFitException>(() => BgNbdModel.Fit(RepeatPurchaseData.From(x, tx, t))).Message, StringComparison.Ordinal);
    }
}

public sealed class RepeatPurchaseSimulatorTests
{
    [Fact]
    public void Fit_RecoversPlantedParameters_FromSimulatedCustomers()
    {
        var planted = new BgNbdParameters(0.5, 6, 0.8, 2.5);
        var (x, tx, t) = new RepeatPurchaseSimulator(seed: 11).SimulateBgNbd(planted, 40_000, 30, 52);

        var fit = BgNbdModel.Fit(RepeatPurchaseData.From(x, tx, t));
        var p = fit.Model.Parameters;

        // Within three standard errors of the planted values.
        Assert.InRange(p.R, planted.R - (3 * fit.StandardErrors.R), planted.R + (3 * fit.StandardErrors.R));
        Assert.InRange(p.Alpha, planted.Alpha - (3 * fit.StandardErrors.Alpha), planted.Alpha + (3 * fit.StandardErrors.Alpha));
        Assert.InRange(p.A, planted.A - (3 * fit.StandardErrors.A), planted.A + (3 * fit.StandardErrors.A));
        Assert.InRange(p.B, planted.B - (3 * fit.StandardErrors.B), planted.B + (3 * fit.StandardErrors.B));
    }

    [Fact]
    public void Simulate_SameSeedSameCustomers()
    {
        var p = new BgNbdParameters(0.5, 6, 0.8, 2.5);

        var a = new RepeatPurchaseSimulator(3).SimulateBgNbd(p, 100, 10, 20);
        var b = new RepeatPurchaseSimulator(3).SimulateBgNbd(p, 100, 10, 20);

        Assert.Equal(a.X, b.X);
        Assert.Equal(a.Tx, b.Tx);
        Assert.All(Enumerable.Range(0, 100), i => Assert.True(a.Tx[i] <= a.T[i]));
    }
}
