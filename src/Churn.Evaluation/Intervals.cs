using MathNet.Numerics.Distributions;

namespace Churn.Evaluation;

/// <summary>An interval: lower and upper bounds.</summary>
/// <param name="Lower">The lower bound.</param>
/// <param name="Upper">The upper bound.</param>
public readonly record struct Interval(double Lower, double Upper)
{
    /// <summary>Whether the interval holds a value.</summary>
    /// <param name="value">The value.</param>
    /// <returns>True when <see cref="Lower"/> ≤ value ≤ <see cref="Upper"/>.</returns>
    public bool Contains(double value) => value >= Lower && value <= Upper;

    /// <summary>Gets the interval's width.</summary>
    public double Width => Upper - Lower;
}

/// <summary>Intervals for proportions: Wilson's score interval for one, Newcombe's hybrid score interval for the difference of two.</summary>
public static class ProportionIntervals
{
    /// <summary>The two-sided normal quantile of a confidence level (1.959963984540054 for 0.95).</summary>
    /// <param name="confidence">The confidence level, in (0, 1).</param>
    /// <returns>z.</returns>
    public static double Z(double confidence) =>
        confidence is > 0 and < 1 ? Normal.InvCDF(0, 1, 1 - ((1 - confidence) / 2)) : throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "A confidence level lies in (0, 1).");

    /// <summary>Wilson's score interval for a proportion.</summary>
    /// <param name="successes">The successes.</param>
    /// <param name="n">The trials.</param>
    /// <param name="confidence">The confidence level (default 0.95).</param>
    /// <returns>The interval, within [0, 1]; [0, 1] when there is no trial.</returns>
    public static Interval Wilson(long successes, long n, double confidence = 0.95)
    {
        Check(successes, n);
        if (n == 0)
        {
            return new Interval(0, 1);
        }

        var z = Z(confidence);
        var p = (double)successes / n;
        var z2 = z * z;
        var denominator = 1 + (z2 / n);
        var centre = (p + (z2 / (2.0 * n))) / denominator;
        var half = z / denominator * Math.Sqrt((p * (1 - p) / n) + (z2 / (4.0 * n * n)));
        return new Interval(Math.Max(0, centre - half), Math.Min(1, centre + half));
    }

    /// <summary>Newcombe's hybrid score interval (his method 10, 1998) for the difference of two proportions, p1 − p2, from each one's Wilson interval.</summary>
    /// <param name="x1">Successes in the first group.</param>
    /// <param name="n1">Trials in the first group.</param>
    /// <param name="x2">Successes in the second group.</param>
    /// <param name="n2">Trials in the second group.</param>
    /// <param name="confidence">The confidence level (default 0.95).</param>
    /// <returns>The interval, within [−1, 1].</returns>
    public static Interval Newcombe(long x1, long n1, long x2, long n2, double confidence = 0.95)
    {
        var (l1, u1) = Wilson(x1, n1, confidence);
        var (l2, u2) = Wilson(x2, n2, confidence);
        var p1 = n1 == 0 ? 0.5 : (double)x1 / n1;
        var p2 = n2 == 0 ? 0.5 : (double)x2 / n2;
        var d = p1 - p2;
        return new Interval(
            Math.Max(-1, d - Math.Sqrt(((p1 - l1) * (p1 - l1)) + ((u2 - p2) * (u2 - p2)))),
            Math.Min(1, d + Math.Sqrt(((u1 - p1) * (u1 - p1)) + ((p2 - l2) * (p2 - l2)))));
    }

    /// <summary>The two-sided p-value of the pooled two-proportion z-test of p1 = p2.</summary>
    /// <param name="x1">Successes in the first group.</param>
    /// <param name="n1">Trials in the first group.</param>
    /// <param name="x2">Successes in the second group.</param>
    /// <param name="n2">Trials in the second group.</param>
    /// <returns>The p-value (1 when the pooled proportion is 0 or 1).</returns>
    public static double PValue(long x1, long n1, long x2, long n2)
    {
        Check(x1, n1);
        Check(x2, n2);
        if (n1 == 0 || n2 == 0)
        {
            return 1;
        }

        var pooled = (double)(x1 + x2) / (n1 + n2);
        var se = Math.Sqrt(pooled * (1 - pooled) * ((1.0 / n1) + (1.0 / n2)));
        if (se == 0)
        {
            return 1;
        }

        var z = (((double)x1 / n1) - ((double)x2 / n2)) / se;
        return Math.Min(1, 2 * Normal.CDF(0, 1, -Math.Abs(z)));
    }

    private static void Check(long successes, long n)
    {
        if (n < 0 || successes < 0 || successes > n)
        {
            throw new ArgumentOutOfRangeException(nameof(successes), $"{successes} successes in {n} trials.");
        }
    }
}

/// <summary>Welch's interval and test for the difference of two means with unequal variances.</summary>
public static class MeanIntervals
{
    /// <summary>Welch's interval for m1 − m2, with the Welch–Satterthwaite degrees of freedom, and the two-sided p-value of m1 = m2.</summary>
    /// <param name="mean1">The first group's mean.</param>
    /// <param name="variance1">The first group's sample variance (n − 1).</param>
    /// <param name="n1">The first group's size (at least 2).</param>
    /// <param name="mean2">The second group's mean.</param>
    /// <param name="variance2">The second group's sample variance.</param>
    /// <param name="n2">The second group's size (at least 2).</param>
    /// <param name="confidence">The confidence level (default 0.95).</param>
    /// <returns>The interval, the degrees of freedom and the p-value; when both variances are zero, the point difference and p 1 (equal means) or 0.</returns>
    public static (Interval Interval, double DegreesOfFreedom, double P) Welch(double mean1, double variance1, long n1, double mean2, double variance2, long n2, double confidence = 0.95)
    {
        if (n1 < 2 || n2 < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(n1), "Welch's interval needs at least two observations in each group.");
        }

        var a = variance1 / n1;
        var b = variance2 / n2;
        var d = mean1 - mean2;
        var se = Math.Sqrt(a + b);
        if (se == 0)
        {
            return (new Interval(d, d), double.PositiveInfinity, d == 0 ? 1 : 0);
        }

        var df = (a + b) * (a + b) / ((a * a / (n1 - 1)) + (b * b / (n2 - 1)));
        var t = StudentT.InvCDF(0, 1, df, 1 - ((1 - confidence) / 2));
        var p = Math.Min(1, 2 * StudentT.CDF(0, 1, df, -Math.Abs(d / se)));
        return (new Interval(d - (t * se), d + (t * se)), df, p);
    }
}
