using System.IO.Compression;
using System.Reflection;
using System.Text.Json.Serialization;
using System.Text.Json;
using Churn.Abstractions;
using Churn.Modeling;

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

    /// <summary>Gets the tree settings used (chosen on held-out rows when the trainer chose them), for tree models.</summary>
    public TreeSettings? TreeSettings { get; init; }

    /// <summary>Gets each learner's weight in the blend (in the order of <see cref="Learners"/>), or null when their probabilities are averaged with equal weights.</summary>
    public IReadOnlyList<double>? BlendWeights { get; init; }

    /// <summary>Gets the isotonic calibration's knot scores (after Platt scaling), or null when only Platt scaling is used.</summary>
    public IReadOnlyList<double>? IsotonicX { get; init; }

    /// <summary>Gets the isotonic calibration's knot probabilities, or null.</summary>
    public IReadOnlyList<double>? IsotonicY { get; init; }

    /// <summary>Gets a value indicating whether the classes were weighted to balance while fitting.</summary>
    public bool BalancedClasses { get; init; }

    /// <summary>Gets the profit-optimal probability cut-off: contacting the customers at or above it maximises the expected profit (EMPC) of the cross-validated probabilities, under the training's profit parameters. Null for older files.</summary>
    public double? ProfitCutoff { get; init; }

    /// <summary>Gets the training data's distributions (features and cross-validated probabilities), the reference of drift checks (<see cref="ChurnModel.Drift"/>); null for files written before it was kept.</summary>
    public DriftProfile? TrainingProfile { get; init; }

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
/// A trained, calibrated churn model: the encoding of the inputs, the fitted learners whose
/// probabilities are averaged, and the calibration, with its metadata. It is also the way to score:
/// <see cref="Score(ModelTable)"/> for tables, <see cref="Score(CustomerSnapshot)"/> for one customer,
/// <see cref="Explain(ModelTable, int)"/> for the reasons behind each score. Saved and loaded as one versioned file
/// (a zip of metadata, encoding and one entry per learner).
/// </summary>
/// <remarks>Immutable and thread-safe. Scoring runs through a compiled form of the learners (flat
/// trees, folded weights) that is tested to equal the learners' own probabilities.</remarks>
public sealed class ChurnModel : IChurnScorer
{
    private readonly IFittedLearner[] _learners;
    private readonly double[] _weights;
    private readonly PlattCalibrator _calibrator;
    private readonly IsotonicCalibrator? _isotonic;

    /// <summary>The slots of the last schema scored (a benign race: any thread may replace it with an equal one).</summary>
    private SchemaSlots? _slots;

    internal ChurnModel(Featurizer featurizer, IReadOnlyList<IFittedLearner> learners, PlattCalibrator calibrator, IsotonicCalibrator? isotonic, ModelMetadata metadata)
    {
        Featurizer = featurizer;
        _learners = [.. learners];
        _weights = Weights(metadata.BlendWeights, _learners.Length);
        _calibrator = calibrator;
        _isotonic = isotonic;
        Metadata = metadata;
        Compiled = FastChurnScorer.TryCompile(_learners, _weights, calibrator, isotonic, featurizer);
    }

    /// <summary>Gets the metadata.</summary>
    public ModelMetadata Metadata { get; }

    /// <summary>Gets the encoding of the inputs.</summary>
    public Featurizer Featurizer { get; }

    /// <summary>Gets the fitted learners whose probabilities are averaged before calibration.</summary>
    public IReadOnlyList<IFittedLearner> Learners => _learners;

    /// <summary>Gets the compiled scorer, or <see langword="null"/> when a learner has no compiled form.</summary>
    internal FastChurnScorer? Compiled { get; }

