using System.Collections.Immutable;
using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;
using Microsoft.ML.Transforms;
using MlPlatt = Microsoft.ML.Calibrators.PlattCalibrator;

namespace Churn.Modeling.MLNet;

/// <summary>The ML.NET learners, to add to a <see cref="LearnerCatalog"/>.</summary>
public static class MLNetLearners
{
    /// <summary>Gets ML.NET FastTree gradient-boosted trees (<c>fasttree</c>).</summary>
    public static IChurnLearner FastTree { get; } = new FastTreeLearner();

    /// <summary>Gets LightGBM gradient-boosted trees through ML.NET (<c>lightgbm</c>; ships LightGBM's native library).</summary>
    public static IChurnLearner LightGbm { get; } = new LightGbmLearner();

    /// <summary>Gets ML.NET's L-BFGS logistic regression on mean-variance normalised features (<c>mlnet-logistic</c>), the logistic learner of model files written before Churn.Modeling had its own.</summary>
    public static IChurnLearner Logistic { get; } = new MLNetLogisticLearner();

    /// <summary>Gets all three.</summary>
    public static IReadOnlyList<IChurnLearner> All { get; } = [FastTree, LightGbm, Logistic];

    /// <summary>Returns the catalog with the ML.NET learners added.</summary>
    /// <param name="catalog">The catalog.</param>
    /// <returns>A new catalog.</returns>
    public static LearnerCatalog WithMLNet(this LearnerCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return catalog.With(All);
    }

    /// <summary>A seeded ML.NET context on the CPU.</summary>
    internal static MLContext Context(int seed) => new(seed) { GpuDeviceId = null, FallbackToCpu = true };

    /// <summary>An ML.NET view over encoded rows (with labels and weights when fitting).</summary>
    internal static IDataView View(MLContext ml, float[] rows, int width, IReadOnlyList<bool>? labels, float[]? weights = null)
    {
        var n = width == 0 ? 0 : rows.Length / width;
        var data = new Row[n];
        for (var r = 0; r < n; r++)
        {
            data[r] = new Row { Features = rows.AsSpan(r * width, width).ToArray(), Label = labels is not null && labels[r], Weight = weights?[r] ?? 1 };
        }

        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
        return ml.Data.LoadFromEnumerable(data, schema);
    }

    /// <summary>The input row of the ML.NET views.</summary>
    internal sealed class Row
    {
        /// <summary>Gets or sets the encoded features.</summary>
        public float[] Features { get; set; } = [];

        /// <summary>Gets or sets the label.</summary>
        public bool Label { get; set; }

        /// <summary>Gets or sets the row's weight in fitting.</summary>
        public float Weight { get; set; } = 1;
    }
}

/// <summary>What the ML.NET learners share: fitting on a view, saving and loading ML.NET's model zip, probabilities from a transform.</summary>
internal abstract class MLNetLearner : IChurnLearner
{
    public abstract string Name { get; }

    public abstract IReadOnlyList<string> Aliases { get; }

    public string EntryExtension => "zip";

    public abstract MissingValueEncoding Missing { get; }

    public abstract bool UsesTreeSettings { get; }

    public IFittedLearner Fit(LearnerData data, LearnerSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(settings);
        cancellationToken.ThrowIfCancellationRequested();
        var ml = MLNetLearners.Context(settings.Seed);
        var view = MLNetLearners.View(ml, data.Rows, data.Width, data.Labels, data.Weights);
        return new Fitted(this, Estimator(ml, settings, data.Weights is not null).Fit(view), view.Schema, UsesTreeSettings ? settings.Trees : null, settings.Seed);
    }

    public IFittedLearner Load(Stream stream, int width)
    {
        var ml = MLNetLearners.Context(0);
        var transformer = ml.Model.Load(stream, out var schema);
        return new Fitted(this, transformer, schema, null, 0);
    }

    protected abstract IEstimator<ITransformer> Estimator(MLContext ml, LearnerSettings settings, bool weighted);

    /// <summary>The model in the compiled scorer's form, or null when its shape is not recognised.</summary>
    protected abstract CompiledLearner? Compile(ITransformer transformer);

