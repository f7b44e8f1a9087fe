using Churn.Value.Numerics;
using static Churn.Value.Numerics.SpecialFunctions;

namespace Churn.Value;

/// <summary>The four Pareto/NBD parameters: purchase rates ~ Gamma(r, α), dropout rates ~ Gamma(s, β).</summary>
/// <param name="R">r.</param>
/// <param name="Alpha">α (in the model's time unit).</param>
/// <param name="S">s.</param>
/// <param name="Beta">β (in the model's time unit).</param>
public sealed record ParetoNbdParameters(double R, double Alpha, double S, double Beta);

/// <summary>A fitted Pareto/NBD model.</summary>
/// <param name="Model">The model.</param>
/// <param name="LogLikelihood">The total log-likelihood at the optimum.</param>
/// <param name="StandardErrors">Standard errors from the numerical Hessian (NaN where not negative definite).</param>
/// <param name="Diagnostics">How the optimiser went.</param>
/// <param name="Customers">The number of customers fitted.</param>
public sealed record ParetoNbdFit(ParetoNbdModel Model, double LogLikelihood, ParetoNbdParameters StandardErrors, FitDiagnostics Diagnostics, int Customers);

/// <summary>
/// The Pareto/NBD model of Schmittlein, Morrison and Colombo (1987), with the likelihood in the
/// form of Fader and Hardie's note: Poisson purchasing, exponential lifetimes, gamma
/// heterogeneity in both. The Gauss hypergeometric terms are summed in log space with rescaling.
/// Fitted by Nelder–Mead on log-parameters, polished with BFGS on a central-difference gradient.
/// </summary>
/// <remarks>Immutable and safe to share between threads.</remarks>
public sealed class ParetoNbdModel : IRepeatPurchaseModel
{
    /// <summary>Initializes a new instance of the <see cref="ParetoNbdModel"/> class.</summary>
    /// <param name="parameters">The parameters, all positive.</param>
    /// <exception cref="ArgumentException">A parameter is not positive and finite.</exception>
    public ParetoNbdModel(ParetoNbdParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!new[] { parameters.R, parameters.Alpha, parameters.S, parameters.Beta }.All(v => v > 0 && double.IsFinite(v)))
        {
            throw new ArgumentException($"Pareto/NBD parameters must be positive and finite: {parameters}.", nameof(parameters));
        }

