namespace Churn.Modeling;

/// <summary>The business parameters of the profit-based churn measures (Verbraken, Verbeke and Baesens 2013).</summary>
public sealed record ProfitParameters
{
    /// <summary>Gets the value of a retained customer.</summary>
    /// <value>The default is 200.</value>
    public double Clv { get; init; } = 200;

    /// <summary>Gets the cost of the incentive offered to a contacted customer who accepts (d).</summary>
    /// <value>The default is 10.</value>
    public double IncentiveCost { get; init; } = 10;

    /// <summary>Gets the cost of contacting a customer (f).</summary>
    /// <value>The default is 1.</value>
    public double ContactCost { get; init; } = 1;

    /// <summary>Gets α of the Beta distribution of the acceptance rate γ of would-be churners.</summary>
    /// <value>The default is 6.</value>
    public double Alpha { get; init; } = 6;

    /// <summary>Gets β of the Beta distribution of the acceptance rate γ.</summary>
    /// <value>The default is 14.</value>
    public double Beta { get; init; } = 14;
}

/// <summary>The profit measures of a churn score.</summary>
/// <param name="Empc">Expected maximum profit per customer in the base, integrating over the acceptance rate γ ~ Beta(α, β).</param>
/// <param name="EmpcFraction">The expected share of customers targeted at the optimum.</param>
/// <param name="Mpc">Maximum profit per customer with γ fixed at its mean α / (α + β).</param>
/// <param name="MpcFraction">The share of customers targeted at that optimum.</param>
/// <param name="MpcThreshold">The score at or above which customers are targeted for the MPC optimum (+∞ when targeting nobody is best).</param>
public sealed record ProfitMetrics(double Empc, double EmpcFraction, double Mpc, double MpcFraction, double MpcThreshold);

/// <summary>
/// The expected maximum profit measure for customer churn (EMPC) and the maximum profit (MPC) of
/// Verbraken, Verbeke and Baesens (2013): targeting the top of the ranking earns
/// CLV(γ(1 − δ) − φ)·π0·F0 − CLV(δ + φ)·π1·F1 per customer, where F0 and F1 are the shares of
/// churners and non-churners targeted, δ = d / CLV and φ = f / CLV. The best cut-off lies on the
/// ROC convex hull; EMPC averages its profit over γ.
/// </summary>
public static class ProfitMeasures
{
    private const int GammaSteps = 4000;

    /// <summary>Computes EMPC and MPC.</summary>
    /// <param name="scores">The scores (higher = more likely to churn).</param>
    /// <param name="labels">The outcomes.</param>
    /// <param name="parameters">The business parameters.</param>
    /// <returns>The measures; zeros when a class is missing.</returns>
    public static ProfitMetrics Compute(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels, ProfitParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        MetricsCalculator.Validate(scores, labels);
        var n0 = 0;
        foreach (var l in labels)
        {
            n0 += l ? 1 : 0;
        }

        var n1 = scores.Length - n0;
        if (n0 == 0 || n1 == 0)
        {
            return new ProfitMetrics(0, 0, 0, 0, double.PositiveInfinity);
        }

        // ROC points (F1, F0) from the top of the ranking, one per distinct score, plus (0, 0).
        var points = MetricsCalculator.RocCurve(scores, labels).Select(p => (F1: p.FalsePositiveRate, F0: p.TruePositiveRate, p.Threshold)).ToList();
        var hull = UpperHull(points);
        double pi0 = n0 / (double)scores.Length, pi1 = 1 - pi0;
        var delta = parameters.IncentiveCost / parameters.Clv;
        var phi = parameters.ContactCost / parameters.Clv;

        (double Profit, double Fraction, double Threshold) Best(double gamma)
        {
            var a = parameters.Clv * ((gamma * (1 - delta)) - phi) * pi0;
            var b = parameters.Clv * (delta + phi) * pi1;
            (double, double, double) best = (0, 0, double.PositiveInfinity);
            foreach (var (f1, f0, threshold) in hull)
            {
                var profit = (a * f0) - (b * f1);
                if (profit > best.Item1)
                {
                    best = (profit, (pi0 * f0) + (pi1 * f1), threshold);
                }
            }

            return best;
        }

        // EMPC: midpoint rule over γ with the Beta density normalised on the grid.
        double weightSum = 0, empc = 0, fraction = 0;
        for (var k = 0; k < GammaSteps; k++)
        {
            var gamma = (k + 0.5) / GammaSteps;
            var w = Math.Exp(((parameters.Alpha - 1) * Math.Log(gamma)) + ((parameters.Beta - 1) * Math.Log(1 - gamma)));
            var (profit, share, _) = Best(gamma);
            weightSum += w;
            empc += w * profit;
            fraction += w * share;
        }

        var (mpc, mpcFraction, mpcThreshold) = Best(parameters.Alpha / (parameters.Alpha + parameters.Beta));
        return new ProfitMetrics(empc / weightSum, fraction / weightSum, mpc, mpcFraction, mpcThreshold);
    }

    /// <summary>The upper convex hull of ROC points sorted by F1 (monotone chain).</summary>
    private static List<(double F1, double F0, double Threshold)> UpperHull(List<(double F1, double F0, double Threshold)> points)
    {
        var hull = new List<(double F1, double F0, double Threshold)>();
        foreach (var p in points)
        {
            while (hull.Count >= 2)
            {
                var (a, b) = (hull[^2], hull[^1]);
                var cross = ((b.F1 - a.F1) * (p.F0 - a.F0)) - ((b.F0 - a.F0) * (p.F1 - a.F1));
                if (cross >= 0)
                {
                    hull.RemoveAt(hull.Count - 1);
                }
                else
                {
                    break;
                }
            }

            hull.Add(p);
        }

        return hull;
    }
}
