using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.FastTree;

namespace Churn.Modeling.Training;

/// <summary>The learning algorithms.</summary>
public enum ChurnTrainer
{
    /// <summary>The default: a gradient-boosted tree model and a regularised logistic model, their probabilities averaged, then calibrated. Trees find interactions and thresholds; the linear model is strong where the signal is smooth; their average is rarely worse than either.</summary>
    Auto = 0,

    /// <summary>ML.NET FastTree gradient-boosted trees alone.</summary>
    FastTree,

    /// <summary>L-BFGS logistic regression on standardised features (missing values imputed with training means): the baseline.</summary>
    Logistic,

    /// <summary>LightGBM gradient-boosted trees (through ML.NET) alone, with the same tree settings.</summary>
    LightGbm,
}

/// <summary>Settings of the tree learner.</summary>
/// <param name="Trees">Number of trees.</param>
/// <param name="Leaves">Leaves per tree.</param>
/// <param name="LearningRate">Shrinkage.</param>
/// <param name="MinLeafCount">Minimum rows per leaf.</param>
public sealed record TreeSettings(int Trees, int Leaves, double LearningRate, int MinLeafCount);

/// <summary>One fitted ML.NET learner and how to feed it.</summary>
internal sealed record FittedLearner(string Name, ITransformer Transformer, bool Impute, DataViewSchema InputSchema)
{
    /// <summary>Gets the tree settings used, for tree learners.</summary>
    public TreeSettings? Settings { get; init; }
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

    public static FittedLearner FitLogistic(MLContext ml, IDataView data, int threads = 1, bool weighted = false)
    {
        var pipeline = ml.Transforms.NormalizeMeanVariance("Features")
            .Append(ml.BinaryClassification.Trainers.LbfgsLogisticRegression(new LbfgsLogisticRegressionBinaryTrainer.Options
            {
                ExampleWeightColumnName = weighted ? nameof(Row.Weight) : null,
                L2Regularization = 1,
                L1Regularization = 0,
                OptimizationTolerance = 1e-7f,
                NumberOfThreads = threads == 0 ? null : threads,
            }));
        return new FittedLearner("Logistic", pipeline.Fit(data), true, data.Schema);
    }

    /// <summary>The learner's probability for each row.</summary>
    public static double[] Probabilities(FittedLearner learner, IDataView data)
    {
        var scored = learner.Transformer.Transform(data);
        return [.. scored.GetColumn<float>("Probability").Select(p => (double)p)];
    }

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
