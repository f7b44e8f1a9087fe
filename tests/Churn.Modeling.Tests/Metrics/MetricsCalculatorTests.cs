using Churn.Modeling;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Churn.Modeling.Tests.Metrics;

public sealed class MetricsCalculatorTests
{
    private static readonly double[] Scores = [0.9, 0.8, 0.7, 0.6, 0.55, 0.4, 0.3, 0.2, 0.1, 0.05];
    private static readonly bool[] Labels = [true, true, false, true, false, false, true, false, false, false];

    [Fact]
    public void Auc_HandComputed()
    {
        // Positives at ranks 10, 9, 7, 4 (of 10): U = (10 + 9 + 7 + 4) - 4*5/2 = 20; AUC = 20 / (4 * 6).
        Assert.Equal(20.0 / 24, MetricsCalculator.Auc(Scores, Labels), 12);
        Assert.Equal(0.5, MetricsCalculator.Auc([0.5, 0.5, 0.5, 0.5], [true, false, true, false]), 12);
        Assert.True(double.IsNaN(MetricsCalculator.Auc([0.1, 0.2], [true, true])));
    }

    [Fact]
    public void AveragePrecision_LogLoss_Brier_HandComputed()
    {
        // Precision at each churner: 1/1, 2/2, 3/4, 4/7.
        Assert.Equal((1 + 1 + 0.75 + (4 / 7.0)) / 4, MetricsCalculator.AveragePrecision(Scores, Labels), 12);
        Assert.Equal(-(Math.Log(0.8) + Math.Log(0.9)) / 2, MetricsCalculator.LogLoss([0.8, 0.1], [true, false]), 12);
        Assert.Equal(((0.2 * 0.2) + (0.1 * 0.1)) / 2, MetricsCalculator.Brier([0.8, 0.1], [true, false]), 12);
    }

    [Fact]
    public void Deciles_And_Reliability()
    {
        var m = MetricsCalculator.Compute(Scores, Labels);

        Assert.Equal(10, m.Deciles.Count);
        Assert.Equal(2.5, m.Deciles[0].Lift, 12);
        Assert.Equal(1.0, m.Deciles[^1].CumulativeGain, 12);
        Assert.Equal(Labels.Length, m.Reliability.Sum(b => b.Customers));
        Assert.InRange(m.Ece, 0, 1);
    }

    [Property(MaxTest = 300)]
    public Property Auc_IsInvariantToMonotoneTransforms_AndFlipsWithNegation() =>
        Prop.ForAll(Gen.ArrayOf(Gen.Zip(Gen.Choose(0, 50), Gen.Elements(true, false))).ToArbitrary(), rows =>
        {
            if (rows.Length == 0 || rows.All(r => r.Item2) || rows.All(r => !r.Item2))
            {
                return true;
            }

            var s = rows.Select(r => (double)r.Item1).ToArray();
            var y = rows.Select(r => r.Item2).ToArray();
            var auc = MetricsCalculator.Auc(s, y);
            var squashed = MetricsCalculator.Auc([.. s.Select(v => 1 / (1 + Math.Exp(-v / 10)))], y);
            var negated = MetricsCalculator.Auc([.. s.Select(v => -v)], y);
            return auc >= 0 && auc <= 1 && Math.Abs(auc - squashed) < 1e-12 && Math.Abs(auc + negated - 1) < 1e-12;
        });

    [Fact]
    public void Validate_BadInput_IsAClearError()
    {
        Assert.Throws<ArgumentException>(() => MetricsCalculator.Compute([0.1], [true, false]));
        Assert.Throws<ArgumentException>(() => MetricsCalculator.Compute([double.NaN], [true]));
        Assert.Throws<ArgumentException>(() => MetricsCalculator.Compute([], []));
    }
}

public sealed class ProfitMeasuresTests
{
    private static readonly ProfitParameters Defaults = new();

    /// <summary>EMPC of a ranking whose best cut-off is known, integrated independently.</summary>
    private static double Expected(Func<double, double> profitAtGamma)
    {
        double sum = 0, weights = 0;
        for (var k = 0; k < 100_000; k++)
        {
            var g = (k + 0.5) / 100_000;
            var w = Math.Pow(g, 5) * Math.Pow(1 - g, 13);
            sum += w * profitAtGamma(g);
            weights += w;
        }

        return sum / weights;
    }

    [Fact]
    public void PerfectRanking_TargetsExactlyTheChurners()
    {
        var scores = Enumerable.Range(0, 100).Select(i => i < 20 ? 0.9 : 0.1).ToArray();
        var labels = Enumerable.Range(0, 100).Select(i => i < 20).ToArray();

        var p = ProfitMeasures.Compute(scores, labels, Defaults);

        // Targeting the 20% churners earns CLV(γ(1 − δ) − φ)·π0 when positive.
        var expected = Expected(g => Math.Max(0, 200 * ((g * (1 - 0.05)) - 0.005) * 0.2));
        Assert.Equal(expected, p.Empc, 1e-3);
        Assert.Equal(200 * ((0.3 * 0.95) - 0.005) * 0.2, p.Mpc, 1e-9);
        Assert.Equal(0.2, p.MpcFraction, 1e-12);
        Assert.Equal(0.9, p.MpcThreshold);
    }

    [Fact]
    public void RandomRanking_EarnsOnlyWhatTargetingEveryoneEarns()
    {
        var scores = Enumerable.Repeat(0.5, 100).ToArray();
        var labels = Enumerable.Range(0, 100).Select(i => i < 20).ToArray();

        var p = ProfitMeasures.Compute(scores, labels, Defaults);

        var expected = Expected(g => Math.Max(0, (200 * ((g * 0.95) - 0.005) * 0.2) - (200 * (0.05 + 0.005) * 0.8)));
        Assert.Equal(expected, p.Empc, 1e-3);
    }

    [Property(MaxTest = 200)]
    public Property Empc_IsBetweenZeroAndThePerfectRankingsProfit() =>
        Prop.ForAll(Gen.ArrayOf(Gen.Zip(Gen.Choose(0, 100), Gen.Elements(true, false, false))).ToArbitrary(), rows =>
        {
            if (rows.Length < 2)
            {
                return true;
            }

            var s = rows.Select(r => r.Item1 / 100.0).ToArray();
            var y = rows.Select(r => r.Item2).ToArray();
            var perfect = ProfitMeasures.Compute([.. y.Select(v => v ? 1.0 : 0.0)], y, Defaults);
            var p = ProfitMeasures.Compute(s, y, Defaults);
            return p.Empc >= 0 && p.Empc <= perfect.Empc + 1e-9 && p.EmpcFraction >= 0 && p.EmpcFraction <= 1;
        });
}
