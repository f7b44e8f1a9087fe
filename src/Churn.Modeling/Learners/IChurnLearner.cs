using System.Collections.Immutable;

namespace Churn.Modeling;

/// <summary>What a learner wants in place of a missing number.</summary>
public enum MissingValueEncoding
{
    /// <summary>A code below every training value, so that a tree can split missing values apart (tree learners).</summary>
    BelowRange = 0,

    /// <summary>The training mean (linear learners).</summary>
    Mean,
}

/// <summary>The rows a learner fits on: row-major encoded features, labels and optional weights.</summary>
/// <param name="Rows">Row-major features, <see cref="Width"/> per row, missing values encoded as the learner's <see cref="IChurnLearner.Missing"/> says.</param>
/// <param name="Width">Features per row.</param>
/// <param name="Labels">Churned or not, one per row.</param>
/// <param name="Weights">Per-row weights while fitting, or <see langword="null"/> for 1 (set when classes are balanced).</param>
public sealed record LearnerData(float[] Rows, int Width, IReadOnlyList<bool> Labels, float[]? Weights);

/// <summary>Settings every learner receives; each takes what applies to it.</summary>
/// <param name="Trees">The tree settings (tree learners).</param>
/// <param name="Seed">The seed of every random choice.</param>
/// <param name="Threads">Threads; 0 for all cores.</param>
public sealed record LearnerSettings(TreeSettings Trees, int Seed, int Threads);

/// <summary>
/// A learning algorithm that can be blended into a churn model: it fits on encoded rows, and reads
/// back what its fitted models write into a model file. Register one in a <see cref="LearnerCatalog"/>
/// (or through dependency injection) to train with it and to load the model files that hold it.
/// </summary>
/// <remarks>Implementations are stateless and thread-safe.</remarks>
public interface IChurnLearner
{
    /// <summary>Gets the name model files record (for example <c>HistGradientBoosting</c>).</summary>
    string Name { get; }

    /// <summary>Gets other names the learner answers to in options and on the command line (for example <c>hgb</c>).</summary>
    IReadOnlyList<string> Aliases { get; }

    /// <summary>Gets the extension of the learner's entry in a model file (for example <c>trees</c>); a catalog may hold two learners of one name with different extensions (an old and a new format).</summary>
    string EntryExtension { get; }

    /// <summary>Gets how missing numbers must be encoded for it.</summary>
    MissingValueEncoding Missing { get; }

    /// <summary>Gets a value indicating whether <see cref="LearnerSettings.Trees"/> shapes it (the tree-settings search then applies).</summary>
    bool UsesTreeSettings { get; }

    /// <summary>Fits a model.</summary>
    /// <param name="data">The encoded rows.</param>
    /// <param name="settings">Tree settings, seed and threads.</param>
    /// <param name="cancellationToken">Cancels the fit.</param>
    /// <returns>The fitted model.</returns>
    IFittedLearner Fit(LearnerData data, LearnerSettings settings, CancellationToken cancellationToken = default);

    /// <summary>Reads a fitted model that <see cref="IFittedLearner.Save"/> wrote.</summary>
    /// <param name="stream">The entry's bytes.</param>
    /// <param name="width">The number of encoded features the model file's encoding makes.</param>
    /// <returns>The fitted model.</returns>
    /// <exception cref="InvalidDataException">The bytes are damaged or do not fit the encoding.</exception>
    IFittedLearner Load(Stream stream, int width);
}

/// <summary>A fitted learner: its probabilities, its bytes in a model file, and its compiled form.</summary>
/// <remarks>Immutable and thread-safe.</remarks>
public interface IFittedLearner
{
    /// <summary>Gets the learner that fitted it.</summary>
    IChurnLearner Learner { get; }

    /// <summary>Gets the tree settings used, for tree learners.</summary>
    TreeSettings? Settings { get; }

    /// <summary>Gets the probability of churn for each encoded row (missing values encoded as <see cref="IChurnLearner.Missing"/> says).</summary>
    /// <param name="rows">Row-major encoded rows.</param>
    /// <param name="width">Features per row.</param>
    /// <returns>One probability per row.</returns>
    double[] Probabilities(float[] rows, int width);

    /// <summary>Writes the model into its model-file entry.</summary>
    /// <param name="stream">The entry.</param>
    void Save(Stream stream);

    /// <summary>Gets the model in a form the compiled scorer evaluates (trees or weights), or <see langword="null"/> when it has none; the model is then scored through <see cref="Probabilities"/>.</summary>
    /// <returns>The compiled form, or <see langword="null"/>.</returns>
    CompiledLearner? Compile();
}

/// <summary>A learner reduced to arrays the compiled scorer evaluates.</summary>
public abstract record CompiledLearner;

/// <summary>
/// A tree ensemble as flat arrays. A node sends a row right when its value is greater than the
/// threshold (missing values arrive coded below every training value). A child is a node index or
/// <c>~leaf</c>; a root may be <c>~leaf</c> for a tree that is one leaf. The probability is
/// 1 / (1 + exp(<see cref="Slope"/> · (<see cref="Bias"/> + Σ leaves) + <see cref="Offset"/>)).
/// </summary>
/// <param name="Roots">Each tree's root.</param>
/// <param name="Feature">Each node's feature.</param>
/// <param name="Threshold">Each node's threshold.</param>
/// <param name="Left">Each node's left child.</param>
/// <param name="Right">Each node's right child.</param>
/// <param name="Leaves">The leaf values (tree weights applied).</param>
/// <param name="Bias">Added to the sum of the leaves.</param>
/// <param name="Slope">The sigmoid's slope (−1 for plain log-odds).</param>
/// <param name="Offset">The sigmoid's offset (0 for plain log-odds).</param>
public sealed record CompiledTrees(
    ImmutableArray<int> Roots,
    ImmutableArray<int> Feature,
    ImmutableArray<float> Threshold,
    ImmutableArray<int> Left,
    ImmutableArray<int> Right,
    ImmutableArray<double> Leaves,
    double Bias,
    double Slope,
    double Offset) : CompiledLearner;

/// <summary>
/// A linear model on the encoded features (missing values take the training mean): the probability
/// is 1 / (1 + exp(<see cref="Slope"/> · (<see cref="Bias"/> + Σ weight · x) + <see cref="Offset"/>)).
/// </summary>
/// <param name="Weights">One weight per encoded feature.</param>
/// <param name="Bias">The intercept.</param>
/// <param name="Slope">The sigmoid's slope (−1 for plain log-odds).</param>
/// <param name="Offset">The sigmoid's offset.</param>
public sealed record CompiledLinear(ImmutableArray<double> Weights, double Bias, double Slope, double Offset) : CompiledLearner;
