using System.IO.Compression;
using System.Reflection;
using System.Text.Json;
using Churn.Abstractions;
using Churn.Modeling;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Churn.Modeling;

/// <summary>The headline cross-validated metrics kept in a model file.</summary>
/// <param name="Folds">Folds.</param>
/// <param name="Auc">ROC-AUC.</param>
/// <param name="PrAuc">PR-AUC.</param>
/// <param name="LogLoss">Log-loss.</param>
/// <param name="Brier">Brier score.</param>
/// <param name="Ece">Expected calibration error.</param>
/// <param name="Empc">Expected maximum profit per customer.</param>
public sealed record ModelMetrics(int Folds, double Auc, double PrAuc, double LogLoss, double Brier, double Ece, double Empc)
{
    /// <summary>Takes the headline figures of full metrics.</summary>
    /// <param name="m">The metrics.</param>
    /// <param name="folds">Folds.</param>
    /// <returns>The headline figures.</returns>
    public static ModelMetrics From(ClassificationMetrics m, int folds)
    {
        ArgumentNullException.ThrowIfNull(m);
        return new(folds, m.Auc, m.PrAuc, m.LogLoss, m.Brier, m.Ece, m.Profit.Empc);
    }
}

/// <summary>What a model file says about its model.</summary>
public sealed record ModelMetadata
{
    /// <summary>The file format this SDK writes.</summary>
    public const string CurrentFormat = "churn-model/1";

    /// <summary>Gets the file format.</summary>
    public string Format { get; init; } = CurrentFormat;

    /// <summary>Gets the version of Churn.Modeling that wrote the file.</summary>
    public string SdkVersion { get; init; } = typeof(ModelMetadata).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    /// <summary>Gets the algorithm chosen.</summary>
    public string Trainer { get; init; } = string.Empty;

    /// <summary>Gets the learners blended.</summary>
    public IReadOnlyList<string> Learners { get; init; } = [];

    /// <summary>Gets the input columns and their encoding (the schema scored data must match).</summary>
    public IReadOnlyList<FeatureSpec> Features { get; init; } = [];

    /// <summary>Gets the number of training rows.</summary>
    public int TrainingRows { get; init; }

    /// <summary>Gets the churn rate of the training rows.</summary>
    public double ChurnRate { get; init; }

    /// <summary>Gets when the model was trained.</summary>
    public DateTimeOffset TrainedAt { get; init; }

    /// <summary>Gets the earliest as-of instant in the training data, when known.</summary>
    public DateTimeOffset? TrainingWindowStart { get; init; }

    /// <summary>Gets the latest as-of instant in the training data, when known.</summary>
    public DateTimeOffset? TrainingWindowEnd { get; init; }

    /// <summary>Gets the seed.</summary>
    public int Seed { get; init; }

    /// <summary>Gets the cross-validated metrics.</summary>
    public ModelMetrics? CrossValidation { get; init; }

    /// <summary>Gets the tree settings used (chosen by the search when it ran), for tree models.</summary>
    public TreeSettings? TreeSettings { get; init; }

    /// <summary>Gets the isotonic calibration's knot scores (after Platt scaling), or null when only Platt scaling is used.</summary>
    public IReadOnlyList<double>? IsotonicX { get; init; }

    /// <summary>Gets the isotonic calibration's knot probabilities, or null.</summary>
    public IReadOnlyList<double>? IsotonicY { get; init; }

    /// <summary>Gets a value indicating whether the classes were weighted to balance while fitting.</summary>
    public bool BalancedClasses { get; init; }

    /// <summary>Gets the Platt slope.</summary>
    public double CalibratorA { get; init; } = 1;

    /// <summary>Gets the Platt intercept.</summary>
    public double CalibratorB { get; init; }
}

