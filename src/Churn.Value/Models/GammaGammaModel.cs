using Churn.Value.Numerics;
using Churn.Value;
using static Churn.Value.Numerics.SpecialFunctions;

namespace Churn.Value;

/// <summary>The Gamma-Gamma parameters: transaction values ~ Gamma(p, ν), ν ~ Gamma(q, γ).</summary>
/// <param name="P">p.</param>
/// <param name="Q">q.</param>
/// <param name="Gamma">γ.</param>
public sealed record GammaGammaParameters(double P, double Q, double Gamma);

/// <summary>A fitted Gamma-Gamma spend model.</summary>
/// <param name="Model">The model.</param>
/// <param name="LogLikelihood">The total log-likelihood at the optimum.</param>
/// <param name="StandardErrors">Standard errors from the Hessian.</param>
/// <param name="Diagnostics">How the optimiser went.</param>
/// <param name="Customers">Repeat buyers fitted.</param>
/// <param name="ExcludedNonPositive">Repeat buyers left out because their repeat purchases average zero or less.</param>
/// <param name="FrequencySpendCorrelation">Pearson correlation of x and mean spend among the fitted customers: the model assumes it is near zero.</param>
public sealed record GammaGammaFit(GammaGammaModel Model, double LogLikelihood, GammaGammaParameters StandardErrors, FitDiagnostics Diagnostics, int Customers, int ExcludedNonPositive, double FrequencySpendCorrelation)
{
    /// <summary>Gets a value indicating whether frequency and spend look independent enough for the model (|correlation| below 0.3).</summary>
    public bool IndependenceAssumptionHolds => Math.Abs(FrequencySpendCorrelation) < 0.3;
}

/// <summary>
/// The Gamma-Gamma model of average transaction value (Fader, Hardie and Lee 2005; Fader and
/// Hardie's note): fitted on repeat buyers' (x, mean repeat value) by maximum likelihood with an
/// analytic gradient.
/// </summary>
/// <remarks>Immutable and safe to share between threads.</remarks>
public sealed class GammaGammaModel
{
    /// <summary>Initializes a new instance of the <see cref="GammaGammaModel"/> class.</summary>
    /// <param name="parameters">The parameters; q must exceed 1 for expectations to exist.</param>
    /// <exception cref="ArgumentException">A parameter is not positive and finite.</exception>
    public GammaGammaModel(GammaGammaParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!new[] { parameters.P, parameters.Q, parameters.Gamma }.All(v => v > 0 && double.IsFinite(v)))
        {
            throw new ArgumentException($"Gamma-Gamma parameters must be positive and finite: {parameters}.", nameof(parameters));
        }

