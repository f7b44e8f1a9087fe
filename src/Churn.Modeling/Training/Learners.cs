using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.FastTree;

namespace Churn.Modeling;

/// <summary>The learning algorithms.</summary>
public enum ChurnTrainer
{
    /// <summary>The default: a gradient-boosted tree model (the histogram booster) and a regularised logistic model, their probabilities averaged, then calibrated. Trees find interactions and thresholds; the linear model is strong where the signal is smooth; their average is rarely worse than either.</summary>
    Auto = 0,

    /// <summary>ML.NET FastTree gradient-boosted trees alone.</summary>
    FastTree,

    /// <summary>L-BFGS logistic regression on standardised features (missing values imputed with training means): the baseline.</summary>
    Logistic,

    /// <summary>LightGBM gradient-boosted trees (through ML.NET) alone, with the same tree settings.</summary>
    LightGbm,

    /// <summary>Churn.Modeling's own histogram gradient boosting alone (leaf-wise trees on binned features, quantised gradients), with the same tree settings: managed code, several times faster to fit than FastTree on large tables, and the same model for any thread count.</summary>
    HistGradientBoosting,
}

/// <summary>Settings of the tree learner.</summary>
/// <param name="Trees">Number of trees.</param>
/// <param name="Leaves">Leaves per tree.</param>
/// <param name="LearningRate">Shrinkage.</param>
/// <param name="MinLeafCount">Minimum rows per leaf.</param>
public sealed record TreeSettings(int Trees, int Leaves, double LearningRate, int MinLeafCount);

/// <summary>One fitted learner and how to feed it: an ML.NET transformer, or the histogram booster's trees.</summary>
internal sealed record FittedLearner(string Name, ITransformer? Transformer, bool Impute, DataViewSchema? InputSchema)
{
    /// <summary>The name of the histogram boosting learner in model files.</summary>
    public const string HistogramName = "HistGradientBoosting";

    /// <summary>Gets the tree settings used, for tree learners.</summary>
    public TreeSettings? Settings { get; init; }

    /// <summary>Gets the trees of the histogram boosting learner (null for other learners).</summary>
    public BoostedTrees? Trees { get; init; }

    /// <summary>Gets the weights of the logistic learner (null for other learners, and for logistic models of ML.NET read from older files).</summary>
    public LinearModel? Linear { get; init; }
}

/// <summary>Builds ML.NET views over float matrices and fits the learners.</summary>
internal static class Learners
{
    public static IDataView View(MLContext ml, float[] features, int width, IReadOnlyList<bool>? labels, bool balance = false)
    {
        var n = width == 0 ? 0 : features.Length / width;
        var rows = new Row[n];
        var positives = labels?.Count(l => l) ?? 0;

        // Balanced weights: each class sums to n / 2.
        float positiveWeight = 1, negativeWeight = 1;
        if (balance && positives > 0 && positives < n)
        {
            positiveWeight = (float)(n / (2.0 * positives));
            negativeWeight = (float)(n / (2.0 * (n - positives)));
        }

        for (var r = 0; r < n; r++)
        {
            var label = labels is not null && labels[r];
            rows[r] = new Row { Features = features.AsSpan(r * width, width).ToArray(), Label = label, Weight = label ? positiveWeight : negativeWeight };
        }

        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
        return ml.Data.LoadFromEnumerable(rows, schema);
    }

    public static FittedLearner FitTrees(MLContext ml, IDataView data, TreeSettings settings, int seed, int threads = 1, bool weighted = false)
    {
        var trainer = ml.BinaryClassification.Trainers.FastTree(new FastTreeBinaryTrainer.Options
        {
            ExampleWeightColumnName = weighted ? nameof(Row.Weight) : null,
            NumberOfTrees = settings.Trees,
            NumberOfLeaves = settings.Leaves,
            LearningRate = settings.LearningRate,
            MinimumExampleCountPerLeaf = settings.MinLeafCount,
            FeatureFraction = 0.9,
            Seed = seed,
            NumberOfThreads = threads == 0 ? null : threads,
        });
        return new FittedLearner("FastTree", trainer.Fit(data), false, data.Schema);
    }