    /// <summary>Loads a model file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="learners">The learners that may be in the file; <see cref="LearnerCatalog.Default"/> when null (add ML.NET's with the Churn.Modeling.MLNet package).</param>
    /// <returns>The model.</returns>
    /// <exception cref="ModelFileException">The file is missing, corrupt, truncated, of another format, or holds a learner the catalog does not know.</exception>
    public static ChurnModel Load(string path, LearnerCatalog? learners = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        learners ??= LearnerCatalog.Default;
        if (!File.Exists(path))
        {
            throw new ModelFileException($"The model file '{path}' does not exist.");
        }

        try
        {
            using var zip = new ZipArchive(new MemoryStream(ModelContainer.Read(path), writable: false), ZipArchiveMode.Read);
            var metadata = ReadMetadata(zip, path);
            if (metadata.Format != ModelMetadata.CurrentFormat)
            {
                throw new ModelFileException($"'{path}' is a model of format '{metadata.Format}'; this version of Churn.Modeling reads '{ModelMetadata.CurrentFormat}'. Retrain it with this version (churn model train).");
            }

            var featurizer = new Featurizer(metadata.Features);
            var width = featurizer.FeatureNames.Count;
            var fitted = new List<IFittedLearner>();
            for (var i = 0; i < metadata.Learners.Count; i++)
            {
                var name = metadata.Learners[i];
                var prefix = $"learner-{i}.";
                var entry = zip.Entries.FirstOrDefault(e => e.FullName.StartsWith(prefix, StringComparison.Ordinal))
                    ?? throw new ModelFileException($"'{path}' lacks its learner {i} ({name}): the file is incomplete.");
                var extension = entry.FullName[prefix.Length..];
                var learner = learners.FindForEntry(name, extension)
                    ?? throw new ModelFileException(
                        $"'{path}' holds a {name} learner ({entry.FullName}), which this catalog cannot read. "
                        + (extension == "zip"
                            ? "ML.NET learners live in the Churn.Modeling.MLNet package: reference it and load with ChurnModel.Load(path, LearnerCatalog.Default.WithMLNet()), or retrain with the default learners (churn model train)."
                            : "Register the package that provides it, or retrain (churn model train)."));
                using var copy = ModelContainer.ReadEntry(entry, path);
                fitted.Add(learner.Load(copy, width));
            }

            var isotonic = metadata.IsotonicX is null || metadata.IsotonicY is null ? null : new IsotonicCalibrator(metadata.IsotonicX, metadata.IsotonicY);
            return new ChurnModel(featurizer, fitted, new PlattCalibrator(metadata.CalibratorA, metadata.CalibratorB), isotonic, metadata);
        }
        catch (Exception ex) when (ex is InvalidDataException or JsonException or FormatException or InvalidOperationException or EndOfStreamException or ArgumentException or NotSupportedException or IOException or IndexOutOfRangeException or NullReferenceException or OverflowException or KeyNotFoundException)
        {
            throw new ModelFileException($"'{path}' is not a readable churn model (corrupt or truncated): {ex.Message}", ex);
        }
    }

    /// <summary>Saves the model, sealed: a header with the payload's length and SHA-256 before the zip of metadata and learners, so that <see cref="Load"/> refuses any change to the file. The file is written beside the target and moved into place, so an existing file is replaced whole or not at all.</summary>
    /// <param name="path">The file to write.</param>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        var temp = Path.Combine(Path.GetDirectoryName(full) ?? ".", $".{Path.GetFileName(full)}.{Path.GetRandomFileName()}.tmp");
        try
        {
            using var payload = new MemoryStream();
            using (var zip = new ZipArchive(payload, ZipArchiveMode.Create, leaveOpen: true))
            {
                using (var w = zip.CreateEntry("metadata.json").Open())
                {
                    JsonSerializer.Serialize(w, Metadata, ModelJsonContext.Default.ModelMetadata);
                }

                for (var i = 0; i < _learners.Length; i++)
                {
                    using var entry = zip.CreateEntry($"learner-{i}.{_learners[i].Learner.EntryExtension}").Open();
                    _learners[i].Save(entry);
                }
            }

            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                ModelContainer.Write(file, payload.GetBuffer().AsSpan(0, (int)payload.Length));
                file.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
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

        if (Compiled is not null)
        {
            var rows = Featurizer.Encode(table, MissingMode.Raw);
            var result = new double[table.Count];
            Compiled.ScoreBatch(rows, result);
            return result;
        }

        return ScoreReference(table);
    }

    /// <summary>Scores snapshots.</summary>
    /// <param name="snapshots">The snapshots (their features must include the model's).</param>
    /// <returns>Calibrated churn probabilities, in order.</returns>
    /// <exception cref="ModelFileException">The snapshots lack a feature the model needs.</exception>
    public double[] Score(IReadOnlyList<CustomerSnapshot> snapshots)
    {
        ArgumentNullException.ThrowIfNull(snapshots);
        return snapshots.Count == 0 ? [] : Score(ModelTable.FromSnapshots([.. snapshots.Select(s => (s, false))]));
    }

