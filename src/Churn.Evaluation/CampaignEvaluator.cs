using System.Globalization;
using Churn.Data;
using MathNet.Numerics.Distributions;

namespace Churn.Evaluation;

/// <summary>What an outcome measures.</summary>
public enum OutcomeKind
{
    /// <summary>Yes or no, 1 or 0: retained, converted, visited.</summary>
    Binary = 0,

    /// <summary>An amount: spend, revenue.</summary>
    Continuous,
}

/// <summary>Options of <see cref="CampaignEvaluator"/>.</summary>
public sealed record EvaluationOptions
{
    /// <summary>Gets the confidence level of the intervals (default 0.95).</summary>
    public double Confidence { get; init; } = 0.95;

    /// <summary>Gets how many bootstrap resamples replace the analytic intervals of differences (0, the default: Newcombe for proportions, Welch for means).</summary>
    public int Bootstrap { get; init; }

    /// <summary>Gets the bootstrap's seed: the same seed gives the same intervals.</summary>
    public long Seed { get; init; } = 42;
}

/// <summary>One arm's outcome and its effect against the control.</summary>
/// <param name="Arm">The arm.</param>
/// <param name="N">Its customers.</param>
/// <param name="Mean">Its mean outcome (a rate for a binary outcome).</param>
/// <param name="Diff">Its mean minus the control's.</param>
/// <param name="Ci95">The interval of the difference at <see cref="EvaluationOptions.Confidence"/> (0.95 by default).</param>
/// <param name="RelativeLift">The difference over the control's mean (none when the control's mean is 0).</param>
/// <param name="P">The two-sided p-value of no difference (two-proportion z-test, or Welch's t-test; 1 for the control).</param>
public sealed record ArmEffect(string Arm, long N, double Mean, double Diff, Interval Ci95, double? RelativeLift, double P)
{
    /// <summary>Gets the interval of the relative lift (delta method on the log of the ratio of means), when it exists.</summary>
    public Interval? RelativeLiftCi { get; init; }

    /// <summary>Gets the p-value adjusted for the several arms compared with one control (Holm's step-down).</summary>
    public double PAdjusted { get; init; }

    /// <summary>Gets the arm's standard deviation (a binary outcome's: √(p(1 − p))).</summary>
    public double StandardDeviation { get; init; }

    /// <summary>Gets the arm's sum of outcomes (successes for a binary outcome).</summary>
    public double Sum { get; init; }
}

/// <summary>The effect of a campaign: every arm against the control (the control is listed too, with difference 0).</summary>
/// <param name="Control">The control arm.</param>
/// <param name="Kind">Binary or continuous.</param>
/// <param name="Arms">The arms, the control first, then the others in ordinal order.</param>
/// <param name="Method">How the intervals were computed, in words.</param>
public sealed record CampaignEffect(string Control, OutcomeKind Kind, IReadOnlyList<ArmEffect> Arms, string Method);

/// <summary>
/// The effect of an intervention against its holdout (or of several arms against one control): per arm n and mean;
/// the difference with its interval (Newcombe's hybrid score interval for proportions, Welch's for means, or a seeded
/// percentile bootstrap), the relative lift with its interval, the p-value and the Holm-adjusted p-value.
/// </summary>
public static class CampaignEvaluator
{
    /// <summary>Evaluates a campaign from one row per customer.</summary>
    /// <param name="rows">Each customer's arm and outcome.</param>
    /// <param name="control">The control arm.</param>
    /// <param name="kind">Binary (outcomes 0 or 1) or continuous.</param>
    /// <param name="options">Confidence, bootstrap and seed.</param>
    /// <returns>The effect.</returns>
    /// <exception cref="ArgumentException">The control arm has no row, there is no other arm, an outcome is not a finite number, or a binary outcome is neither 0 nor 1 (with the row).</exception>
    public static CampaignEffect Evaluate(IEnumerable<(string Arm, double Outcome)> rows, string control, OutcomeKind kind, EvaluationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(control);
        options ??= new EvaluationOptions();
        if (options.Confidence is not (> 0 and < 1) || options.Bootstrap < 0)
        {
            throw new ArgumentException("The confidence lies in (0, 1) and the bootstrap resamples are at least 0.", nameof(options));
        }

        var arms = new Dictionary<string, Accumulator>(StringComparer.Ordinal);
        var row = 0L;
        foreach (var (arm, y) in rows)
        {
            row++;
            if (!double.IsFinite(y) || (kind == OutcomeKind.Binary && y is not (0 or 1)))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Row {row} (arm '{arm}'): outcome {y} is not {(kind == OutcomeKind.Binary ? "0 or 1" : "a finite number")}."), nameof(rows));
            }

            if (!arms.TryGetValue(arm, out var acc))
            {
                arms[arm] = acc = new Accumulator(options.Bootstrap > 0);
            }

            acc.Add(y);
        }

