namespace Churn.Evaluation;

/// <summary>One look of a <see cref="SequentialTest"/>.</summary>
/// <param name="Diff">The estimated difference at this look.</param>
/// <param name="P">The always-valid p-value so far: the smallest over the looks, valid however often and whenever one looks.</param>
/// <param name="Interval">The always-valid interval so far (the intersection over the looks).</param>
/// <param name="Reject">Whether <see cref="P"/> has reached the significance level: the effect is not zero.</param>
public readonly record struct SequentialLook(double Diff, double P, Interval Interval, bool Reject);

/// <summary>
/// An always-valid test of a difference of means (or proportions) that may be looked at after every batch without
/// inflating the false-positive rate: the mixture sequential probability ratio test with a normal mixture N(0, τ²) on
/// the effect (Robbins 1970; Johari, Pekelis and Walsh, "Always valid inference", 2017). At each look, with the
/// estimated difference d and its variance V = s₁²/n₁ + s₂²/n₂, the likelihood ratio is
/// Λ = √(V / (V + τ²)) · exp(d² τ² / (2 V (V + τ²))); the p-value is the smallest 1/Λ so far and the interval the
/// intersection of { θ : Λ(θ) &lt; 1/α } so far. Choose τ near the effect you expect: the test is valid for any τ,
/// and most powerful for effects of about that size.
/// </summary>
public sealed class SequentialTest
{
    private double _p = 1;
    private Interval _interval = new(double.NegativeInfinity, double.PositiveInfinity);

    /// <summary>Initializes a new instance of the <see cref="SequentialTest"/> class.</summary>
    /// <param name="tau">The mixture's scale: about the size of effect expected (in the outcome's units).</param>
    /// <param name="alpha">The significance level (default 0.05).</param>
    public SequentialTest(double tau, double alpha = 0.05)
    {
        if (!(tau > 0) || !double.IsFinite(tau) || alpha is not (> 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(tau), "τ is a positive number and α lies in (0, 1).");
        }

        Tau = tau;
        Alpha = alpha;
    }

    /// <summary>Gets the mixture's scale.</summary>
    public double Tau { get; }

    /// <summary>Gets the significance level.</summary>
    public double Alpha { get; }

    /// <summary>Gets how many looks were taken.</summary>
    public int Looks { get; private set; }

    /// <summary>Takes a look at the cumulative data so far.</summary>
    /// <param name="meanTreated">The treated arm's mean so far.</param>
    /// <param name="varianceTreated">Its sample variance.</param>
    /// <param name="nTreated">Its size.</param>
    /// <param name="meanControl">The control's mean so far.</param>
    /// <param name="varianceControl">Its sample variance.</param>
    /// <param name="nControl">Its size.</param>
    /// <returns>The look: the difference, the always-valid p-value and interval so far.</returns>
    public SequentialLook Look(double meanTreated, double varianceTreated, long nTreated, double meanControl, double varianceControl, long nControl)
    {
        if (nTreated < 2 || nControl < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(nTreated), "Each arm needs at least two observations.");
        }

        Looks++;
        var d = meanTreated - meanControl;
        var v = (varianceTreated / nTreated) + (varianceControl / nControl);
        if (v > 0)
        {
            var t2 = Tau * Tau;
            var logLambda = (0.5 * Math.Log(v / (v + t2))) + (d * d * t2 / (2 * v * (v + t2)));
            _p = Math.Min(_p, Math.Min(1, Math.Exp(-logLambda)));
            var half = Math.Sqrt(2 * v * (v + t2) / t2 * (Math.Log(1 / Alpha) + (0.5 * Math.Log((v + t2) / v))));
            _interval = new Interval(Math.Max(_interval.Lower, d - half), Math.Min(_interval.Upper, d + half));
        }

        return new SequentialLook(d, _p, _interval, _p <= Alpha);
    }

    /// <summary>Takes a look from an arm's effect against the control (<see cref="CampaignEvaluator"/>'s output on the data so far).</summary>
    /// <param name="arm">The arm.</param>
    /// <param name="control">The control.</param>
    /// <returns>The look.</returns>
    public SequentialLook Look(ArmEffect arm, ArmEffect control)
    {
        ArgumentNullException.ThrowIfNull(arm);
        ArgumentNullException.ThrowIfNull(control);
        return Look(arm.Mean, Variance(arm), arm.N, control.Mean, Variance(control), control.N);
    }

    private static double Variance(ArmEffect a) => a.N > 1 ? a.StandardDeviation * a.StandardDeviation * a.N / (a.N - 1) : 0;
}

/// <summary>The return of an intervention: the value it retained (customers kept × value each) minus what it cost, with an interval.</summary>
/// <param name="Retained">Customers retained by the intervention (the retention difference × treated customers).</param>
/// <param name="Value">Their value.</param>
/// <param name="Cost">What the intervention cost.</param>
/// <param name="Net">Value minus cost.</param>
/// <param name="NetInterval">The interval of the net value, from the difference's interval.</param>
/// <param name="Roi">Net over cost (none when it cost nothing).</param>
public sealed record RoiEstimate(double Retained, decimal Value, decimal Cost, decimal Net, Interval NetInterval, double? Roi)
{
    /// <summary>Estimates the return of an arm whose binary outcome is retention.</summary>
    /// <param name="retention">The arm's effect on retention against the control.</param>
    /// <param name="valuePerRetained">The value of one retained customer (CLV).</param>
    /// <param name="cost">What the arm cost in all.</param>
    /// <returns>The estimate.</returns>
    public static RoiEstimate From(ArmEffect retention, decimal valuePerRetained, decimal cost)
    {
        ArgumentNullException.ThrowIfNull(retention);
        var retained = retention.Diff * retention.N;
        var value = (decimal)retained * valuePerRetained;
        var net = value - cost;
        var interval = new Interval(
            (retention.Ci95.Lower * retention.N * (double)valuePerRetained) - (double)cost,
            (retention.Ci95.Upper * retention.N * (double)valuePerRetained) - (double)cost);
        return new RoiEstimate(retained, value, cost, net, interval, cost == 0 ? null : (double)(net / cost));
    }
}
