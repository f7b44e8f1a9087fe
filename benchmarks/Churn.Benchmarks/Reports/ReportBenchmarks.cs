using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Churn.Modeling;
using Churn.Reports;

namespace Churn.Benchmarks.Reports;

/// <summary>
/// The model report for 1M scored customers (seeded scores with 5 folds and 40 inputs' importance): every chart's data, every
/// chart rendered as PNG at twice the pixel density, the self-contained HTML. Target: under 5 s. The baseline is computing the
/// metrics alone (what <c>churn model evaluate</c> prints). Run alone: <c>--filter *ReportBenchmarks*</c>.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class ReportBenchmarks
{
    private static readonly int Customers = BenchData.Smoke ? 5_000 : 1_000_000;
    private ModelReportData _data = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(11);
        var labels = new bool[Customers];
        var scores = new double[Customers];
        var folds = new int[Customers];
        for (var i = 0; i < Customers; i++)
        {
            labels[i] = rng.NextDouble() < 0.2;
            var z = (labels[i] ? 1.2 : 0) + NextGaussian(rng);
            scores[i] = 1 / (1 + Math.Exp(-(z - 1.5)));
            folds[i] = i % 5;
        }

        _data = new ModelReportData(scores, labels)
        {
            Source = "5-fold out-of-fold predictions",
            Folds = folds,
            Importance = [.. Enumerable.Range(0, 40).Select(j => ($"feature_{j}", 0.1 / (j + 1)))],
        };
    }

    [Benchmark(Baseline = true, Description = "metrics alone (AUC, PR-AUC, log-loss, Brier, ECE, EMPC, deciles)")]
    public double Metrics() => MetricsCalculator.Compute([.. _data.Scores], [.. _data.Labels]).Auc;

    [Benchmark(Description = "model report: chart data, 9 PNG charts, self-contained HTML")]
    public int Report() => ChurnModelReport.Create("bench", _data).ToHtml().Length;

    private static double NextGaussian(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