        if (!arms.TryGetValue(control, out var c) || c.N == 0)
        {
            throw new ArgumentException($"The control arm '{control}' has no row (arms: {string.Join(", ", arms.Keys.Order(StringComparer.Ordinal))}).", nameof(control));
        }

        if (arms.Count < 2)
        {
            throw new ArgumentException($"Only the control arm '{control}' has rows: nothing to compare.", nameof(rows));
        }

        var others = arms.Keys.Where(k => k != control).Order(StringComparer.Ordinal).ToList();
        var effects = new List<ArmEffect> { Effect(control, c, c, kind, options, -1) with { P = 1 } };
        for (var i = 0; i < others.Count; i++)
        {
            effects.Add(Effect(others[i], arms[others[i]], c, kind, options, i));
        }

        // Holm's step-down over the arms against the control.
        var order = Enumerable.Range(1, others.Count).OrderBy(i => effects[i].P).ThenBy(i => i).ToList();
        var running = 0.0;
        for (var rank = 0; rank < order.Count; rank++)
        {
            var i = order[rank];
            running = Math.Max(running, Math.Min(1, (order.Count - rank) * effects[i].P));
            effects[i] = effects[i] with { PAdjusted = running };
        }

        effects[0] = effects[0] with { PAdjusted = 1 };
        var method = options.Bootstrap > 0
            ? string.Create(CultureInfo.InvariantCulture, $"percentile bootstrap, {options.Bootstrap} resamples, seed {options.Seed}")
            : kind == OutcomeKind.Binary ? "Newcombe hybrid score interval; pooled two-proportion z-test" : "Welch interval; Welch t-test";
        return new CampaignEffect(control, kind, effects, method);
    }

    private static ArmEffect Effect(string arm, Accumulator a, Accumulator c, OutcomeKind kind, EvaluationOptions options, int index)
    {
        var isControl = ReferenceEquals(a, c);
        var diff = isControl ? 0 : a.Mean - c.Mean;
        Interval ci;
        double p;
        if (isControl)
        {
            (ci, p) = (new Interval(0, 0), 1);
        }
        else if (kind == OutcomeKind.Binary)
        {
            var (x1, x0) = ((long)a.Sum, (long)c.Sum);
            ci = ProportionIntervals.Newcombe(x1, a.N, x0, c.N, options.Confidence);
            p = ProportionIntervals.PValue(x1, a.N, x0, c.N);
        }
        else
        {
            if (a.N < 2 || c.N < 2)
            {
                throw new ArgumentException($"Arm '{arm}' or the control has fewer than two rows: a mean's interval needs two.");
            }

            (ci, _, p) = MeanIntervals.Welch(a.Mean, a.Variance, a.N, c.Mean, c.Variance, c.N, options.Confidence);
        }

        if (!isControl && options.Bootstrap > 0)
        {
            ci = Bootstrap(a.Values!, c.Values!, options, index);
        }

        double? lift = c.Mean != 0 ? diff / c.Mean : null;
        Interval? liftCi = null;
        if (!isControl && c.Mean > 0 && a.Mean > 0)
        {
            // Delta method on log(mean_a / mean_c): var ≈ s_a² / (n_a m_a²) + s_c² / (n_c m_c²).
            var v = (a.Variance / (a.N * a.Mean * a.Mean)) + (c.Variance / (c.N * c.Mean * c.Mean));
            var z = ProportionIntervals.Z(options.Confidence);
            var log = Math.Log(a.Mean / c.Mean);
            liftCi = new Interval(Math.Exp(log - (z * Math.Sqrt(v))) - 1, Math.Exp(log + (z * Math.Sqrt(v))) - 1);
        }
        else if (isControl)
        {
            liftCi = new Interval(0, 0);
        }

        return new ArmEffect(arm, a.N, a.Mean, diff, ci, isControl ? 0 : lift, p)
        {
            RelativeLiftCi = liftCi,
            StandardDeviation = Math.Sqrt(kind == OutcomeKind.Binary ? a.Mean * (1 - a.Mean) : a.Variance),
            Sum = a.Sum,
        };
    }

    /// <summary>The percentile bootstrap of the difference of means: each arm resampled on its own stream of the seed.</summary>
    private static Interval Bootstrap(List<double> arm, List<double> control, EvaluationOptions options, int index)
    {
        var diffs = new double[options.Bootstrap];
        var ra = Rng.ForStream(options.Seed, (2L * index) + 1);
        var rc = Rng.ForStream(options.Seed, (2L * index) + 2);
        for (var b = 0; b < diffs.Length; b++)
        {
            diffs[b] = Resample(arm, ref ra) - Resample(control, ref rc);
        }

        Array.Sort(diffs);
        var tail = (1 - options.Confidence) / 2;
        return new Interval(Quantile(diffs, tail), Quantile(diffs, 1 - tail));
    }

    private static double Resample(List<double> values, ref Rng rng)
    {
        var sum = 0.0;
        for (var i = 0; i < values.Count; i++)
        {
            sum += values[rng.NextInt(values.Count)];
        }

        return sum / values.Count;
    }

    private static double Quantile(double[] sorted, double q)
    {
        var h = (sorted.Length - 1) * q;
        var lo = (int)Math.Floor(h);
        var hi = Math.Min(sorted.Length - 1, lo + 1);
        return sorted[lo] + ((h - lo) * (sorted[hi] - sorted[lo]));
    }

    /// <summary>Welford's running mean and variance, and the sum.</summary>
    private sealed class Accumulator(bool keep)
    {
        private double _m2;

        public long N { get; private set; }

        public double Mean { get; private set; }

        public double Sum { get; private set; }

        public double Variance => N > 1 ? _m2 / (N - 1) : 0;

        public List<double>? Values { get; } = keep ? [] : null;

        public void Add(double y)
        {
            N++;
            Sum += y;
            var delta = y - Mean;
            Mean += delta / N;
            _m2 += delta * (y - Mean);
            Values?.Add(y);
        }
    }
}

