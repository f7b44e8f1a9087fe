using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Churn.Modeling;
using Churn.Modeling.MLNet;

namespace Churn.Benchmarks.Modeling;

/// <summary>
/// One tree-model fit on 1M customers x 30 features (200 trees of 8 leaves, learning rate 0.05),
/// including each learner's data preparation (ML.NET's view, conversion and binning, the
/// booster's binning): FastTree on one thread (baseline, the default tree learner before the histogram
/// booster) against FastTree and LightGBM on all cores and Churn.Modeling's histogram booster on
/// one core and all cores. The setup prints each model's AUC on 200k held-out rows.
/// Run alone: <c>--filter *TrainingBenchmarks*</c>.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 0, iterationCount: 2)]
public class TrainingBenchmarks
{
    private const int Features = 30;
    private readonly TreeSettings _trees = new(200, 8, 0.05, 20);
    private LearnerData _data = null!;
    private float[] _features = [];
    private bool[] _labels = [];

    [GlobalSetup]
    public void Setup()
    {
        var n = BenchData.Smoke ? 5_000 : 1_000_000;
        (_features, _labels) = Data(n, seed: 7);
        _data = new LearnerData(_features, Features, _labels, null);

        // For the peers (benchmarks/peers/train_speed.py): the same rows, float32 row-major, and one byte per label.
        if (Environment.GetEnvironmentVariable("CHURN_BENCH_DUMP") is { Length: > 0 } dump)
        {
            File.WriteAllBytes(dump + ".x", System.Runtime.InteropServices.MemoryMarshal.AsBytes(_features.AsSpan()).ToArray());
            File.WriteAllBytes(dump + ".y", [.. _labels.Select(l => (byte)(l ? 1 : 0))]);
        }
        var (testFeatures, testLabels) = Data(BenchData.Smoke ? 2_000 : 200_000, seed: 8);
        foreach (var (name, learner) in new[] { ("FastTree 1 thread", FastTreeOneThread()), ("LightGBM all cores", LightGbmAllCores()), ("histogram booster", HistogramAllCores()) })
        {
            Console.WriteLine($"// {name}: held-out ROC-AUC {MetricsCalculator.Auc(learner.Probabilities(testFeatures, Features), testLabels):F4}");
        }
    }

    [Benchmark(Baseline = true, Description = "FastTree, 1 thread")]
    public IFittedLearner FastTreeOneThread() => MLNetLearners.FastTree.Fit(_data, new LearnerSettings(_trees, 42, 1));

    [Benchmark(Description = "FastTree, all cores")]
    public IFittedLearner FastTreeAllCores() => MLNetLearners.FastTree.Fit(_data, new LearnerSettings(_trees, 42, 0));

    [Benchmark(Description = "LightGBM, all cores")]
    public IFittedLearner LightGbmAllCores() => MLNetLearners.LightGbm.Fit(_data, new LearnerSettings(_trees, 42, 0));

    [Benchmark(Description = "histogram booster, 1 thread")]
    public IFittedLearner HistogramOneThread() => new HistGradientBoostingLearner().Fit(_data, new LearnerSettings(_trees, 42, 1));

    [Benchmark(Description = "histogram booster, all cores (the default)")]
    public IFittedLearner HistogramAllCores() => new HistGradientBoostingLearner().Fit(_data, new LearnerSettings(_trees, 42, 0));

    private static (float[] Features, bool[] Labels) Data(int n, int seed)
    {
        var random = new Random(seed);
        var features = new float[n * Features];
        var labels = new bool[n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < Features; j++)
            {
                features[(i * Features) + j] = (float)(random.NextDouble() * 10);
            }

            var f = features.AsSpan(i * Features, Features);
            var logit = -3 + (0.4 * f[0]) - (0.2 * f[1]) + (f[2] > 5 ? 1 : 0) + (0.3 * Math.Sin(f[3]));
            labels[i] = random.NextDouble() < 1 / (1 + Math.Exp(-logit));
        }

        return (features, labels);
    }
}
