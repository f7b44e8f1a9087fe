using BenchmarkDotNet.Attributes;
using Churn.Abstractions;
using Churn.Modeling;
using Churn.Modeling.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;

namespace Churn.Benchmarks.Modeling;

/// <summary>
/// Scoring a 100-tree FastTree model with 30 numeric features: ML.NET's own Transform over an
/// IDataView (baseline) against the compiled scorer, for a batch of customers (per-customer time,
/// OperationsPerInvoke = batch size).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class BatchScoringBenchmarks
{
    private const int Features = 30;
    private const int Batch = 200_000;
    private float[] _rows = [];
    private double[] _output = [];
    private ChurnModel _model = null!;
    private IDataView _view = null!;
    private ITransformer _mlnet = null!;

    [GlobalSetup]
    public void Setup()
    {
        (_model, _mlnet, _rows) = ScoringData.Build(Features, BenchData.Smoke ? 2_000 : 20_000, BenchData.Smoke ? 5_000 : Batch);
        _output = new double[_rows.Length / Features];
        _view = ScoringData.View(new MLContext(1), _rows, Features);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch, Description = "ML.NET Transform (IDataView), per customer")]
    public double MlNetTransform()
    {
        double sum = 0;
        foreach (var p in _mlnet.Transform(_view).GetColumn<float>("Probability"))
        {
            sum += p;
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "compiled scorer, batch, per customer")]
    public double Compiled()
    {
        _model.Compiled!.ScoreBatch(_rows, _output);
        return _output[0];
    }
}

/// <summary>One customer at a time: ML.NET's PredictionEngine against the compiled scorer on a snapshot.</summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 10)]
public class SingleScoringBenchmarks
{
    private const int Features = 30;
    private ChurnModel _model = null!;
    private PredictionEngine<ScoringData.Row, ScoringData.Output> _engine = null!;
    private ScoringData.Row _row = null!;
    private CustomerSnapshot _snapshot = null!;

    [GlobalSetup]
    public void Setup()
    {
        ITransformer mlnet;
        float[] rows;
        (_model, mlnet, rows) = ScoringData.Build(Features, BenchData.Smoke ? 2_000 : 20_000, 10);
        var ml = new MLContext(1);
        var schema = SchemaDefinition.Create(typeof(ScoringData.Row));
        schema[nameof(ScoringData.Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, Features);
        _engine = ml.Model.CreatePredictionEngine<ScoringData.Row, ScoringData.Output>(mlnet, inputSchemaDefinition: schema);
        _row = new ScoringData.Row { Features = rows[..Features] };
        var featureSchema = new FeatureSchema(Enumerable.Range(0, Features).Select(i => new FeatureDefinition($"f{i}", FeatureKind.Number, "f")));
        _snapshot = new CustomerSnapshot("c", DateTimeOffset.UnixEpoch, featureSchema, [.. _row.Features.Select(v => (double)v)]);
    }

    [Benchmark(Baseline = true, Description = "ML.NET PredictionEngine, one customer")]
    public float PredictionEngine() => _engine.Predict(_row).Probability;

    [Benchmark(Description = "ChurnModel.Score(snapshot), one customer")]
    public double Compiled() => _model.Score(_snapshot);
}

/// <summary>Training data and models shared by the scoring benchmarks.</summary>
public static class ScoringData
{
    public static (ChurnModel Model, ITransformer MlNet, float[] ScoringRows) Build(int features, int trainRows, int scoreRows)
    {
        var random = new Random(7);
        var schema = new FeatureSchema(Enumerable.Range(0, features).Select(i => new FeatureDefinition($"f{i}", FeatureKind.Number, "f")));
        var rows = Enumerable.Range(0, trainRows).Select(i =>
        {
            var v = Enumerable.Range(0, features).Select(_ => random.NextDouble() * 10).ToArray();
            var logit = -3 + (0.4 * v[0]) - (0.2 * v[1]) + (v[2] > 5 ? 1 : 0);
            return (new CustomerSnapshot("c" + i, DateTimeOffset.UnixEpoch, schema, v), random.NextDouble() < 1 / (1 + Math.Exp(-logit)));
        }).ToList();
        var trees = new TreeSettings(100, 8, 0.1, 20);
        var model = new ChurnModelTrainer(new ChurnModelTrainerOptions { Folds = 2, Learners = ["fasttree"], Trees = trees }, catalog: LearnerCatalog.Default.WithMLNet()).Train(ModelTable.FromSnapshots(rows)).Model;

        var ml = new MLContext(1);
        var training = View(ml, [.. rows.SelectMany(r => r.Item1.Values.ToArray().Select(x => (float)x))], features, [.. rows.Select(r => r.Item2)]);
        var mlnet = ml.BinaryClassification.Trainers.FastTree(new FastTreeBinaryTrainer.Options { NumberOfTrees = 100, NumberOfLeaves = 8, LearningRate = 0.1, MinimumExampleCountPerLeaf = 20 }).Fit(training);
        var scoring = new float[scoreRows * features];
        for (var i = 0; i < scoring.Length; i++)
        {
            scoring[i] = (float)(random.NextDouble() * 10);
        }

        return (model, mlnet, scoring);
    }

    public static IDataView View(MLContext ml, float[] rows, int features, bool[]? labels = null)
    {
        var n = rows.Length / features;
        var data = Enumerable.Range(0, n).Select(i => new Row { Features = rows.AsSpan(i * features, features).ToArray(), Label = labels?[i] ?? false });
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, features);
        return ml.Data.LoadFromEnumerable(data, schema);
    }

    public sealed class Row
    {
        public float[] Features { get; set; } = [];

        public bool Label { get; set; }
    }

    public sealed class Output
    {
        public float Probability { get; set; }
    }
}