/// <summary>Power and sample size for comparing an arm with a control (two-sided, normal approximation).</summary>
public static class PowerCalculator
{
    /// <summary>Customers needed per arm to detect a change of proportion from <paramref name="control"/> to <paramref name="treated"/>.</summary>
    /// <param name="control">The control's rate.</param>
    /// <param name="treated">The rate to detect.</param>
    /// <param name="alpha">The two-sided significance level (default 0.05).</param>
    /// <param name="power">The power (default 0.8).</param>
    /// <returns>The customers per arm (equal arms), rounded up.</returns>
    public static long SampleSizeForProportions(double control, double treated, double alpha = 0.05, double power = 0.8)
    {
        Check(alpha, power);
        if (control is <= 0 or >= 1 || treated is <= 0 or >= 1 || control == treated)
        {
            throw new ArgumentOutOfRangeException(nameof(treated), "Both rates lie in (0, 1) and differ.");
        }

        var za = Normal.InvCDF(0, 1, 1 - (alpha / 2));
        var zb = Normal.InvCDF(0, 1, power);
        var pBar = (control + treated) / 2;
        var n = Math.Pow((za * Math.Sqrt(2 * pBar * (1 - pBar))) + (zb * Math.Sqrt((control * (1 - control)) + (treated * (1 - treated)))), 2) / Math.Pow(treated - control, 2);
        return (long)Math.Ceiling(n);
    }