    /// <summary>Scores one customer.</summary>
    /// <param name="snapshot">The snapshot (its features must include the model's).</param>
    /// <returns>The calibrated churn probability.</returns>
    /// <exception cref="ModelFileException">The snapshot lacks a feature the model needs.</exception>
    public double Score(CustomerSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (Compiled is { CanScoreSnapshots: true } compiled)
        {
            try
            {
                return compiled.Score(snapshot);
            }
            catch (KeyNotFoundException ex)
            {
                throw new ModelFileException("The data does not match the model: " + ex.Message, ex);
            }
        }

        return Score([snapshot])[0];
    }

    /// <inheritdoc />
    public void Score(IReadOnlyList<CustomerSnapshot> snapshots, Span<double> probabilities)
    {
        ArgumentNullException.ThrowIfNull(snapshots);
        if (probabilities.Length != snapshots.Count)
        {
            throw new ArgumentException($"{probabilities.Length} places for {snapshots.Count} snapshots.", nameof(probabilities));
        }

        Score(snapshots).CopyTo(probabilities);
    }

    /// <summary>Scores row-major snapshot rows (for example a snapshot batch's values): every model input must be a feature of the schema.</summary>
    /// <param name="schema">The rows' features.</param>
    /// <param name="rows">The rows, <see cref="FeatureSchema.Count"/> values each (NaN for missing).</param>
    /// <param name="probabilities">Receives one calibrated probability per row.</param>
    /// <exception cref="ModelFileException">The model takes an input the schema lacks, or a categorical input.</exception>
    public void Score(FeatureSchema schema, ReadOnlySpan<double> rows, Span<double> probabilities)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var n = probabilities.Length;
        if (rows.Length != (long)n * schema.Count)
        {
            throw new ArgumentException($"{rows.Length} values do not make {n} rows of {schema.Count} features.", nameof(rows));
        }

        var slots = SlotsFor(schema);
        if (Compiled is not { } compiled)
        {
            Score(TableOf(schema, rows, n)).CopyTo(probabilities);
            return;
        }