        Parameters = parameters;
    }

    /// <summary>Gets the parameters.</summary>
    public GammaGammaParameters Parameters { get; }

    /// <summary>Gets the population mean transaction value pγ/(q−1) (infinite when q ≤ 1).</summary>
    public double PopulationMeanValue => Parameters.Q > 1 ? Parameters.P * Parameters.Gamma / (Parameters.Q - 1) : double.PositiveInfinity;

    /// <summary>Fits the model on repeat buyers. Customers without repeat purchases are ignored; repeat buyers whose repeat purchases average zero or less are left out and counted.</summary>
    /// <param name="summaries">The customers.</param>
    /// <param name="options">Tolerances and behaviour on failure.</param>
    /// <param name="cancellationToken">Cancels the fit.</param>
    /// <returns>The fit.</returns>
    /// <exception cref="ModelFitException">Fewer than two repeat buyers with positive spend, or no convergence.</exception>
    public static GammaGammaFit Fit(IEnumerable<CustomerSummary> summaries, FitOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(summaries);
        var list = summaries.Where(s => s.Frequency > 0).ToList();
        var usable = list.Where(s => s.MonetaryValue > 0 && double.IsFinite(s.MonetaryValue)).ToList();
        return Fit([.. usable.Select(s => s.Frequency)], [.. usable.Select(s => s.MonetaryValue)], list.Count - usable.Count, options, cancellationToken);
    }

    /// <summary>Fits the model on arrays of repeat counts and mean repeat values (all positive).</summary>
    /// <param name="frequency">x, each at least 1.</param>
    /// <param name="monetaryValue">Mean repeat value, each positive.</param>
    /// <param name="options">Tolerances and behaviour on failure.</param>
    /// <param name="cancellationToken">Cancels the fit.</param>
    /// <returns>The fit.</returns>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    /// <exception cref="ModelFitException">Fewer than two customers, or no convergence.</exception>
    public static GammaGammaFit Fit(int[] frequency, double[] monetaryValue, FitOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(frequency);
        ArgumentNullException.ThrowIfNull(monetaryValue);
        for (var i = 0; i < frequency.Length; i++)
        {
            if (frequency[i] < 1 || !(monetaryValue[i] > 0) || !double.IsFinite(monetaryValue[i]))
            {
                throw new ArgumentException($"Customer #{i + 1} has x = {frequency[i]} and mean spend {monetaryValue[i]}: the Gamma-Gamma fit takes repeat buyers (x ≥ 1) with positive spend.");
            }
        }

        return Fit(frequency, monetaryValue, 0, options, cancellationToken);
    }

    /// <summary>The expected average transaction value of a customer with x repeat purchases averaging m: (γ + m x) p / (p x + q − 1).</summary>
    /// <param name="frequency">x (0 gives the population mean).</param>
    /// <param name="monetaryValue">The mean repeat value m.</param>
    /// <returns>The expected average value.</returns>
    public double ConditionalExpectedAverageValue(int frequency, double monetaryValue)
    {
        var (p, q, gamma) = Parameters;
        var m = frequency > 0 ? monetaryValue : 0;
        return (gamma + (m * frequency)) * p / ((p * frequency) + q - 1);
    }

    /// <summary>The log-likelihood of one customer's mean repeat value.</summary>
    /// <param name="frequency">x ≥ 1.</param>
    /// <param name="monetaryValue">m &gt; 0.</param>
    /// <returns>The log-likelihood.</returns>
    public double LogLikelihood(int frequency, double monetaryValue)
    {
        var (p, q, gamma) = Parameters;
        double x = frequency, m = monetaryValue;
        return LogGamma((p * x) + q) - LogGamma(p * x) - LogGamma(q) + (q * Math.Log(gamma))
            + (((p * x) - 1) * Math.Log(m)) + (p * x * Math.Log(x)) - (((p * x) + q) * Math.Log(gamma + (m * x)));
    }

    private static GammaGammaFit Fit(int[] x, double[] m, int excluded, FitOptions? options, CancellationToken cancellationToken)
    {
        options ??= new FitOptions();
        if (x.Length < 2)
        {
            throw new ModelFitException($"Gamma-Gamma needs at least 2 repeat buyers with positive spend; {x.Length} found ({excluded} left out for spend of zero or less).");
        }

        // Group identical (x, m) pairs; sorted, so the fit is independent of customer order.
        var groups = new SortedDictionary<(int, double), double>();
        for (var i = 0; i < x.Length; i++)
        {
            groups[(x[i], m[i])] = groups.TryGetValue((x[i], m[i]), out var w) ? w + 1 : 1;
        }

        var gx = groups.Keys.Select(k => (double)k.Item1).ToArray();
        var gm = groups.Keys.Select(k => k.Item2).ToArray();
        var gw = groups.Values.ToArray();
        var logM = gm.Select(v => Math.Log(v)).ToArray();
        var logX = gx.Select(v => Math.Log(v)).ToArray();
        var n = (double)x.Length;

        double Total(ReadOnlySpan<double> u, Span<double> grad)
        {
            double p = Math.Exp(u[0]), q = Math.Exp(u[1]), gamma = Math.Exp(u[2]);
            double ll = 0, dp = 0, dq = 0, dg = 0;
            var lgq = LogGamma(q);
            var psq = Digamma(q);
            var lnG = Math.Log(gamma);
            for (var i = 0; i < gx.Length; i++)
            {
                var px = p * gx[i];
                var lnGm = Math.Log(gamma + (gm[i] * gx[i]));
                var w = gw[i];
                ll += w * (LogGamma(px + q) - LogGamma(px) - lgq + (q * lnG) + ((px - 1) * logM[i]) + (px * logX[i]) - ((px + q) * lnGm));
                var psPxQ = Digamma(px + q);
                dp += w * gx[i] * (psPxQ - Digamma(px) + logM[i] + logX[i] - lnGm);
                dq += w * (psPxQ - psq + lnG - lnGm);
                dg += w * ((q / gamma) - ((px + q) / (gamma + (gm[i] * gx[i]))));
            }

            if (grad.Length == 3)
            {
                grad[0] = dp * p;
                grad[1] = dq * q;
                grad[2] = dg * gamma;
            }

            return ll;
        }

        double Objective(ReadOnlySpan<double> u, Span<double> g)
        {
            var ll = Total(u, g);
            for (var i = 0; i < g.Length; i++)
            {
                g[i] = -g[i] / n;
            }

            return -ll / n;
        }

        var mean = m.Average();
        var result = Optimizers.Bfgs(Objective, [0, Math.Log(2), Math.Log(mean)], options.GradientTolerance, options.MaxIterations, cancellationToken);
        if (!result.Converged)
        {
            var retry = Optimizers.Bfgs(Objective, [Math.Log(2), Math.Log(3), Math.Log(mean)], options.GradientTolerance, options.MaxIterations, cancellationToken);
            if (retry.Converged || retry.Value < result.Value)
            {
                result = retry;
            }
        }

        var u = result.Point;
        var (converged, message) = FitVerdict.Judge("Gamma-Gamma", ["p", "q", "gamma"], u, result.Converged, result.Message, ["p", "q"]);
        var diagnostics = new FitDiagnostics(converged, result.Iterations, result.Evaluations, result.GradientNorm, message, gx.Length);
        if (!converged && options.ThrowOnNonConvergence)
        {
            throw new ModelFitException($"Gamma-Gamma fit did not converge: {message}.", diagnostics);
        }

        var se = new GammaGammaParameters(double.NaN, double.NaN, double.NaN);
        if (options.ComputeStandardErrors && converged)
        {
            var h = Hessian.FromGradient(Objective, u);
            for (var i = 0; i < 3; i++)
            {
                for (var j = 0; j < 3; j++)
                {
                    h[i, j] *= -n;
                }
            }

            var s = Hessian.StandardErrorsFromLogSpace(h, u);
            se = new GammaGammaParameters(s[0], s[1], s[2]);
        }

        var model = new GammaGammaModel(new GammaGammaParameters(Math.Exp(u[0]), Math.Exp(u[1]), Math.Exp(u[2])));
        return new GammaGammaFit(model, Total(u, []), se, diagnostics, x.Length, excluded, Correlation(x, m));
    }

    private static double Correlation(int[] x, double[] m)
    {
        var mx = x.Average();
        var mm = m.Average();
        double sxy = 0, sxx = 0, syy = 0;
        for (var i = 0; i < x.Length; i++)
        {
            sxy += (x[i] - mx) * (m[i] - mm);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (m[i] - mm) * (m[i] - mm);
        }

        return sxx > 0 && syy > 0 ? sxy / Math.Sqrt(sxx * syy) : 0;
    }
}