    /// <summary>The power of comparing two proportions with the given arm sizes.</summary>
    /// <param name="control">The control's rate.</param>
    /// <param name="treated">The treated rate.</param>
    /// <param name="nControl">The control's customers.</param>
    /// <param name="nTreated">The treated customers.</param>
    /// <param name="alpha">The two-sided significance level (default 0.05).</param>
    /// <returns>The power, in [0, 1].</returns>
    public static double PowerForProportions(double control, double treated, long nControl, long nTreated, double alpha = 0.05)
    {
        Check(alpha, 0.5);
        var za = Normal.InvCDF(0, 1, 1 - (alpha / 2));
        var pBar = ((control * nControl) + (treated * nTreated)) / (nControl + nTreated);
        var seNull = Math.Sqrt(pBar * (1 - pBar) * ((1.0 / nControl) + (1.0 / nTreated)));
        var seAlt = Math.Sqrt((control * (1 - control) / nControl) + (treated * (1 - treated) / nTreated));
        var d = Math.Abs(treated - control);
        return Normal.CDF(0, 1, ((d - (za * seNull)) / seAlt)) + Normal.CDF(0, 1, ((-d - (za * seNull)) / seAlt));
    }

    /// <summary>Customers needed per arm to detect a difference of means.</summary>
    /// <param name="standardDeviation">The outcome's standard deviation (assumed equal in both arms).</param>
    /// <param name="difference">The difference to detect.</param>
    /// <param name="alpha">The two-sided significance level (default 0.05).</param>
    /// <param name="power">The power (default 0.8).</param>
    /// <returns>The customers per arm, rounded up.</returns>
    public static long SampleSizeForMeans(double standardDeviation, double difference, double alpha = 0.05, double power = 0.8)
    {
        Check(alpha, power);
        if (!(standardDeviation > 0) || difference == 0 || !double.IsFinite(difference))
        {
            throw new ArgumentOutOfRangeException(nameof(difference), "The standard deviation is positive and the difference not zero.");
        }

        var za = Normal.InvCDF(0, 1, 1 - (alpha / 2));
        var zb = Normal.InvCDF(0, 1, power);
        return (long)Math.Ceiling(2 * Math.Pow((za + zb) * standardDeviation / difference, 2));
    }

    /// <summary>The power of comparing two means with the given arm sizes.</summary>
    /// <param name="standardDeviation">The outcome's standard deviation.</param>
    /// <param name="difference">The true difference.</param>
    /// <param name="nControl">The control's customers.</param>
    /// <param name="nTreated">The treated customers.</param>
    /// <param name="alpha">The two-sided significance level (default 0.05).</param>
    /// <returns>The power.</returns>
    public static double PowerForMeans(double standardDeviation, double difference, long nControl, long nTreated, double alpha = 0.05)
    {
        Check(alpha, 0.5);
        var za = Normal.InvCDF(0, 1, 1 - (alpha / 2));
        var se = standardDeviation * Math.Sqrt((1.0 / nControl) + (1.0 / nTreated));
        var d = Math.Abs(difference);
        return Normal.CDF(0, 1, (d / se) - za) + Normal.CDF(0, 1, (-d / se) - za);
    }

    private static void Check(double alpha, double power)
    {
        if (alpha is not (> 0 and < 1) || power is not (> 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), "The significance level and the power lie in (0, 1).");
        }
    }
}
