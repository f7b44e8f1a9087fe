using Churn.Data;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MathNet.Numerics.Distributions;

namespace Churn.Evaluation.Tests;

public sealed class EffectTests
{
    /// <summary>Newcombe (1998), "Interval estimation for the difference between independent proportions", Table II, method 10 (score interval, hybrid): published bounds to four decimals.</summary>
    [Theory]
    [InlineData(56, 70, 48, 80, 0.0524, 0.3339)]
    [InlineData(9, 10, 3, 10, 0.1705, 0.8090)]
    [InlineData(6, 7, 2, 7, 0.0582, 0.8062)]
    [InlineData(5, 56, 0, 29, -0.0381, 0.1926)]
    public void Newcombe_GivesThePublishedBounds(int x1, int n1, int x2, int n2, double lower, double upper)
    {
        var ci = ProportionIntervals.Newcombe(x1, n1, x2, n2);
        Assert.Equal(lower, ci.Lower, 4);
        Assert.Equal(upper, ci.Upper, 4);
    }

    /// <summary>Welch's t-test on the two samples of Wikipedia's worked example (t = −2.46, p = 0.021); ν = 24.99 computed separately with Python.</summary>
    [Fact]
    public void Welch_GivesTheWorkedExamplesDegreesOfFreedomAndPValue()
    {
        double[] a = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4];
        double[] b = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4];
        var (ci, df, p) = MeanIntervals.Welch(a.Average(), Variance(a), a.Length, b.Average(), Variance(b), b.Length);
        Assert.Equal(24.99, df, 2);
        Assert.Equal(0.021, p, 3);
        Assert.True(ci.Upper < 0);
    }

    [Fact]
    public void OnHillstrom_TheArmsRatesAndSpends_AndMensEffects_AreWhatTheFileSays()
    {
        var rows = Hillstrom.Rows;
        var visit = CampaignEvaluator.Evaluate(rows.Select(r => (r.Arm, r.Visit)), "No E-Mail", OutcomeKind.Binary);
        var spend = CampaignEvaluator.Evaluate(rows.Select(r => (r.Arm, r.Spend)), "No E-Mail", OutcomeKind.Continuous);
        Assert.Equal(["No E-Mail", "Mens E-Mail", "Womens E-Mail"], visit.Arms.Select(a => a.Arm));

        // The figures, to four significant digits.
        Assert.Equal(0.1828, Math.Round(visit.Arms[1].Mean, 4));
        Assert.Equal(0.1514, Math.Round(visit.Arms[2].Mean, 4));
        Assert.Equal(0.1062, Math.Round(visit.Arms[0].Mean, 4));
        Assert.Equal(1.423, Math.Round(spend.Arms[1].Mean, 3));
        Assert.Equal(1.077, Math.Round(spend.Arms[2].Mean, 3));
        Assert.Equal(0.6528, Math.Round(spend.Arms[0].Mean, 4));

        // Mens against control, computed here from the file's counts and sums with the textbook formulas.
        var mens = rows.Where(r => r.Arm == "Mens E-Mail").ToList();
        var none = rows.Where(r => r.Arm == "No E-Mail").ToList();
        var (x1, n1, x0, n0) = ((long)mens.Sum(r => r.Visit), (long)mens.Count, (long)none.Sum(r => r.Visit), (long)none.Count);
        var (p1, p0) = ((double)x1 / n1, (double)x0 / n0);
        var (l1, u1) = WilsonHere(x1, n1);
        var (l0, u0) = WilsonHere(x0, n0);
        Assert.Equal(p1 - p0, visit.Arms[1].Diff, 12);
        Assert.Equal(p1 - p0 - Math.Sqrt(((p1 - l1) * (p1 - l1)) + ((u0 - p0) * (u0 - p0))), visit.Arms[1].Ci95.Lower, 10);
        Assert.Equal(p1 - p0 + Math.Sqrt(((u1 - p1) * (u1 - p1)) + ((p0 - l0) * (p0 - l0))), visit.Arms[1].Ci95.Upper, 10);

        var (m1, v1) = (mens.Average(r => r.Spend), Variance([.. mens.Select(r => r.Spend)]));
        var (m0, v0) = (none.Average(r => r.Spend), Variance([.. none.Select(r => r.Spend)]));
        var se = Math.Sqrt((v1 / n1) + (v0 / n0));
        var df = Math.Pow((v1 / n1) + (v0 / n0), 2) / ((Math.Pow(v1 / n1, 2) / (n1 - 1)) + (Math.Pow(v0 / n0, 2) / (n0 - 1)));
        var t = StudentT.InvCDF(0, 1, df, 0.975);
        Assert.Equal(m1 - m0 - (t * se), spend.Arms[1].Ci95.Lower, 10);
        Assert.Equal(m1 - m0 + (t * se), spend.Arms[1].Ci95.Upper, 10);
        Assert.True(visit.Arms[1].P < 1e-10 && spend.Arms[1].P < 0.01);
        Assert.Equal((p1 - p0) / p0, visit.Arms[1].RelativeLift!.Value, 12);
        Assert.True(visit.Arms[1].RelativeLiftCi!.Value.Contains(visit.Arms[1].RelativeLift!.Value));
        Assert.True(visit.Arms.Skip(1).All(a => a.PAdjusted >= a.P));
    }

    [Property(MaxTest = 100)]
    public Property WhenTheTreatmentIsTheControl_TheEffectIsZero_AndItsIntervalHoldsZero() =>
        Prop.ForAll(Gen.ListOf(Gen.Choose(0, 1)).Where(l => l.Count >= 4 && l.Distinct().Count() == 2).ToArbitrary(), Gen.ListOf(Gen.Choose(-50, 500)).Where(l => l.Count >= 3 && l.Distinct().Count() > 1).ToArbitrary(), (bits, amounts) =>
        {
            var binary = CampaignEvaluator.Evaluate(bits.SelectMany(b => new[] { ("t", (double)b), ("c", (double)b) }), "c", OutcomeKind.Binary);
            var cont = CampaignEvaluator.Evaluate(amounts.SelectMany(a => new[] { ("t", a / 10.0), ("c", a / 10.0) }), "c", OutcomeKind.Continuous, new EvaluationOptions { Bootstrap = 200 });
            return binary.Arms[1].Diff == 0 && binary.Arms[1].Ci95.Contains(0) && Math.Abs(cont.Arms[1].Diff) < 1e-12 && cont.Arms[1].Ci95.Contains(0) && binary.Arms[1].P > 0.99;
        });

    [Property(MaxTest = 100)]
    public Property TheInterval_NarrowsAsTheArmsGrow() =>
        Prop.ForAll(Gen.Choose(5, 95).ToArbitrary(), Gen.Choose(5, 95).ToArbitrary(), Gen.Choose(1, 5).ToArbitrary(), (a, b, hundreds) =>
        {
            // The same rates a % and b % at every size: 100 × hundreds rows per arm, then four times as many.
            IEnumerable<(string, double)> Rows(int k) =>
                Enumerable.Range(0, 100 * hundreds * k).SelectMany(i => new[] { ("t", i % 100 < a ? 1.0 : 0.0), ("c", i % 100 < b ? 1.0 : 0.0) });
            var small = CampaignEvaluator.Evaluate(Rows(1), "c", OutcomeKind.Binary).Arms[1].Ci95;
            var large = CampaignEvaluator.Evaluate(Rows(4), "c", OutcomeKind.Binary).Arms[1].Ci95;
            return large.Width < small.Width;
        });

    [Fact]
    public void TheBootstrap_IsTheSameForTheSameSeed_AnotherForAnother_AndCloseToWelchOnHillstrom()
    {
        var rows = Hillstrom.Rows.Where(r => r.Arm != "Womens E-Mail").Select(r => (r.Arm, r.Spend)).ToList();
        var welch = CampaignEvaluator.Evaluate(rows, "No E-Mail", OutcomeKind.Continuous).Arms[1].Ci95;
        var one = CampaignEvaluator.Evaluate(rows, "No E-Mail", OutcomeKind.Continuous, new EvaluationOptions { Bootstrap = 400, Seed = 7 }).Arms[1].Ci95;
        var again = CampaignEvaluator.Evaluate(rows, "No E-Mail", OutcomeKind.Continuous, new EvaluationOptions { Bootstrap = 400, Seed = 7 }).Arms[1].Ci95;
        var other = CampaignEvaluator.Evaluate(rows, "No E-Mail", OutcomeKind.Continuous, new EvaluationOptions { Bootstrap = 400, Seed = 8 }).Arms[1].Ci95;
        Assert.Equal(one, again);
        Assert.NotEqual(one, other);
        Assert.InRange(one.Lower, welch.Lower - 0.1, welch.Lower + 0.1);
        Assert.InRange(one.Upper, welch.Upper - 0.1, welch.Upper + 0.1);
    }

    [Fact]
    public void BadInput_SaysWhichRowAndWhy()
    {
        Assert.Contains("Row 2 (arm 't'): outcome 2 is not 0 or 1", Assert.Throws<ArgumentException>(() => CampaignEvaluator.Evaluate([("c", 1.0), ("t", 2.0)], "c", OutcomeKind.Binary)).Message, StringComparison.Ordinal);
        Assert.Contains("The control arm 'x' has no row (arms: c, t)", Assert.Throws<ArgumentException>(() => CampaignEvaluator.Evaluate([("c", 1.0), ("t", 0.0)], "x", OutcomeKind.Binary)).Message, StringComparison.Ordinal);
        Assert.Contains("is not a finite number", Assert.Throws<ArgumentException>(() => CampaignEvaluator.Evaluate([("c", double.NaN)], "c", OutcomeKind.Continuous)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SampleSizes_MatchTheStandardFormulas_AndPowerRoundTrips()
    {
        // 10 % to 12 %, two-sided 5 %, power 80 %: 3,841 per arm (pooled-variance normal approximation).
        Assert.Equal(3841, PowerCalculator.SampleSizeForProportions(0.10, 0.12));
        Assert.InRange(PowerCalculator.PowerForProportions(0.10, 0.12, 3841, 3841), 0.799, 0.805);
        Assert.True(PowerCalculator.PowerForProportions(0.10, 0.12, 1000, 1000) < 0.5);

        // A difference of half a standard deviation: 63 per arm.
        Assert.Equal(63, PowerCalculator.SampleSizeForMeans(1, 0.5));
        Assert.InRange(PowerCalculator.PowerForMeans(1, 0.5, 63, 63), 0.80, 0.81);
    }

    [Fact]
    public void TheSequentialTest_KeepsItsFalsePositiveRate_WhenLookedAtAfterEveryBatch_WhereRepeatedFixedTestsDoNot()
    {
        // 400 A/A experiments, 40 looks each after batches of 50 per arm: the always-valid test rejects at most about 5 %;
        // a fixed-horizon Welch test repeated at every look rejects far more.
        var rng = new Random(5);
        int sequentialRejects = 0, naiveRejects = 0;
        for (var e = 0; e < 400; e++)
        {
            var test = new SequentialTest(tau: 0.2);
            var (t, c) = (new List<double>(), new List<double>());
            bool seq = false, naive = false;
            for (var look = 0; look < 40; look++)
            {
                for (var i = 0; i < 50; i++)
                {
                    t.Add(Gaussian(rng));
                    c.Add(Gaussian(rng));
                }

                var l = test.Look(t.Average(), Variance(t), t.Count, c.Average(), Variance(c), c.Count);
                seq |= l.Reject;
                naive |= MeanIntervals.Welch(t.Average(), Variance(t), t.Count, c.Average(), Variance(c), c.Count).P < 0.05;
            }

            sequentialRejects += seq ? 1 : 0;
            naiveRejects += naive ? 1 : 0;
        }

        Assert.InRange(sequentialRejects / 400.0, 0, 0.07);
        Assert.True(naiveRejects / 400.0 > 0.15, $"naive {naiveRejects}");

        // With a real effect (0.3 sd) it stops early, and its interval holds the truth.
        var effect = new SequentialTest(0.2);
        SequentialLook last = default;
        var (tt, cc) = (new List<double>(), new List<double>());
        for (var look = 0; look < 40 && !last.Reject; look++)
        {
            for (var i = 0; i < 50; i++)
            {
                tt.Add(Gaussian(rng) + 0.3);
                cc.Add(Gaussian(rng));
            }

            last = effect.Look(tt.Average(), Variance(tt), tt.Count, cc.Average(), Variance(cc), cc.Count);
        }

        Assert.True(last.Reject);
        Assert.True(last.Interval.Contains(0.3));
        Assert.True(effect.Looks < 40);
    }

    [Fact]
    public void Roi_IsRetainedValueMinusCost_WithTheDifferencesInterval()
    {
        var rows = Enumerable.Range(0, 2000).SelectMany(i => new[] { ("treated", i % 100 < 90 ? 1.0 : 0.0), ("holdout", i % 100 < 85 ? 1.0 : 0.0) });
        var arm = CampaignEvaluator.Evaluate(rows, "holdout", OutcomeKind.Binary).Arms[1];
        var roi = RoiEstimate.From(arm, 500m, 20_000m);
        Assert.Equal(100, roi.Retained, 6);
        Assert.Equal(30_000, (double)roi.Net, 3);
        Assert.Equal(1.5, roi.Roi!.Value, 6);
        Assert.True(roi.NetInterval.Contains(30_000) && roi.NetInterval.Lower > -20_000);
    }

    internal static double Variance(IReadOnlyList<double> x)
    {
        var m = x.Average();
        return x.Sum(v => (v - m) * (v - m)) / (x.Count - 1);
    }

    private static (double Lower, double Upper) WilsonHere(long x, long n)
    {
        const double z = 1.959963984540054;
        var p = (double)x / n;
        var d = 1 + (z * z / n);
        var centre = (p + (z * z / (2 * n))) / d;
        var half = z / d * Math.Sqrt((p * (1 - p) / n) + (z * z / (4.0 * n * n)));
        return (centre - half, centre + half);
    }

    private static double Gaussian(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}

/// <summary>The Hillstrom e-mail experiment (tests/data/hillstrom), read once with the SDK's quote-aware CSV reader.</summary>
internal static class Hillstrom
{
    private static readonly Lazy<List<(string Arm, double Visit, double Conversion, double Spend)>> Lazy = new(() =>
    {
        var table = CsvTable.Read(Path.Combine(AppContext.BaseDirectory, "data", "hillstrom", "hillstrom.csv"), new IngestReport(10), new CsvTableOptions { TextColumns = ["segment"] });
        var arm = table.Columns[table.IndexOf("segment")].Texts!;
        var visit = table.Columns[table.IndexOf("visit")].Numbers!;
        var conversion = table.Columns[table.IndexOf("conversion")].Numbers!;
        var spend = table.Columns[table.IndexOf("spend")].Numbers!;
        return [.. Enumerable.Range(0, arm.Length).Select(i => (arm[i]!, visit[i], conversion[i], spend[i]))];
    });

    public static List<(string Arm, double Visit, double Conversion, double Spend)> Rows => Lazy.Value;
}
