using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Churn.Value;
using Churn.Value.Numerics;

namespace Churn.Benchmarks.Value;

/// <summary>
/// BG/NBD maximum-likelihood fit on 1M simulated customers (CDNOW-like parameters, weekly unit,
/// day-rounded times). The baseline is the same likelihood, gradient and BFGS evaluated the plain
/// way: customer by customer, with log-gamma and digamma per customer and scalar logarithms.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class BgNbdFitBenchmarks
{
    private int[] _x = [];
    private double[] _tx = [];
    private double[] _t = [];

    [Params(1_000_000)]
    public int Customers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var n = BenchData.Smoke ? 20_000 : Customers;
        (_x, _tx, _t) = new RepeatPurchaseSimulator(42).SimulateBgNbd(new BgNbdParameters(0.2426, 4.4136, 0.7929, 2.4259), n, 27, 39);
    }

    [Benchmark(Baseline = true, Description = "per-customer scalar likelihood (plain)")]
    public double Plain()
    {
        var n = (double)_x.Length;
        double Objective(ReadOnlySpan<double> u, Span<double> g)
        {
            double r = Math.Exp(u[0]), alpha = Math.Exp(u[1]), a = Math.Exp(u[2]), b = Math.Exp(u[3]);
            double ll = 0, gr = 0, ga = 0, gaa = 0, gb = 0;
            for (var i = 0; i < _x.Length; i++)
            {
                var x = _x[i];
                var a1 = SpecialFunctions.LogGamma(r + x) - SpecialFunctions.LogGamma(r) + (r * Math.Log(alpha));
                var a2 = SpecialFunctions.LogGamma(a + b) + SpecialFunctions.LogGamma(b + x) - SpecialFunctions.LogGamma(b) - SpecialFunctions.LogGamma(a + b + x);
                var lnAT = Math.Log(alpha + _t[i]);
                var lnAtx = Math.Log(alpha + _tx[i]);
                var a3 = -(r + x) * lnAT;
                var a4 = x > 0 ? Math.Log(a) - Math.Log(b + x - 1) - ((r + x) * lnAtx) : double.NegativeInfinity;
                var d = SpecialFunctions.LogAddExp(a3, a4);
                ll += a1 + a2 + d;
                var p4 = x > 0 ? Math.Exp(a4 - d) : 0;
                var p3 = 1 - p4;
                gr += SpecialFunctions.Digamma(r + x) - SpecialFunctions.Digamma(r) + Math.Log(alpha) - (p3 * lnAT) - (p4 * lnAtx);
                ga += (r / alpha) - ((r + x) * ((p3 / (alpha + _t[i])) + (p4 / (alpha + _tx[i]))));
                gaa += SpecialFunctions.Digamma(a + b) - SpecialFunctions.Digamma(a + b + x) + (x > 0 ? p4 / a : 0);
                gb += SpecialFunctions.Digamma(a + b) + SpecialFunctions.Digamma(b + x) - SpecialFunctions.Digamma(b) - SpecialFunctions.Digamma(a + b + x) - (x > 0 ? p4 / (b + x - 1) : 0);
            }

            g[0] = -gr * r / n;
            g[1] = -ga * alpha / n;
            g[2] = -gaa * a / n;
            g[3] = -gb * b / n;
            return -ll / n;
        }

        var alpha0 = _t.Average() / Math.Max(_x.Average(), 0.05);
        return Optimizers.Bfgs(Objective, [0, Math.Log(alpha0), 0, 0], 1e-9, 500, CancellationToken.None).Value;
    }

    [Benchmark(Description = "BgNbdModel.Fit (grouped, vectorised)")]
    public double Fit() => BgNbdModel.Fit(RepeatPurchaseData.From(_x, _tx, _t), new FitOptions { ComputeStandardErrors = false }).LogLikelihood;

    [Benchmark(Description = "BgNbdModel.Fit with standard errors")]
    public double FitWithStandardErrors() => BgNbdModel.Fit(RepeatPurchaseData.From(_x, _tx, _t)).LogLikelihood;
}
