using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Churn.Modeling;
using Churn.Modeling.MLNet;

namespace Churn.Benchmarks.Modeling;

/// <summary>
/// One logistic fit on 1M customers x 30 features (L2 = 1 on standardised features): ML.NET's
/// L-BFGS on one thread (baseline, the logistic learner before this session) against
/// Churn.Modeling's own L-BFGS on one core and all cores. The setup prints both models' AUC and
/// log-loss on the training rows. Run alone: <c>--filter *LogisticBenchmarks*</c>.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class LogisticBenchmarks
{
    private const int Features = 30;
    private float[] _features = [];
    private bool[] _labels = [];
    private LearnerData _data = null!;

    [GlobalSetup]
    public void Setup()
    {
        var n = BenchData.Smoke ? 5_000 : 1_000_000;
        var random = new Random(7);
        _features = new float[n * Features];
        _labels = new bool[n];
        for (var i = 0; i < n; i++)
        {
            var f = _features.AsSpan(i * Features, Features);
            for (var j = 0; j < Features; j++)
            {
                f[j] = (float)(random.NextDouble() * 10);
            }

            var logit = -3 + (0.4 * f[0]) - (0.2 * f[1]) + (f[2] > 5 ? 1 : 0) + (0.3 * Math.Sin(f[3]));
            _labels[i] = random.NextDouble() < 1 / (1 + Math.Exp(-logit));
        }

        _data = new LearnerData(_features, Features, _labels, null);
        foreach (var (name, learner) in new[] { ("ML.NET L-BFGS", MlNet()), ("own L-BFGS", OwnAllCores()) })
        {
            var m = MetricsCalculator.Compute(learner.Probabilities(_features, Features), _labels);
            Console.WriteLine($"// {name}: ROC-AUC {m.Auc:F5}, log-loss {m.LogLoss:F6}");
        }
    }

    [Benchmark(Baseline = true, Description = "ML.NET L-BFGS logistic, 1 thread")]
    public IFittedLearner MlNet() => MLNetLearners.Logistic.Fit(_data, Settings(1));

    [Benchmark(Description = "own L-BFGS logistic, 1 thread")]
    public IFittedLearner OwnOneThread() => new LogisticLearner().Fit(_data, Settings(1));

    [Benchmark(Description = "own L-BFGS logistic, all cores (the default)")]
    public IFittedLearner OwnAllCores() => new LogisticLearner().Fit(_data, Settings(0));

    private static LearnerSettings Settings(int threads) => new(new TreeSettings(1, 2, 0.1, 1), 42, threads);
}
