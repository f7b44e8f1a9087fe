using Churn.Value;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Churn.Value.Tests.Models;

public sealed class ParetoNbdModelTests
{
    private static readonly Lazy<ParetoNbdFit> CdnowFit = new(() => ParetoNbdModel.Fit(RepeatPurchaseData.From(Cdnow.Summary)));

    [Fact]
    public void Fit_CdnowSummary_ReproducesPublishedParameters()
    {
        var fit = CdnowFit.Value;
        var p = fit.Model.Parameters;

        Assert.Equal(0.553, p.R, 0.0005);
        Assert.Equal(10.578, p.Alpha, 0.005);
        Assert.Equal(0.606, p.S, 0.0005);
        Assert.Equal(11.669, p.Beta, 0.005);
        Assert.Equal(-9594.97, fit.LogLikelihood, 0.01);
        Assert.True(fit.Diagnostics.Converged);
        Assert.True(fit.StandardErrors.R > 0 && fit.StandardErrors.Beta > 0);
    }

    [Fact]
    public void LogLikelihood_PerCustomer_SumsToTheFit()
    {
        var m = CdnowFit.Value.Model;

        Assert.Equal(CdnowFit.Value.LogLikelihood, Cdnow.Summary.Sum(s => m.LogLikelihood(s.Frequency, s.Recency, s.T)), 1e-6);
    }

    [Property(MaxTest = 200)]
    public Property ProbabilityAlive_InUnitInterval_ExpectationMonotone() =>
        Prop.ForAll(Generators.History().ToArbitrary(), Gen.Choose(1, 100).ToArbitrary(), (h, t) =>
        {
            var m = CdnowFit.Value.Model;
            var p = m.ProbabilityAlive(h.X, h.Tx, h.T);
            var a = m.ConditionalExpectedPurchases(t, h.X, h.Tx, h.T);
            var b = m.ConditionalExpectedPurchases(t + 10, h.X, h.Tx, h.T);
            return p >= 0 && p <= 1 && a >= 0 && b >= a;
        });

    [Fact]
    public void ProbabilityAlive_FallsWithTimeSinceLastPurchase()
    {
        var m = CdnowFit.Value.Model;

        Assert.True(m.ProbabilityAlive(5, 30, 31) > m.ProbabilityAlive(5, 10, 31));
    }
}
