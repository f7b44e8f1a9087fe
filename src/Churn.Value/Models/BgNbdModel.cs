using System.Numerics.Tensors;
using Churn.Value.Numerics;
using static Churn.Value.Numerics.SpecialFunctions;

namespace Churn.Value;

/// <summary>The four BG/NBD parameters: purchase rates ~ Gamma(r, α), dropout probabilities ~ Beta(a, b).</summary>
/// <param name="R">r, the shape of the purchase-rate distribution.</param>
/// <param name="Alpha">α, its scale (in the model's time unit).</param>
/// <param name="A">a, the first Beta parameter.</param>
/// <param name="B">b, the second Beta parameter.</param>
public sealed record BgNbdParameters(double R, double Alpha, double A, double B);

/// <summary>A fitted BG/NBD model with its log-likelihood, standard errors and diagnostics.</summary>
/// <param name="Model">The model.</param>
/// <param name="LogLikelihood">The total log-likelihood at the optimum.</param>
/// <param name="StandardErrors">Standard errors from the Hessian (NaN where it is not negative definite).</param>
/// <param name="Diagnostics">How the optimiser went.</param>
/// <param name="Customers">The number of customers fitted.</param>
public sealed record BgNbdFit(BgNbdModel Model, double LogLikelihood, BgNbdParameters StandardErrors, FitDiagnostics Diagnostics, int Customers);

/// <summary>
/// The BG/NBD model of Fader, Hardie and Lee (2005): while alive, a customer buys at a Poisson
/// rate; after each purchase they drop out with some probability. Fitted by maximum likelihood
/// with an analytic gradient on log-parameters (BFGS), the likelihood evaluated in log space over
/// grouped sufficient statistics with vectorised logarithms.
/// </summary>
/// <remarks>Immutable and safe to share between threads.</remarks>
public sealed class BgNbdModel : IRepeatPurchaseModel
{
    /// <summary>Initializes a new instance of the <see cref="BgNbdModel"/> class.</summary>
    /// <param name="parameters">The parameters, all positive.</param>
    /// <exception cref="ArgumentException">A parameter is not positive and finite.</exception>
    public BgNbdModel(BgNbdParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        foreach (var (name, v) in new[] { ("r", parameters.R), ("alpha", parameters.Alpha), ("a", parameters.A), ("b", parameters.B) })
        {
            if (!(v > 0 && double.IsFinite(v)))
            {
                throw new ArgumentException($"BG/NBD parameter {name} must be positive and finite; it is {v}.", nameof(parameters));
            }
        }

        Parameters = parameters;
    }

    /// <summary>Gets the parameters.</summary>
    public BgNbdParameters Parameters { get; }

    /// <inheritdoc />
    public string Name => "BG/NBD";

    /// <summary>Fits the model by maximum likelihood.</summary>
    /// <param name="data">The customers' (x, t_x, T).</param>
    /// <param name="options">Tolerances and behaviour on failure.</param>
    /// <param name="cancellationToken">Cancels the fit between iterations.</param>
    /// <returns>The fit.</returns>
    /// <exception cref="ModelFitException">The data cannot identify the model (no repeat buyers, one customer) or the optimiser did not converge.</exception>
    public static BgNbdFit Fit(RepeatPurchaseData data, FitOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        options ??= new FitOptions();
        data.EnsureFittable("BG/NBD");
        var likelihood = new Likelihood(data);
        var n = (double)data.Customers;
        double Objective(ReadOnlySpan<double> u, Span<double> g)
        {
            var ll = likelihood.Evaluate(u, g);
            for (var i = 0; i < g.Length; i++)
            {
                g[i] = -g[i] / n;
            }

            return -ll / n;
        }

        var meanX = 0.0;
        var meanT = 0.0;
        for (var i = 0; i < data.Groups; i++)
        {
            meanX += data.X[i] * data.Weight[i] / n;
            meanT += data.T[i] * data.Weight[i] / n;
        }

        var alpha0 = meanT / Math.Max(meanX, 0.05);
        double[][] starts =
        [
            [0, Math.Log(alpha0), 0, 0],
            [Math.Log(0.5), Math.Log(alpha0 / 4), Math.Log(0.5), Math.Log(2)],
            [0, 0, 0, 0],
        ];
        OptimizationResult? best = null;
        foreach (var start in starts)
        {
            var result = Optimizers.Bfgs(Objective, start, options.GradientTolerance, options.MaxIterations, cancellationToken);
            if (best is null || (result.Converged && !best.Converged) || (result.Converged == best.Converged && result.Value < best.Value))
            {
                best = result;
            }

            if (result.Converged && result.Point.All(v => Math.Abs(v) < 30))
            {
                break;
            }
        }

        return Finish(best!, likelihood, data, options, Objective);
    }