        Parameters = parameters;
    }

    /// <summary>Gets the parameters.</summary>
    public ParetoNbdParameters Parameters { get; }

    private static readonly string[] Names = ["r", "alpha", "s", "beta"];

    /// <inheritdoc />
    public string Name => "Pareto/NBD";

    /// <summary>Fits the model by maximum likelihood.</summary>
    /// <param name="data">The customers' (x, t_x, T).</param>
    /// <param name="options">Tolerances and behaviour on failure.</param>
    /// <param name="cancellationToken">Cancels the fit.</param>
    /// <returns>The fit.</returns>
    /// <exception cref="ModelFitException">The data cannot identify the model or the optimiser did not converge.</exception>
    public static ParetoNbdFit Fit(RepeatPurchaseData data, FitOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        options ??= new FitOptions();
        data.EnsureFittable("Pareto/NBD");
        var n = (double)data.Customers;
        double Objective(double[] u)
        {
            var ll = TotalLogLikelihood(data, u);
            return double.IsFinite(ll) ? -ll / n : double.PositiveInfinity;
        }

        var simplex = Optimizers.NelderMead(Objective, [0, Math.Log(Math.Max(1, data.T.Average())), 0, Math.Log(Math.Max(1, data.T.Average()))], 1e-12, 20_000, cancellationToken);
        double Gradient(ReadOnlySpan<double> u, Span<double> g)
        {
            var p = u.ToArray();
            var f0 = Objective(p);
            const double h = 1e-6;
            for (var i = 0; i < p.Length; i++)
            {
                var keep = p[i];
                p[i] = keep + h;
                var up = Objective(p);
                p[i] = keep - h;
                var down = Objective(p);
                p[i] = keep;
                g[i] = (up - down) / (2 * h);
            }

            return f0;
        }

        var polished = Optimizers.Bfgs(Gradient, simplex.Point, Math.Max(options.GradientTolerance, 1e-8), options.MaxIterations, cancellationToken);
        var result = polished.Value <= simplex.Value ? polished : simplex;
        var u = result.Point;
        var (converged, message) = FitVerdict.Judge("Pareto/NBD", Names, u, (simplex.Converged || polished.Converged) && double.IsFinite(result.Value), polished.Converged ? polished.Message : simplex.Message, ["r", "s"]);
        var diagnostics = new FitDiagnostics(converged, simplex.Iterations + polished.Iterations, simplex.Evaluations + (polished.Evaluations * 9), polished.GradientNorm, message, data.Groups);
        if (!converged && options.ThrowOnNonConvergence)
        {
            throw new ModelFitException($"Pareto/NBD fit did not converge: {message}.", diagnostics);
        }

        var se = new ParetoNbdParameters(double.NaN, double.NaN, double.NaN, double.NaN);
        if (options.ComputeStandardErrors && converged)
        {
            var h = Hessian.FromValues(p => TotalLogLikelihood(data, p), u);
            var s = Hessian.StandardErrorsFromLogSpace(h, u);
            se = new ParetoNbdParameters(s[0], s[1], s[2], s[3]);
        }

        var model = new ParetoNbdModel(new ParetoNbdParameters(Math.Exp(u[0]), Math.Exp(u[1]), Math.Exp(u[2]), Math.Exp(u[3])));
        return new ParetoNbdFit(model, TotalLogLikelihood(data, u), se, diagnostics, data.Customers);
    }

    /// <inheritdoc />
    public double LogLikelihood(int x, double tx, double t)
    {
        var (r, alpha, s, beta) = Parameters;
        var (l1, l2) = Parts(r, alpha, s, beta, x, tx, t);
        return LogGamma(r + x) - LogGamma(r) + (r * Math.Log(alpha)) + (s * Math.Log(beta)) + LogAddExp(l1, l2);
    }

    /// <inheritdoc />
    public double ProbabilityAlive(int x, double tx, double t)
    {
        var (r, alpha, s, beta) = Parameters;
        var (l1, l2) = Parts(r, alpha, s, beta, x, tx, t);
        return 1 / (1 + Math.Exp(l2 - l1));
    }

    /// <inheritdoc />
    public double ConditionalExpectedPurchases(double horizon, int x, double tx, double t)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(horizon);
        var (r, alpha, s, beta) = Parameters;
        var alive = ProbabilityAlive(x, tx, t);
        double growth;
        if (Math.Abs(s - 1) < 1e-9)
        {
            growth = Math.Log((beta + t + horizon) / (beta + t));
            return (r + x) * (beta + t) / (alpha + t) * growth * alive;
        }

        growth = 1 - Math.Pow((beta + t) / (beta + t + horizon), s - 1);
        return Math.Max(0, (r + x) * (beta + t) / ((alpha + t) * (s - 1)) * growth * alive);
    }

    private static double TotalLogLikelihood(RepeatPurchaseData data, double[] u)
    {
        double r = Math.Exp(u[0]), alpha = Math.Exp(u[1]), s = Math.Exp(u[2]), beta = Math.Exp(u[3]);
        var common = (r * Math.Log(alpha)) + (s * Math.Log(beta)) - LogGamma(r);
        var total = 0.0;
        for (var i = 0; i < data.Groups; i++)
        {
            var x = data.X[i];
            var (l1, l2) = Parts(r, alpha, s, beta, x, data.Tx[i], data.T[i]);
            var ll = LogGamma(r + x) + common + LogAddExp(l1, l2);
            if (!double.IsFinite(ll))
            {
                return double.NaN;
            }

            total += data.Weight[i] * ll;
        }

        return total;
    }

    /// <summary>The two terms of the likelihood's bracket, in logs: 1/((α+T)^(r+x)(β+T)^s) and s/(r+s+x)·A0.</summary>
    private static (double L1, double L2) Parts(double r, double alpha, double s, double beta, int x, double tx, double t)
    {
        var l1 = (-(r + x) * Math.Log(alpha + t)) - (s * Math.Log(beta + t));
        var rsx = r + s + x;
        double F(double y) => alpha >= beta
            ? LogHyp2F1(rsx, s + 1, rsx + 1, (alpha - beta) / (alpha + y)) - (rsx * Math.Log(alpha + y))
            : LogHyp2F1(rsx, r + x, rsx + 1, (beta - alpha) / (beta + y)) - (rsx * Math.Log(beta + y));
        if (t <= tx)
        {
            return (l1, double.NegativeInfinity);
        }

        var fx = F(tx);
        var ft = F(t);
        var logA0 = fx + Log1MinusExp(Math.Min(0, ft - fx));
        return (l1, Math.Log(s / rsx) + logA0);
    }
}