    private sealed class Fitted(MLNetLearner learner, ITransformer transformer, DataViewSchema schema, TreeSettings? settings, int seed) : IFittedLearner
    {
        public IChurnLearner Learner => learner;

        public TreeSettings? Settings => settings;

        public double[] Probabilities(float[] rows, int width)
        {
            var ml = MLNetLearners.Context(seed);
            var scored = transformer.Transform(MLNetLearners.View(ml, rows, width, null));
            return [.. scored.GetColumn<float>("Probability").Select(p => (double)p)];
        }

        public void Save(Stream stream)
        {
            // ML.NET seeks while writing its zip: save to memory, then copy.
            using var buffer = new MemoryStream();
            MLNetLearners.Context(seed).Model.Save(transformer, schema, buffer);
            buffer.Position = 0;
            buffer.CopyTo(stream);
        }

        public CompiledLearner? Compile() => learner.Compile(transformer);
    }
}

/// <summary>ML.NET FastTree.</summary>
internal sealed class FastTreeLearner : MLNetLearner
{
    public override string Name => "FastTree";

    public override IReadOnlyList<string> Aliases { get; } = ["fasttree"];

    public override MissingValueEncoding Missing => MissingValueEncoding.BelowRange;

    public override bool UsesTreeSettings => true;

    protected override IEstimator<ITransformer> Estimator(MLContext ml, LearnerSettings settings, bool weighted) =>
        ml.BinaryClassification.Trainers.FastTree(new FastTreeBinaryTrainer.Options
        {
            ExampleWeightColumnName = weighted ? nameof(MLNetLearners.Row.Weight) : null,
            NumberOfTrees = settings.Trees.Trees,
            NumberOfLeaves = settings.Trees.Leaves,
            LearningRate = settings.Trees.LearningRate,
            MinimumExampleCountPerLeaf = settings.Trees.MinLeafCount,
            FeatureFraction = 0.9,
            Seed = settings.Seed,
            NumberOfThreads = settings.Threads == 0 ? null : settings.Threads,
        });

    protected override CompiledLearner? Compile(ITransformer transformer) =>
        transformer is ISingleFeaturePredictionTransformer<object> { Model: CalibratedModelParametersBase<FastTreeBinaryModelParameters, MlPlatt> trees }
            ? TreeForm.From(trees.SubModel.TrainedTreeEnsemble, trees.Calibrator)
            : null;
}

/// <summary>LightGBM through ML.NET.</summary>
internal sealed class LightGbmLearner : MLNetLearner
{
    public override string Name => "LightGbm";

    public override IReadOnlyList<string> Aliases { get; } = ["lightgbm"];

    public override MissingValueEncoding Missing => MissingValueEncoding.BelowRange;

    public override bool UsesTreeSettings => true;

    protected override IEstimator<ITransformer> Estimator(MLContext ml, LearnerSettings settings, bool weighted) =>
        ml.BinaryClassification.Trainers.LightGbm(new LightGbmBinaryTrainer.Options
        {
            ExampleWeightColumnName = weighted ? nameof(MLNetLearners.Row.Weight) : null,
            NumberOfIterations = settings.Trees.Trees,
            NumberOfLeaves = settings.Trees.Leaves,
            LearningRate = settings.Trees.LearningRate,
            MinimumExampleCountPerLeaf = settings.Trees.MinLeafCount,
            Seed = settings.Seed,
            NumberOfThreads = settings.Threads == 0 ? null : settings.Threads,
            Verbose = false,
            Silent = true,
        });

    protected override CompiledLearner? Compile(ITransformer transformer) =>
        transformer is ISingleFeaturePredictionTransformer<object> { Model: CalibratedModelParametersBase<LightGbmBinaryModelParameters, MlPlatt> lgbm }
            ? TreeForm.From(lgbm.SubModel.TrainedTreeEnsemble, lgbm.Calibrator)
            : null;
}

/// <summary>ML.NET's L-BFGS logistic regression on mean-variance normalised features (λ = 1, as the built-in learner).</summary>
internal sealed class MLNetLogisticLearner : MLNetLearner
{
    /// <summary>Older model files recorded this learner as "Logistic" with a zip entry; the catalog tells it from the built-in one by the entry's extension.</summary>
    public override string Name => "Logistic";