    /// <inheritdoc />
    public double LogLikelihood(int x, double tx, double t)
    {
        var (r, alpha, a, b) = Parameters;
        var a1 = LogGamma(r + x) - LogGamma(r) + (r * Math.Log(alpha));
        var a2 = LogGamma(a + b) + LogGamma(b + x) - LogGamma(b) - LogGamma(a + b + x);
        var a3 = -(r + x) * Math.Log(alpha + t);
        var a4 = x > 0 ? Math.Log(a) - Math.Log(b + x - 1) - ((r + x) * Math.Log(alpha + tx)) : double.NegativeInfinity;
        return a1 + a2 + LogAddExp(a3, a4);
    }

    /// <inheritdoc />
    public double ProbabilityAlive(int x, double tx, double t)
    {
        if (x == 0)
        {
            return 1;
        }

        var (r, alpha, a, b) = Parameters;
        var log = Math.Log(a) - Math.Log(b + x - 1) + ((r + x) * (Math.Log(alpha + t) - Math.Log(alpha + tx)));
        return 1 / (1 + Math.Exp(log));
    }

    /// <inheritdoc />
    public double ConditionalExpectedPurchases(double horizon, int x, double tx, double t)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(horizon);
        if (horizon == 0)
        {
            return 0;
        }

        var (r, alpha, a, b) = Parameters;
        var c = a + b + x - 1;
        var z = horizon / (alpha + t + horizon);
        var logH = LogHyp2F1(r + x, b + x, c, z);
        var v = Math.Exp(((r + x) * Math.Log((alpha + t) / (alpha + t + horizon))) + logH);
        var numerator = c / (a - 1) * (1 - v);
        var denominator = x > 0 ? 1 + (a / (b + x - 1) * Math.Exp((r + x) * (Math.Log(alpha + t) - Math.Log(alpha + tx)))) : 1;
        return Math.Max(0, numerator / denominator);
    }

    /// <summary>The expected number of repeat purchases in (0, t] of a customer just acquired: E[X(t)].</summary>
    /// <param name="t">The time since acquisition.</param>
    /// <returns>The expected count.</returns>
    public double ExpectedPurchases(double t)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(t);
        if (t == 0)
        {
            return 0;
        }

        var (r, alpha, a, b) = Parameters;
        var logH = LogHyp2F1(r, b, a + b - 1, t / (alpha + t));
        var v = Math.Exp((r * Math.Log(alpha / (alpha + t))) + logH);
        return (a + b - 1) / (a - 1) * (1 - v);
    }

    /// <summary>P(X(t) = n): the probability that a customer just acquired makes exactly n repeat purchases in (0, t].</summary>
    /// <param name="n">The count.</param>
    /// <param name="t">The time.</param>
    /// <returns>The probability.</returns>
    public double ProbabilityOfPurchases(int n, double t)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(t);
        var (r, alpha, a, b) = Parameters;
        var logBeta = LogBeta(a, b);
        var logP = Math.Log(alpha / (alpha + t));
        var logQ = t > 0 ? Math.Log(t / (alpha + t)) : double.NegativeInfinity;
        double Term(int j) => LogGamma(r + j) - LogGamma(r) - LogGamma(j + 1) + (r * logP) + (j == 0 ? 0 : j * logQ);
        var first = Math.Exp(LogBeta(a, b + n) - logBeta + Term(n));
        if (n == 0)
        {
            return first;
        }

        var sum = 0.0;
        for (var j = 0; j < n; j++)
        {
            sum += Math.Exp(Term(j));
        }

        return first + (Math.Exp(LogBeta(a + 1, b + n - 1) - logBeta) * (1 - sum));
    }

    private static BgNbdFit Finish(OptimizationResult result, Likelihood likelihood, RepeatPurchaseData data, FitOptions options, Optimizers.GradientFunction objective)
    {
        var u = result.Point;
        var (converged, message) = FitVerdict.Judge("BG/NBD", Names, u, result.Converged, result.Message, ["r", "a", "b"]);
        var diagnostics = new FitDiagnostics(converged, result.Iterations, result.Evaluations, result.GradientNorm, message, data.Groups);
        if (!converged && options.ThrowOnNonConvergence)
        {
            throw new ModelFitException($"BG/NBD fit did not converge: {message}.", diagnostics);
        }

        var p = new BgNbdParameters(Math.Exp(u[0]), Math.Exp(u[1]), Math.Exp(u[2]), Math.Exp(u[3]));
        var ll = likelihood.Evaluate(u, new double[4]);
        var se = new BgNbdParameters(double.NaN, double.NaN, double.NaN, double.NaN);
        if (options.ComputeStandardErrors && converged)
        {
            var n = (double)data.Customers;
            var h = Hessian.FromGradient(objective, u);
            for (var i = 0; i < 4; i++)
            {
                for (var j = 0; j < 4; j++)
                {
                    h[i, j] *= -n; // back to the Hessian of the total log-likelihood
                }
            }

            var s = Hessian.StandardErrorsFromLogSpace(h, u);
            se = new BgNbdParameters(s[0], s[1], s[2], s[3]);
        }

        return new BgNbdFit(new BgNbdModel(p), ll, se, diagnostics, data.Customers);
    }

    private static readonly string[] Names = ["r", "alpha", "a", "b"];

    /// <summary>The log-likelihood and its gradient over grouped data; terms that depend on x only are computed once per distinct x.</summary>
    private sealed class Likelihood
    {
        private readonly RepeatPurchaseData _data;
        private readonly int[] _distinctX;
        private readonly int[] _xIndex;
        private readonly double[] _lnAT;
        private readonly double[] _lnAtx;
        private readonly double[] _a3;
        private readonly double[] _d;
        private readonly double[] _e;

        public Likelihood(RepeatPurchaseData data)
        {
            _data = data;
            _distinctX = [.. data.X.Distinct().Order()];
            _xIndex = [.. data.X.Select(x => Array.BinarySearch(_distinctX, x))];
            var g = data.Groups;
            _lnAT = new double[g];
            _lnAtx = new double[g];
            _a3 = new double[g];
            _d = new double[g];
            _e = new double[g];
        }

        /// <summary>Total log-likelihood at log-parameters u; writes d(total LL)/du into the gradient.</summary>
        public double Evaluate(ReadOnlySpan<double> u, Span<double> gradient)
        {
            double r = Math.Exp(u[0]), alpha = Math.Exp(u[1]), a = Math.Exp(u[2]), b = Math.Exp(u[3]);
            var k = _distinctX.Length;
            var perX = new double[k * 7];
            for (var i = 0; i < k; i++)
            {
                var x = _distinctX[i];
                var o = i * 7;
                perX[o] = LogGamma(r + x);
                perX[o + 1] = Digamma(r + x);
                perX[o + 2] = LogGamma(a + b) + LogGamma(b + x) - LogGamma(b) - LogGamma(a + b + x);
                perX[o + 3] = Digamma(a + b) - Digamma(a + b + x);
                perX[o + 4] = Digamma(a + b) + Digamma(b + x) - Digamma(b) - Digamma(a + b + x);
                perX[o + 5] = x > 0 ? Math.Log(a) - Math.Log(b + x - 1) : double.NegativeInfinity;
                perX[o + 6] = x > 0 ? 1 / (b + x - 1) : 0;
            }

            var g = _data.Groups;
            TensorPrimitives.Add(_data.T, alpha, _lnAT);
            TensorPrimitives.Log(_lnAT, _lnAT);
            TensorPrimitives.Add(_data.Tx, alpha, _lnAtx);
            TensorPrimitives.Log(_lnAtx, _lnAtx);
            for (var i = 0; i < g; i++)
            {
                var rx = r + _data.X[i];
                var a3 = -rx * _lnAT[i];
                var c4 = perX[(_xIndex[i] * 7) + 5];
                var a4 = double.IsNegativeInfinity(c4) ? double.NegativeInfinity : c4 - (rx * _lnAtx[i]);
                _a3[i] = a3;
                _d[i] = double.IsNegativeInfinity(a4) ? -800 : a4 - a3;
            }

            // e = exp(-|d|): softplus(d) = max(d, 0) + ln(1 + e); sigmoid(d) from e.
            TensorPrimitives.Abs(_d, _e);
            TensorPrimitives.Negate(_e, _e);
            TensorPrimitives.Exp(_e, _e);

            double ll = 0, gr = 0, ga = 0, gaa = 0, gb = 0;
            double sumW = 0;
            var lnAlpha = Math.Log(alpha);
            for (var i = 0; i < g; i++)
            {
                var w = _data.Weight[i];
                var x = _data.X[i];
                var o = _xIndex[i] * 7;
                var d = _d[i];
                var e = _e[i];
                var softplus = Math.Max(d, 0) + Math.Log(1 + e);
                var p4 = x == 0 ? 0 : (d >= 0 ? 1 / (1 + e) : e / (1 + e));
                var p3 = 1 - p4;
                ll += w * (perX[o] + perX[o + 2] + _a3[i] + softplus);
                var rx = r + x;
                gr += w * (perX[o + 1] - (p3 * _lnAT[i]) - (p4 * _lnAtx[i]));
                ga -= w * rx * ((p3 / (alpha + _data.T[i])) + (p4 / (alpha + _data.Tx[i])));
                gaa += w * (perX[o + 3] + (p4 / a));
                gb += w * (perX[o + 4] - (p4 * perX[o + 6]));
                sumW += w;
            }

            // Terms common to every customer.
            ll += sumW * ((r * lnAlpha) - LogGamma(r));
            gr += sumW * (lnAlpha - Digamma(r));
            ga += sumW * r / alpha;
            if (gradient.Length == 4)
            {
                gradient[0] = gr * r;
                gradient[1] = ga * alpha;
                gradient[2] = gaa * a;
                gradient[3] = gb * b;
            }

            return ll;
        }
    }
}
