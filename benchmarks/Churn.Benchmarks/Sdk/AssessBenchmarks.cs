using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Churn.Abstractions;
using Churn.Data;
using Churn.Modeling;
using Churn.Rules;
using Churn.Sdk;

namespace Churn.Benchmarks.Sdk;

/// <summary>
/// The cost per customer of each stage of an assessment, on one core, against building the
/// customer's snapshot (the baseline), on a generated base of 100,000 customers (about 20 events
/// each) with the default model and the sample rule set; and the whole pipeline on all cores.
/// Every method is timed per customer (OperationsPerInvoke). Run alone:
/// <c>--filter *AssessBenchmarks*</c>.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class AssessBenchmarks
{
    private const int Customers = 100_000;
    private readonly DateTimeOffset _asOf = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private CustomerData _data = null!;
    private FeatureBuilder _features = null!;
    private LogFeatures _logFeatures = null!;
    private SnapshotBatch _batch = null!;
    private ChurnModel _model = null!;
    private SymptomEngine _symptoms = null!;
    private LabelBuilder _labels = null!;
    private ChurnPipeline _pipeline = null!;
    private double[] _probabilities = [];

    [GlobalSetup]
    public void Setup()
    {
        var shape = BenchData.Shape(Customers);
        shape.AsOf = _asOf;
        _data = CustomerData.Generate(shape);
        _features = new FeatureBuilder(new FeatureBuilderOptions { MaxDegreeOfParallelism = 1 });
        _logFeatures = _features.For(_data.Log);
        _batch = _features.BuildAll(_data.Log, _asOf, _data.Profiles);
        _labels = new LabelBuilder(new LabelOptions { ObservedUntil = _data.ObservedUntil });
        var rules = RuleSetJson.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "churn-rules.json"))).RuleSet;
        _symptoms = new SymptomEngine(CompiledRuleSet.Compile(rules, RuleSchema.FromFeatures(_features.Schema, ["owner"], ["signup_date"])));
        var builder = ChurnPipeline.CreateBuilder().WithTrainer(o => o.Folds = 2);
        _model = builder.Build().Train(_data, _asOf.AddDays(-30)).Model;
        _pipeline = ChurnPipeline.CreateBuilder().WithModel(_model).WithRules(rules, ["plan", "region"]).Build();
        _probabilities = new double[_batch.Count];
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Customers, Description = "snapshot (46 features), 1 core")]
    public int Snapshot() => _features.BuildAll(_data.Log, _asOf, _data.Profiles).Count;

    [Benchmark(OperationsPerInvoke = Customers, Description = "churn status (already churned?), 1 core")]
    public int Status()
    {
        var churned = 0;
        for (var c = 0; c < _data.Log.CustomerCount; c++)
        {
            churned += _labels.StatusAt(_data.Log, c, _asOf).Churned ? 1 : 0;
        }

        return churned;
    }

    [Benchmark(OperationsPerInvoke = Customers, Description = "probability (booster + logistic, calibrated), 1 core")]
    public double Probability()
    {
        _model.Score(_batch.Schema, _batch.Values, _probabilities);
        return _probabilities[0];
    }

    [Benchmark(OperationsPerInvoke = Customers, Description = "three reasons in words, 1 core")]
    public int Reasons() => _model.Explain(_batch.Schema, _batch.Values.ToArray(), 3).Count;

    [Benchmark(OperationsPerInvoke = Customers, Description = "symptoms (6 rules, 57 daily instants), 1 core")]
    public int Symptoms()
    {
        var count = 0;
        for (var c = 0; c < _data.Log.CustomerCount; c++)
        {
            count += _symptoms.Detect(_logFeatures.History(c, _asOf, _data.ProfileOf(_data.Log.Customers[c]))).Count;
        }

        return count;
    }

    [Benchmark(OperationsPerInvoke = Customers, Description = "value models: summaries, BG/NBD and Gamma-Gamma fits (prepare), all cores")]
    public bool ValueFit() => _pipeline.Prepare(_data, _asOf).ValueModel!.IsFitted;

    [Benchmark(OperationsPerInvoke = Customers, Description = "whole assessment (everything above, CLV per customer, text), all cores")]
    public int Assess() => _pipeline.Assess(_data, _asOf).Count();
}