        // A few rows (a live assessment scores one) are encoded on the stack.
        const int block = 4096;
        var size = Math.Min(n, block) * compiled.FeatureCount;
        Span<float> buffer = size <= 1024 ? stackalloc float[size] : new float[size];
        for (var from = 0; from < n; from += block)
        {
            var count = Math.Min(block, n - from);
            var target = buffer[..(count * compiled.FeatureCount)];
            EncodeRows(rows.Slice(from * schema.Count, count * schema.Count), schema.Count, slots, target);
            compiled.ScoreSerial(target, probabilities.Slice(from, count));
        }
    }

    /// <summary>The strongest reasons behind the scores of row-major snapshot rows, as <see cref="Explain(ModelTable, int)"/> gives them for tables.</summary>
    /// <param name="schema">The rows' features.</param>
    /// <param name="rows">The rows, <see cref="FeatureSchema.Count"/> values each.</param>
    /// <param name="top">How many reasons per row.</param>
    /// <returns>Per row, its reasons, strongest first.</returns>
    /// <exception cref="ModelFileException">The model takes an input the schema lacks, or a categorical input.</exception>
    public IReadOnlyList<IReadOnlyList<RiskReason>> Explain(FeatureSchema schema, ReadOnlyMemory<double> rows, int top)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentOutOfRangeException.ThrowIfNegative(top);
        var n = schema.Count == 0 ? 0 : rows.Length / schema.Count;
        if (rows.Length != (long)n * schema.Count)
        {
            throw new ArgumentException($"{rows.Length} values do not make rows of {schema.Count} features.", nameof(rows));
        }

        var slots = SlotsFor(schema);
        if (Compiled is not { } compiled)
        {
            return Explain(TableOf(schema, rows.Span, n), top).Reasons;
        }

        var array = System.Runtime.InteropServices.MemoryMarshal.TryGetArray(rows, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : rows.ToArray();
        return ReasonExplainer.Explain(this, compiled, schema, slots, array, n, top, parallel: false);
    }

    /// <summary>Checks that snapshots of a schema can be scored: every model input is a numeric feature of it.</summary>
    /// <param name="schema">The snapshots' features.</param>
    /// <exception cref="ModelFileException">The model takes an input the schema lacks, or a categorical input; the message names them.</exception>
    public void CheckSchema(FeatureSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        _ = SlotsFor(schema);
    }

    /// <summary>Where each model input sits in a schema.</summary>
    internal int[] SlotsFor(FeatureSchema schema)
    {
        // The last schema's slots are kept: a live monitor scores one row at a time against one schema.
        if (_slots is { } known && ReferenceEquals(known.Schema, schema))
        {
            return known.Slots;
        }

        var slots = Slots(schema);
        _slots = new SchemaSlots(schema, slots);
        return slots;
    }

    private int[] Slots(FeatureSchema schema)
    {
        var slots = new int[Featurizer.Specs.Count];
        var problems = new List<string>();
        for (var i = 0; i < slots.Length; i++)
        {
            var spec = Featurizer.Specs[i];
            slots[i] = schema.IndexOf(spec.Name);
            if (spec.Kind != ModelColumnKind.Numeric)
            {
                problems.Add($"the model takes the text column '{spec.Name}', which snapshots do not carry");
            }
            else if (slots[i] < 0)
            {
                problems.Add($"feature '{spec.Name}' is missing (the model was trained with it)");
            }
        }

        return problems.Count == 0 ? slots : throw new ModelFileException("The data does not match the model: " + string.Join("; ", problems) + ". Train the model on the same features (churn dataset build) to score snapshots.");
    }

    /// <summary>Encodes snapshot rows for a numeric model: input i is the row's value at slot i (missing stays NaN).</summary>
    internal static void EncodeRows(ReadOnlySpan<double> rows, int stride, int[] slots, Span<float> target)
    {
        var width = slots.Length;
        var n = stride == 0 ? 0 : rows.Length / stride;
        for (var r = 0; r < n; r++)
        {
            var row = rows.Slice(r * stride, stride);
            var into = target.Slice(r * width, width);
            for (var i = 0; i < width; i++)
            {
                into[i] = (float)row[slots[i]];
            }
        }
    }

    /// <summary>Where each model input sits in a schema's rows.</summary>
    private sealed record SchemaSlots(FeatureSchema Schema, int[] Slots);

    private static ModelTable TableOf(FeatureSchema schema, ReadOnlySpan<double> rows, int n)
    {
        var columns = new List<ModelColumn>(schema.Count);
        for (var f = 0; f < schema.Count; f++)
        {
            var values = new double[n];
            for (var r = 0; r < n; r++)
            {
                values[r] = rows[(r * schema.Count) + f];
            }

            columns.Add(new ModelColumn(schema.Features[f].Name, ModelColumnKind.Numeric, values, null) { Definition = schema.Features[f] });
        }

        return new ModelTable(columns);
    }

    /// <summary>
    /// The reasons behind each score: for every input column, the change in the customer's
    /// probability when that column alone takes a typical value (the training mean for numbers,
    /// the most common level for categories). Positive contributions push the risk up.
    /// </summary>
    /// <param name="table">The data.</param>
    /// <param name="top">How many reasons per row, strongest first.</param>
    /// <returns>Per row, the strongest reasons; and each column's global importance (mean absolute contribution).</returns>
    public ModelExplanation Explain(ModelTable table, int top = 3) => ReasonExplainer.Explain(this, table, top);

    /// <inheritdoc />
    public IReadOnlyList<IReadOnlyList<RiskReason>> Explain(IReadOnlyList<CustomerSnapshot> snapshots, int top)
    {
        ArgumentNullException.ThrowIfNull(snapshots);
        return snapshots.Count == 0 ? [] : Explain(ModelTable.FromSnapshots([.. snapshots.Select(s => (s, false))]), top).Reasons;
    }

    /// <summary>
    /// The drift of new data against the training data: the population stability index of the model's probability and
    /// of every feature, from the training profile the model file keeps (PSI below 0.1 stable, 0.1–0.25 moderate, above
    /// 0.25 major). The verdict is on the probability: a feature may move without moving the decisions.
    /// </summary>
    /// <param name="data">The new data, with the model's feature columns.</param>
    /// <param name="threshold">The PSI of the probability at which the data counts as drifted (default 0.25).</param>
    /// <returns>The drift.</returns>
    /// <exception cref="ModelFileException">The model file keeps no training profile (written before this version): retrain it.</exception>
    /// <exception cref="ArgumentException">The data lacks a feature the model was trained on, or has no row.</exception>
    public ModelDrift Drift(ModelTable data, double threshold = 0.25)
    {
        ArgumentNullException.ThrowIfNull(data);
        var profile = Metadata.TrainingProfile ?? throw new ModelFileException("This model file keeps no training profile (it was written before drift checks): retrain it with this version to check drift.");
        if (data.Count == 0)
        {
            throw new ArgumentException("The data has no row.", nameof(data));
        }

        var features = new List<FeatureDrift>();
        foreach (var bins in profile.Features)
        {
            var column = data.Columns.FirstOrDefault(c => c.Name == bins.Name) ?? throw new ArgumentException($"The data has no column '{bins.Name}', which the model was trained on.", nameof(data));
            var psi = bins.Levels.Count == 0 && column.Numbers is { } numbers ? PopulationStability.Compute(bins, numbers)
                : bins.Edges.Count == 0 && column.Categories is { } categories ? PopulationStability.Compute(bins, categories)
                : throw new ArgumentException($"Column '{bins.Name}' is {(column.Numbers is null ? "text" : "numbers")} in the data but was {(bins.Levels.Count == 0 ? "numbers" : "text")} in training.", nameof(data));
            features.Add(new FeatureDrift(bins.Name, psi, psi < 0.1 ? "stable" : psi < 0.25 ? "moderate shift" : "major shift"));
        }

        var overall = profile.Score is { } score ? PopulationStability.Compute(score, Score(data)) : double.NaN;
        return new ModelDrift(overall, threshold, overall >= threshold, [.. features.OrderByDescending(f => f.Psi).ThenBy(f => f.Feature, StringComparer.Ordinal)], data.Count);
    }

    /// <summary>Scores through each learner's own probabilities: the reference the compiled scorer is tested against.</summary>
    internal double[] ScoreReference(ModelTable table)
    {
        var raw = Blend(Featurizer, _learners, _weights, table);
        for (var i = 0; i < raw.Length; i++)
        {
            raw[i] = _calibrator.Apply(raw[i]);
            raw[i] = _isotonic?.Apply(raw[i]) ?? raw[i];
        }

        return raw;
    }

    /// <summary>The weighted average of the learners' probabilities (equal weights when <paramref name="weights"/> is null), before calibration.</summary>
    internal static double[] Blend(Featurizer featurizer, IReadOnlyList<IFittedLearner> learners, IReadOnlyList<double>? weights, ModelTable table)
    {
        var w = Weights(weights, learners.Count);
        var result = new double[table.Count];
        var width = featurizer.FeatureNames.Count;
        for (var l = 0; l < learners.Count; l++)
        {
            var features = featurizer.Transform(table, learners[l].Learner.Missing == MissingValueEncoding.Mean);
            var p = learners[l].Probabilities(features, width);
            for (var i = 0; i < result.Length; i++)
            {
                result[i] += w[l] * p[i];
            }
        }

        return result;
    }

    /// <summary>The blend's weights, summing to 1: as stored, or equal when none are.</summary>
    /// <exception cref="ModelFileException">The stored weights do not match the learners, or are not positive and finite.</exception>
    private static double[] Weights(IReadOnlyList<double>? stored, int learners)
    {
        if (stored is null)
        {
            return [.. Enumerable.Repeat(1.0 / Math.Max(1, learners), learners)];
        }

        var total = stored.Sum();
        return stored.Count != learners || !stored.All(w => w > 0 && double.IsFinite(w)) || !double.IsFinite(total)
            ? throw new ModelFileException($"The model's blend has {stored.Count} weights for {learners} learners, or a weight that is not positive and finite: the file is damaged.")
            : [.. stored.Select(w => w / total)];
    }

    private static ModelMetadata ReadMetadata(ZipArchive zip, string path)
    {
        var entry = zip.GetEntry("metadata.json") ?? throw new ModelFileException($"'{path}' has no metadata.json: it is not a churn model file.");
        using var stream = ModelContainer.ReadEntry(entry, path);
        var metadata = JsonSerializer.Deserialize(stream, ModelJsonContext.Default.ModelMetadata) ?? throw new ModelFileException($"'{path}' has an empty metadata.json.");
        return metadata.Learners is null || metadata.Features is null
            ? throw new ModelFileException($"'{path}' has metadata without learners or features: the file is damaged.")
            : metadata;
    }
}

/// <summary>The scores of a table and the reasons behind them.</summary>
/// <param name="Reasons">Per row, the strongest reasons, strongest first.</param>
/// <param name="Importance">Each input column's mean absolute contribution, largest first.</param>
public sealed record ModelExplanation(IReadOnlyList<IReadOnlyList<RiskReason>> Reasons, IReadOnlyList<(string Feature, double Importance)> Importance)
{
    /// <summary>Gets each row's calibrated probability, equal to <see cref="ChurnModel.Score(ModelTable)"/>'s.</summary>
    public IReadOnlyList<double> Probabilities { get; init; } = [];
}

/// <summary>Source-generated serialisation of model metadata: no reflection, so models load in trimmed and AOT-compiled hosts and in file-based apps.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals, AllowDuplicateProperties = false)]
[JsonSerializable(typeof(ModelMetadata))]
internal sealed partial class ModelJsonContext : JsonSerializerContext
{
}
