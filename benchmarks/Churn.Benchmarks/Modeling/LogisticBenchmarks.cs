using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Churn.Modeling;
using Microsoft.ML;

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
    private IDataView _view = null!;
    private MLContext _ml = null!;

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

        _ml = new MLContext(42);
        _view = Learners.View(_ml, _features, Features, _labels);
        foreach (var (name, learner) in new[] { ("ML.NET L-BFGS", Learners.FitMlNetLogistic(_ml, _view)), ("own L-BFGS", Learners.FitLogistic(_features, Features, _labels)) })
        {
            var m = MetricsCalculator.Compute(Learners.Probabilities(learner, _features, Features, _ml), _labels);
            Console.WriteLine($"// {name}: ROC-AUC {m.Auc:F5}, log-loss {m.LogLoss:F6}");
        }
    }

    [Benchmark(Baseline = true, Description = "ML.NET L-BFGS logistic, 1 thread")]
    public object MlNet() => Learners.FitMlNetLogistic(_ml, _view);

    [Benchmark(Description = "own L-BFGS logistic, 1 thread")]
    public object OwnOneThread() => Learners.FitLogistic(_features, Features, _labels, threads: 1);

    [Benchmark(Description = "own L-BFGS logistic, all cores (the default)")]
    public object OwnAllCores() => Learners.FitLogistic(_features, Features, _labels);
}
