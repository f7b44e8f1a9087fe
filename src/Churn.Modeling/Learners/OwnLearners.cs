using System.Collections.Immutable;

namespace Churn.Modeling;

/// <summary>
/// Churn.Modeling's histogram gradient boosting (<c>hgb</c>): leaf-wise trees on binned features
/// with quantised gradients; managed code, and the same model for any thread count. Stored in
/// model files as <c>learner-N.trees</c>.
/// </summary>
public sealed class HistGradientBoostingLearner : IChurnLearner
{
    /// <summary>The name model files record.</summary>
    public const string LearnerName = "HistGradientBoosting";

    /// <inheritdoc />
    public string Name => LearnerName;

    /// <inheritdoc />
    public IReadOnlyList<string> Aliases { get; } = ["hgb"];

    /// <inheritdoc />
    public string EntryExtension => "trees";

    /// <inheritdoc />
    public MissingValueEncoding Missing => MissingValueEncoding.BelowRange;

    /// <inheritdoc />
    public bool UsesTreeSettings => true;

    /// <inheritdoc />
    public IFittedLearner Fit(LearnerData data, LearnerSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(settings);
        var trees = HistogramBooster.Fit(data.Rows, data.Width, data.Labels, data.Weights, new BoostingOptions(settings.Trees, settings.Seed, settings.Threads), cancellationToken);
        return new Fitted(this, trees, settings.Trees);
    }

    /// <inheritdoc />
    public IFittedLearner Load(Stream stream, int width)
    {
        var trees = BoostedTrees.Read(stream);
        return trees.FeatureCount == width
            ? new Fitted(this, trees, null)
            : throw new InvalidDataException($"the tree ensemble takes {trees.FeatureCount} features, the encoding makes {width}");
    }

    internal sealed class Fitted(HistGradientBoostingLearner learner, BoostedTrees trees, TreeSettings? settings) : IFittedLearner
    {
        public IChurnLearner Learner => learner;

        public TreeSettings? Settings { get; } = settings;

        internal BoostedTrees Trees => trees;

        public double[] Probabilities(float[] rows, int width) => trees.Probabilities(rows);

        public void Save(Stream stream) => trees.Write(stream);

        /// <summary>p = 1 / (1 + exp(−(bias + Σ leaves))): slope −1, offset 0.</summary>
        public CompiledLearner Compile() => new CompiledTrees(
            [.. trees.Roots], [.. trees.Feature], [.. trees.Threshold], [.. trees.Left], [.. trees.Right], [.. trees.Leaves], trees.Bias, -1, 0);
    }
}

/// <summary>
/// Churn.Modeling's L2-regularised logistic regression (<c>logistic</c>): L-BFGS on standardised
/// features, λ = 1, the intercept free; the same model for any thread count. Stored in model files
/// as <c>learner-N.linear</c>.
/// </summary>
public sealed class LogisticLearner : IChurnLearner
{
    /// <summary>The name model files record.</summary>
    public const string LearnerName = "Logistic";

    /// <inheritdoc />
    public string Name => LearnerName;

    /// <inheritdoc />
    public IReadOnlyList<string> Aliases { get; } = ["logistic"];

    /// <inheritdoc />
    public string EntryExtension => "linear";

    /// <inheritdoc />
    public MissingValueEncoding Missing => MissingValueEncoding.Mean;

    /// <inheritdoc />
    public bool UsesTreeSettings => false;

    /// <inheritdoc />
    public IFittedLearner Fit(LearnerData data, LearnerSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(settings);
        return new Fitted(this, LogisticRegression.Fit(data.Rows, data.Width, data.Labels, data.Weights, 1, settings.Threads, cancellationToken));
    }

    /// <inheritdoc />
    public IFittedLearner Load(Stream stream, int width)
    {
        var linear = LinearModel.Read(stream);
        return linear.Weights.Length == width
            ? new Fitted(this, linear)
            : throw new InvalidDataException($"the linear model takes {linear.Weights.Length} features, the encoding makes {width}");
    }

    internal sealed class Fitted(LogisticLearner learner, LinearModel model) : IFittedLearner
    {
        public IChurnLearner Learner => learner;

        public TreeSettings? Settings => null;

        internal LinearModel Model => model;

        public double[] Probabilities(float[] rows, int width) => model.Probabilities(rows);

        public void Save(Stream stream) => model.Write(stream);

        /// <summary>p = 1 / (1 + exp(−(b + w·x))): slope −1, offset 0.</summary>
        public CompiledLearner Compile() => new CompiledLinear([.. model.Weights], model.Bias, -1, 0);
    }
}
