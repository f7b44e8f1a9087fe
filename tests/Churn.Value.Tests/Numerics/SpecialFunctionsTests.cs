using Churn.Value.Numerics;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Churn.Value.Tests.Numerics;

public sealed class SpecialFunctionsTests
{
    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 0)]
    [InlineData(0.5, 0.57236494292470008)] // ln sqrt(pi)
    [InlineData(10, 12.801827480081469)] // ln 9!
    [InlineData(0.1, 2.2527126517342059)]
    [InlineData(150.5, 602.5139548705855)] // Python math.lgamma
    public void LogGamma_KnownValues(double x, double expected) =>
        Assert.Equal(expected, SpecialFunctions.LogGamma(x), 1e-12 * Math.Max(1, Math.Abs(expected)));

    [Theory]
    [InlineData(1, -0.57721566490153287)]
    [InlineData(0.5, -1.9635100260214235)]
    [InlineData(10, 2.2517525890667211)]
    public void Digamma_KnownValues(double x, double expected) =>
        Assert.Equal(expected, SpecialFunctions.Digamma(x), 1e-12);

    [Property(MaxTest = 200)]
    public Property Digamma_IsTheDerivativeOfLogGamma() =>
        Prop.ForAll(Gen.Choose(1, 5000).Select(i => i / 100.0).ToArbitrary(), x =>
        {
            const double h = 1e-5;
            var numeric = (SpecialFunctions.LogGamma(x + h) - SpecialFunctions.LogGamma(x - h)) / (2 * h);
            return Math.Abs(numeric - SpecialFunctions.Digamma(x)) < 1e-6 * Math.Max(1, Math.Abs(numeric));
        });

    [Property(MaxTest = 200)]
    public Property Hyp2F1_MatchesClosedForm() =>
        Prop.ForAll(Gen.Choose(1, 98).Select(i => i / 100.0).ToArbitrary(), z =>
        {
            // 2F1(1, 1; 2; z) = -ln(1 - z) / z and 2F1(a, b; b; z) = (1 - z)^-a.
            var a = SpecialFunctions.LogHyp2F1(1, 1, 2, z);
            var b = SpecialFunctions.LogHyp2F1(2.5, 3, 3, z);
            return Math.Abs(Math.Exp(a) - (-Math.Log(1 - z) / z)) < 1e-10 * Math.Exp(a)
                && Math.Abs(b - (-2.5 * Math.Log(1 - z))) < 1e-10 * Math.Max(1, Math.Abs(b));
        });

    [Fact]
    public void Hyp2F1_LargeParameters_DoNotOverflow()
    {
        var v = SpecialFunctions.LogHyp2F1(800, 900, 20, 0.9);

        Assert.True(double.IsFinite(v) && v > 700);
    }
}