    public override IReadOnlyList<string> Aliases { get; } = ["mlnet-logistic"];

    public override MissingValueEncoding Missing => MissingValueEncoding.Mean;

    public override bool UsesTreeSettings => false;

    protected override IEstimator<ITransformer> Estimator(MLContext ml, LearnerSettings settings, bool weighted) =>
        ml.Transforms.NormalizeMeanVariance("Features")
            .Append(ml.BinaryClassification.Trainers.LbfgsLogisticRegression(new LbfgsLogisticRegressionBinaryTrainer.Options
            {
                ExampleWeightColumnName = weighted ? nameof(MLNetLearners.Row.Weight) : null,
                L2Regularization = 1,
                L1Regularization = 0,
                OptimizationTolerance = 1e-7f,
                NumberOfThreads = 1,
            }));

    /// <summary>Folds the normaliser into the weights: y = (x − offset)·scale and score = w·y + b give score = (w·scale)·x + (b − Σ w·scale·offset).</summary>
    protected override CompiledLearner? Compile(ITransformer transformer)
    {
        if (transformer is not IEnumerable<ITransformer> chain)
        {
            return null;
        }

        var parts = chain.ToArray();
        if (parts.Length != 2 || parts[0] is not NormalizingTransformer normalizer
            || parts[1] is not ISingleFeaturePredictionTransformer<object> { Model: CalibratedModelParametersBase<LinearBinaryModelParameters, MlPlatt> predictor }
            || normalizer.GetNormalizerModelParameters(0) is not NormalizingTransformer.AffineNormalizerModelParameters<ImmutableArray<float>> affine)
        {
            return null;
        }

        var weights = predictor.SubModel.Weights.ToArray();
        var scale = affine.Scale;
        var offset = affine.Offset;
        var folded = new double[weights.Length];
        double bias = predictor.SubModel.Bias;
        for (var i = 0; i < weights.Length; i++)
        {
            var s = scale.Length == 1 ? scale[0] : scale[i];
            folded[i] = weights[i] * s;
            if (!offset.IsDefaultOrEmpty)
            {
                bias -= weights[i] * s * (offset.Length == 1 ? offset[0] : offset[i]);
            }
        }

        return new CompiledLinear([.. folded], bias, predictor.Calibrator.Slope, predictor.Calibrator.Offset);
    }
}

/// <summary>ML.NET tree ensembles in the compiled scorer's flat form.</summary>
internal static class TreeForm
{
    public static CompiledTrees? From(RegressionTreeEnsemble ensemble, MlPlatt calibrator)
    {
        var roots = new List<int>();
        var feature = new List<int>();
        var threshold = new List<float>();
        var left = new List<int>();
        var right = new List<int>();
        var leaf = new List<double>();
        for (var t = 0; t < ensemble.Trees.Count; t++)
        {
            var tree = ensemble.Trees[t];
            if (tree.CategoricalSplitFlags.Any(f => f))
            {
                return null;
            }

            var weight = ensemble.TreeWeights[t];
            var nodeBase = feature.Count;
            var leafBase = leaf.Count;
            if (tree.NumberOfNodes == 0)
            {
                // A stump: one leaf.
                roots.Add(~leaf.Count);
                leaf.Add(weight * tree.LeafValues[0]);
                continue;
            }

            roots.Add(nodeBase);
            for (var n = 0; n < tree.NumberOfNodes; n++)
            {
                feature.Add(tree.NumericalSplitFeatureIndexes[n]);
                threshold.Add(tree.NumericalSplitThresholds[n]);
                left.Add(tree.LeftChild[n] >= 0 ? nodeBase + tree.LeftChild[n] : ~(leafBase + ~tree.LeftChild[n]));
                right.Add(tree.RightChild[n] >= 0 ? nodeBase + tree.RightChild[n] : ~(leafBase + ~tree.RightChild[n]));
            }

            foreach (var v in tree.LeafValues)
            {
                leaf.Add(weight * v);
            }
        }

        return new CompiledTrees([.. roots], [.. feature], [.. threshold], [.. left], [.. right], [.. leaf], ensemble.Bias, calibrator.Slope, calibrator.Offset);
    }
}