    public static FittedLearner FitLightGbm(MLContext ml, IDataView data, TreeSettings settings, int seed, int threads = 1, bool weighted = false)
    {
        var trainer = ml.BinaryClassification.Trainers.LightGbm(new Microsoft.ML.Trainers.LightGbm.LightGbmBinaryTrainer.Options
        {
            ExampleWeightColumnName = weighted ? nameof(Row.Weight) : null,
            NumberOfIterations = settings.Trees,
            NumberOfLeaves = settings.Leaves,
            LearningRate = settings.LearningRate,
            MinimumExampleCountPerLeaf = settings.MinLeafCount,
            Seed = seed,
            NumberOfThreads = threads == 0 ? null : threads,
            Verbose = false,
            Silent = true,
        });
        return new FittedLearner("LightGbm", trainer.Fit(data), false, data.Schema);
    }

    /// <summary>Fits the L2-regularised logistic model (λ = 1 on standardised features) on the mean-imputed encoding; the same model for any thread count.</summary>
    public static FittedLearner FitLogistic(float[] features, int width, IReadOnlyList<bool> labels, int threads = 0, bool balance = false, CancellationToken cancellationToken = default)
    {
        var model = LogisticRegression.Fit(features, width, labels, balance ? BalancedWeights(labels) : null, 1, threads, cancellationToken);
        return new FittedLearner("Logistic", null, true, null) { Linear = model };
    }

    /// <summary>Fits ML.NET's L-BFGS logistic regression on mean-variance normalised features: the learner older model files hold, kept as the reference the own logistic learner is checked against.</summary>
    public static FittedLearner FitMlNetLogistic(MLContext ml, IDataView data)
    {
        var pipeline = ml.Transforms.NormalizeMeanVariance("Features")
            .Append(ml.BinaryClassification.Trainers.LbfgsLogisticRegression(new LbfgsLogisticRegressionBinaryTrainer.Options
            {
                L2Regularization = 1,
                L1Regularization = 0,
                OptimizationTolerance = 1e-7f,
                NumberOfThreads = 1,
            }));
        return new FittedLearner("Logistic", pipeline.Fit(data), true, data.Schema);
    }

    /// <summary>Fits the histogram gradient boosting learner.</summary>
    public static FittedLearner FitHistogram(float[] features, int width, IReadOnlyList<bool> labels, TreeSettings settings, int seed, int threads = 0, bool balance = false, CancellationToken cancellationToken = default)
    {
        var trees = HistogramBooster.Fit(features, width, labels, balance ? BalancedWeights(labels) : null, new BoostingOptions(settings, seed, threads), cancellationToken);
        return new FittedLearner(FittedLearner.HistogramName, null, false, null) { Trees = trees, Settings = settings };
    }

    /// <summary>Per-row weights that give each class the same total (n / 2), or null when a class is empty.</summary>
    public static float[]? BalancedWeights(IReadOnlyList<bool> labels)
    {
        var n = labels.Count;
        var positives = labels.Count(l => l);
        if (positives == 0 || positives == n)
        {
            return null;
        }

        var positiveWeight = (float)(n / (2.0 * positives));
        var negativeWeight = (float)(n / (2.0 * (n - positives)));
        return [.. labels.Select(l => l ? positiveWeight : negativeWeight)];
    }

    /// <summary>The learner's probability for each row of an ML.NET view.</summary>
    public static double[] Probabilities(FittedLearner learner, IDataView data)
    {
        if (learner.Transformer is null)
        {
            throw new InvalidOperationException($"The {learner.Name} learner does not score ML.NET views.");
        }

        var scored = learner.Transformer.Transform(data);
        return [.. scored.GetColumn<float>("Probability").Select(p => (double)p)];
    }

    /// <summary>The learner's probability for each encoded row (encoded as <see cref="FittedLearner.Impute"/> says).</summary>
    public static double[] Probabilities(FittedLearner learner, float[] features, int width, MLContext ml)
        => learner.Trees is { } trees ? trees.Probabilities(features)
            : learner.Linear is { } linear ? linear.Probabilities(features)
            : Probabilities(learner, View(ml, features, width, null));

    /// <summary>The input row of the ML.NET views.</summary>
    public sealed class Row
    {
        /// <summary>Gets or sets the encoded features.</summary>
        public float[] Features { get; set; } = [];

        /// <summary>Gets or sets the label.</summary>
        public bool Label { get; set; }

        /// <summary>Gets or sets the row's weight in fitting (1 unless classes are balanced).</summary>
        public float Weight { get; set; } = 1;
    }
}