/// <summary>A model file that cannot be used: corrupt, truncated, of another format, or not matching the data.</summary>
public sealed class ModelFileException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="ModelFileException"/> class.</summary>
    public ModelFileException()
        : this("The model file cannot be used.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ModelFileException"/> class.</summary>
    /// <param name="message">Why.</param>
    public ModelFileException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ModelFileException"/> class.</summary>
    /// <param name="message">Why.</param>
    /// <param name="innerException">The cause.</param>
    public ModelFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// A trained, calibrated churn model: the encoding, the ML.NET learners and the calibration,
/// with its metadata. Saved and loaded as one versioned file (a zip of metadata, encoding and the
/// ML.NET models).
/// </summary>
/// <remarks>Batch scoring is thread-safe; each call builds its own views.</remarks>
public sealed class ChurnModel
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };
    private readonly IReadOnlyList<FittedLearner> _learners;
    private readonly PlattCalibrator _calibrator;
    private readonly IsotonicCalibrator? _isotonic;
    private readonly MLContext _ml;

    internal ChurnModel(Featurizer featurizer, IReadOnlyList<FittedLearner> learners, PlattCalibrator calibrator, IsotonicCalibrator? isotonic, ModelMetadata metadata, MLContext ml)
    {
        Featurizer = featurizer;
        _learners = learners;
        _calibrator = calibrator;
        _isotonic = isotonic;
        Metadata = metadata;
        _ml = ml;
        Fast = FastChurnScorer.TryCompile(learners, calibrator, isotonic, featurizer);
    }

    /// <summary>Gets the compiled scorer (flattened trees, folded linear weights), or <see langword="null"/> when a learner cannot be compiled.</summary>
    public FastChurnScorer? Fast { get; }

    /// <summary>Gets the metadata.</summary>
    public ModelMetadata Metadata { get; }

    /// <summary>Gets the encoding of the inputs.</summary>
    public Featurizer Featurizer { get; }

    /// <summary>Loads a model file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The model.</returns>
    /// <exception cref="ModelFileException">The file is missing, corrupt, truncated or of another format.</exception>
    public static ChurnModel Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new ModelFileException($"The model file '{path}' does not exist.");
        }

        try
        {
            using var zip = ZipFile.OpenRead(path);
            var metadata = Read<ModelMetadata>(zip, "metadata.json", path);
            if (metadata.Format != ModelMetadata.CurrentFormat)
            {
                throw new ModelFileException($"'{path}' is a model of format '{metadata.Format}'; this version of Churn.Modeling reads '{ModelMetadata.CurrentFormat}'.");
            }

            var featurizer = new Featurizer(metadata.Features);
            var ml = ChurnModelTrainer.MlContext(metadata.Seed);
            var learners = new List<FittedLearner>();
            for (var i = 0; i < metadata.Learners.Count; i++)
            {
                if (metadata.Learners[i] == FittedLearner.HistogramName)
                {
                    var treesEntry = zip.GetEntry($"learner-{i}.trees") ?? throw new ModelFileException($"'{path}' lacks its learner {i} ({metadata.Learners[i]}): the file is incomplete.");
                    using var treesStream = treesEntry.Open();
                    using var treesCopy = new MemoryStream();
                    treesStream.CopyTo(treesCopy);
                    treesCopy.Position = 0;
                    var trees = BoostedTrees.Read(treesCopy);
                    if (trees.FeatureCount != featurizer.FeatureNames.Count)
                    {
                        throw new ModelFileException($"'{path}' is inconsistent: learner {i} takes {trees.FeatureCount} features, the encoding makes {featurizer.FeatureNames.Count}.");
                    }

                    learners.Add(new FittedLearner(metadata.Learners[i], null, false, null) { Trees = trees, Settings = metadata.TreeSettings });
                    continue;
                }

                if (zip.GetEntry($"learner-{i}.linear") is { } linearEntry)
                {
                    using var linearStream = linearEntry.Open();
                    using var linearCopy = new MemoryStream();
                    linearStream.CopyTo(linearCopy);
                    linearCopy.Position = 0;
                    var linear = LinearModel.Read(linearCopy);
                    if (linear.Weights.Length != featurizer.FeatureNames.Count)
                    {
                        throw new ModelFileException($"'{path}' is inconsistent: learner {i} takes {linear.Weights.Length} features, the encoding makes {featurizer.FeatureNames.Count}.");
                    }

                    learners.Add(new FittedLearner(metadata.Learners[i], null, true, null) { Linear = linear });
                    continue;
                }

                var entry = zip.GetEntry($"learner-{i}.zip") ?? throw new ModelFileException($"'{path}' lacks its learner {i} ({metadata.Learners[i]}): the file is incomplete.");
                using var stream = entry.Open();
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                copy.Position = 0;
                var transformer = ml.Model.Load(copy, out var schema);
                learners.Add(new FittedLearner(metadata.Learners[i], transformer, metadata.Learners[i] == "Logistic", schema));
            }

            var isotonic = metadata.IsotonicX is null || metadata.IsotonicY is null ? null : new IsotonicCalibrator(metadata.IsotonicX, metadata.IsotonicY);
            return new ChurnModel(featurizer, learners, new PlattCalibrator(metadata.CalibratorA, metadata.CalibratorB), isotonic, metadata, ml);
        }
        catch (Exception ex) when (ex is InvalidDataException or JsonException or FormatException or InvalidOperationException or EndOfStreamException or ArgumentException or NotSupportedException)
        {
            throw new ModelFileException($"'{path}' is not a readable churn model (corrupt or truncated): {ex.Message}", ex);
        }
    }

    /// <summary>Saves the model.</summary>
    /// <param name="path">The file to write.</param>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        using var zip = new ZipArchive(file, ZipArchiveMode.Create);
        using (var w = zip.CreateEntry("metadata.json").Open())
        {
            JsonSerializer.Serialize(w, Metadata, Json);
        }

        for (var i = 0; i < _learners.Count; i++)
        {
            if (_learners[i].Trees is { } trees)
            {
                using var treesEntry = zip.CreateEntry($"learner-{i}.trees").Open();
                trees.Write(treesEntry);
                continue;
            }

            if (_learners[i].Linear is { } linear)
            {
                using var linearEntry = zip.CreateEntry($"learner-{i}.linear").Open();
                linear.Write(linearEntry);
                continue;
            }

            using var buffer = new MemoryStream();
            _ml.Model.Save(_learners[i].Transformer!, _learners[i].InputSchema, buffer);
            using var w = zip.CreateEntry($"learner-{i}.zip").Open();
            buffer.Position = 0;
            buffer.CopyTo(w);
        }
    }

    /// <summary>Scores a table.</summary>
    /// <param name="table">The data: the training columns (extra columns are ignored).</param>
    /// <returns>Calibrated churn probabilities, in row order.</returns>
    /// <exception cref="ModelFileException">The data does not match the model's schema.</exception>
    public double[] Score(ModelTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var problems = Featurizer.Check(table);
        if (problems.Count > 0)
        {
            throw new ModelFileException("The data does not match the model: " + string.Join("; ", problems) + ".");
        }

        if (table.Count == 0)
        {
            return [];
        }

        if (Fast is not null)
        {
            var rows = Featurizer.Encode(table, MissingMode.Raw);
            var result = new double[table.Count];
            Fast.ScoreBatch(rows, result);
            return result;
        }

        return ScoreReference(table);
    }

    /// <summary>Scores through each learner's own scoring (ML.NET transforms, or a plain walk of the booster's trees): the reference the compiled scorer is tested against.</summary>
    internal double[] ScoreReference(ModelTable table)
    {
        var raw = ChurnModelTrainer.Blend(Featurizer, _learners, table, _ml);
        for (var i = 0; i < raw.Length; i++)
        {
            raw[i] = _calibrator.Apply(raw[i]);
            raw[i] = _isotonic?.Apply(raw[i]) ?? raw[i];
        }

        return raw;
    }

    /// <summary>Scores snapshots.</summary>
    /// <param name="snapshots">The snapshots (their features must include the model's).</param>
    /// <returns>Calibrated churn probabilities, in order.</returns>
    public double[] Score(IReadOnlyList<CustomerSnapshot> snapshots)
    {
        ArgumentNullException.ThrowIfNull(snapshots);
        return snapshots.Count == 0 ? [] : Score(ModelTable.FromSnapshots([.. snapshots.Select(s => (s, false))]));
    }

    private static T Read<T>(ZipArchive zip, string name, string path)
    {
        var entry = zip.GetEntry(name) ?? throw new ModelFileException($"'{path}' has no {name}: it is not a churn model file.");
        using var stream = entry.Open();
        return JsonSerializer.Deserialize<T>(stream, Json) ?? throw new ModelFileException($"'{path}' has an empty {name}.");
    }
}
