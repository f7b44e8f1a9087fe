using System.ComponentModel.DataAnnotations;
using Churn.Shared;
using Microsoft.Extensions.Options;

namespace Churn.Modeling;

/// <summary>Options of the <see cref="ChurnModelTrainer"/>.</summary>
public sealed class ChurnModelTrainerOptions
{
    private static readonly TreeSettings DefaultTrees = new(200, 8, 0.05, 20);
    private TreeSettings? _trees;

    /// <summary>The learners of the default blend.</summary>
    public static readonly IReadOnlyList<string> DefaultLearners = ["hgb", "logistic"];

    /// <summary>Gets a value indicating whether <see cref="Adaptive"/> applies: on, no fixed <see cref="Trees"/> and no <see cref="Search"/>.</summary>
    internal bool Adapts => Adaptive && _trees is null && !Search;

    /// <summary>Gets or sets the learners whose probabilities are averaged, by name or alias in the trainer's <see cref="LearnerCatalog"/> (<c>hgb</c>, <c>logistic</c>; <c>fasttree</c> and <c>lightgbm</c> with Churn.Modeling.MLNet).</summary>
    /// <value>The default is <c>hgb</c> and <c>logistic</c>: gradient-boosted trees find interactions and thresholds, the linear model is strong where the signal is smooth; with <see cref="Adaptive"/> on, their weights in the blend are chosen on held-out rows (a weak one gets none), otherwise their probabilities are averaged.</value>
    public IList<string> Learners { get; set; } = [.. DefaultLearners];

    /// <summary>Gets or sets the number of cross-validation folds.</summary>
    /// <value>The default is 5.</value>
    [Range(2, 50)]
    public int Folds { get; set; } = 5;

    /// <summary>Gets or sets the seed of every random choice (fold assignment, learners).</summary>
    /// <value>The default is 42.</value>
    public int Seed { get; set; } = 42;

    /// <summary>Gets or sets fixed tree settings. Setting them turns <see cref="Adaptive"/> off.</summary>
    /// <value>The default is 200 trees of 8 leaves, learning rate 0.05, at least 20 rows per leaf, used only when <see cref="Adaptive"/> is off.</value>
    public TreeSettings Trees
    {
        get => _trees ?? DefaultTrees;
        set => _trees = value;
    }

    /// <summary>
    /// Gets or sets a value indicating whether the trainer fits its capacity, its regularisation, its blend and its
    /// calibration to the data, inside every cross-validation fold (so the estimate stays honest): the training rows are
    /// split in fifths (stratified, seeded); in three rounds one fifth is held out while, on the other four, the
    /// histogram booster is grown at four capacities — 8 or 32 leaves, each either regularised (L2 1 on leaf values, at
    /// least 20 rows per leaf) or light (L2 0, at least 10 rows) — at learning rate 0.1, up to 1,000 trees, stopping 50
    /// trees after the held-out log-loss last improved, and the other learners are fitted; the capacity and number of
    /// trees with the least held-out log-loss summed over the rounds is kept, its trees scaled by 5/4 (the final fit sees
    /// all the rows); with two learners, the blend weight (0, ¼, ½, ¾ or 1) with the best ROC-AUC on the held-out rows
    /// is kept, and a learner of weight 0 is left out of the model. The Platt calibration is then fitted on the chosen
    /// model's held-out scores, so each model is calibrated by models of its own capacity. Applies when
    /// <see cref="Trees"/> is not set and <see cref="Search"/> is off; tables with more than 100,000 rows choose on a
    /// stratified sample of 100,000.
    /// </summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool Adaptive { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether the tree settings are chosen by a small seeded search: each candidate in <see cref="SearchCandidates"/> is fitted on 80 % of the training rows (stratified) and the one with the best ROC-AUC on the other 20 % is used. The search runs inside every cross-validation fold, so the estimate stays honest.</summary>
    /// <value>The default is <see langword="false"/> (the fixed <see cref="Trees"/> settings).</value>
    public bool Search { get; set; }

    /// <summary>Gets or sets the tree settings the search tries.</summary>
    /// <value>The default is four settings from small and slow to larger and faster.</value>
    public IList<TreeSettings> SearchCandidates { get; set; } =
    [
        new(200, 8, 0.05, 20),
        new(300, 4, 0.05, 20),
        new(150, 16, 0.05, 50),
        new(400, 8, 0.02, 20),
    ];

    /// <summary>Gets or sets how many threads the learners may use; 0 for all cores. The default learners give the same model for every thread count; ML.NET's FastTree and LightGBM may differ slightly between counts: set 1 when that matters.</summary>
    /// <value>The default is 0 (all cores).</value>
    [Range(0, 1024)]
    public int Threads { get; set; }

    /// <summary>Gets or sets a value indicating whether each class is weighted inversely to its frequency while the learners fit (churners and non-churners then weigh the same in total), so that rare churners shape the trees as much as the majority. The calibration is fitted on unweighted out-of-fold scores, so probabilities keep their meaning.</summary>
    /// <value>The default is <see langword="false"/> (every row weighs 1).</value>
    public bool BalanceClasses { get; set; }

    /// <summary>Gets or sets how scores become probabilities.</summary>
    /// <value>The default is <see cref="CalibrationMethod.Platt"/>.</value>
    public CalibrationMethod Calibration { get; set; }

    /// <summary>Gets or sets the profit parameters of EMPC / MPC.</summary>
    /// <value>The default is Verbraken's: CLV 200, incentive 10, contact 1, acceptance Beta(6, 14).</value>
    public ProfitParameters Profit { get; set; } = new();
}

/// <summary>Validates the <see cref="Range"/> attributes of <see cref="ChurnModelTrainerOptions"/>.</summary>
[OptionsValidator]
internal sealed partial class ChurnModelTrainerOptionsValidator : IValidateOptions<ChurnModelTrainerOptions>
{
}

/// <summary>The rules of <see cref="ChurnModelTrainerOptions"/> that span members or nested values.</summary>
internal sealed class ChurnModelTrainerOptionsRules : IValidateOptions<ChurnModelTrainerOptions>
{
    public ValidateOptionsResult Validate(string? name, ChurnModelTrainerOptions options)
    {
        var b = new ValidateOptionsResultBuilder();
        if (options.Learners is null || options.Learners.Count == 0 || options.Learners.Any(string.IsNullOrWhiteSpace))
        {
            b.AddError("at least one learner is needed, each named", nameof(options.Learners));
        }

        if (!Valid(options.Trees))
        {
            b.AddError($"{options.Trees} is out of range (trees 1..100000, leaves 2..1024, learning rate in (0, 1], at least 1 row per leaf, L2 0 or more)", nameof(options.Trees));
        }

        if (options.Search && (options.SearchCandidates is null || options.SearchCandidates.Count == 0 || !options.SearchCandidates.All(Valid)))
        {
            b.AddError("the search needs at least one candidate, each in range", nameof(options.SearchCandidates));
        }

        var p = options.Profit;
        if (p is null || !(p.Clv > 0) || !(p.IncentiveCost >= 0) || !(p.ContactCost >= 0) || !(p.Alpha > 0) || !(p.Beta > 0) || !double.IsFinite(p.Clv + p.IncentiveCost + p.ContactCost + p.Alpha + p.Beta))
        {
            b.AddError("CLV and the acceptance Beta(alpha, beta) must be positive and finite, the costs non-negative", nameof(options.Profit));
        }

        return b.Build();
    }

    private static bool Valid(TreeSettings? t) =>
        t is not null && t.Trees is >= 1 and <= 100_000 && t.Leaves is >= 2 and <= 1024 && t.LearningRate is > 0 and <= 1 && t.MinLeafCount >= 1 && t.L2 >= 0 && double.IsFinite(t.L2);
}

/// <summary>Out-of-fold predictions and the metrics computed on them.</summary>
/// <param name="Probabilities">Each row's calibrated probability from the model that did not see it.</param>
/// <param name="Metrics">The metrics of those probabilities.</param>
/// <param name="Folds">The number of folds.</param>
public sealed record CrossValidationResult(double[] Probabilities, ClassificationMetrics Metrics, int Folds)
{
    /// <summary>Gets the uncalibrated out-of-fold scores, from which the final model's calibration is fitted.</summary>
    internal double[] RawScores { get; init; } = [];

    /// <summary>Gets the fold (0-based) each row was held out in, for the spread of the metrics between folds.</summary>
    public IReadOnlyList<int> FoldOf { get; init; } = [];
}

/// <summary>A trained model and how well it validated.</summary>
/// <param name="Model">The model trained on all rows.</param>
/// <param name="CrossValidation">The cross-validated estimate of its quality.</param>
public sealed record TrainingResult(ChurnModel Model, CrossValidationResult CrossValidation);

/// <summary>
/// Trains churn models: encodes the table (<see cref="Featurizer"/>), fits the learners, calibrates
/// the average of their probabilities with Platt scaling (and optionally isotonic regression) on
/// out-of-fold predictions, and estimates quality by stratified k-fold cross-validation in which
/// the encoding, the learners and the calibration are all refitted without the held-out fold.
/// Seeded and deterministic.
/// </summary>
/// <remarks>Thread-safe: a trainer holds only its options and learners.</remarks>
public sealed class ChurnModelTrainer
{
    private const int AdaptiveFolds = 5;
    private const int AdaptiveRounds = 3;
    private const int AdaptiveMaxTrees = 1000;
    private const int AdaptivePatience = 50;
    private const double AdaptiveLearningRate = 0.1;
    private const int AdaptiveSampleRows = 100_000;

    /// <summary>The booster's capacities the adaptation tries: leaves per tree, L2 shrinkage of leaf values, least rows per leaf (from strongly to lightly regularised).</summary>
    private static readonly (int Leaves, double L2, int MinLeaf)[] AdaptiveCandidates = [(8, 1, 20), (32, 1, 20), (8, 0, 10), (32, 0, 10)];

    private readonly ChurnModelTrainerOptions _options;
    private readonly TimeProvider _time;
    private readonly IChurnLearner[] _learners;

    /// <summary>Initializes a new instance of the <see cref="ChurnModelTrainer"/> class.</summary>
    /// <param name="options">Learners, folds and seed; defaults when null.</param>
    /// <param name="time">The clock that stamps model files; the system clock when null.</param>
    /// <param name="catalog">Where learner names are looked up; <see cref="LearnerCatalog.Default"/> when null.</param>
    /// <exception cref="ArgumentException">The options are invalid, or name a learner the catalog lacks.</exception>
    public ChurnModelTrainer(ChurnModelTrainerOptions? options = null, TimeProvider? time = null, LearnerCatalog? catalog = null)
    {
        _options = OptionsCheck.ThrowIfInvalid(options ?? new ChurnModelTrainerOptions(), new ChurnModelTrainerOptionsValidator(), new ChurnModelTrainerOptionsRules());
        _time = time ?? TimeProvider.System;
        catalog ??= LearnerCatalog.Default;
        _learners = [.. _options.Learners.Select(catalog.Find)];
    }

    /// <summary>Gets the learners blended, in order.</summary>
    public IReadOnlyList<IChurnLearner> Learners => _learners;

    /// <summary>Cross-validates, then trains on all rows.</summary>
    /// <param name="table">Labelled training data.</param>
    /// <param name="cancellationToken">Cancels between folds and learners.</param>
    /// <returns>The model and its cross-validated metrics.</returns>
    /// <exception cref="ArgumentException">The table has no labels, or fewer churners or non-churners than folds.</exception>
    public TrainingResult Train(ModelTable table, CancellationToken cancellationToken = default)
    {
        CheckNumbers(table);
        var cv = CrossValidate(table, cancellationToken);
        var model = Fit(table, cv, cancellationToken);
        return new TrainingResult(model, cv);
    }

    /// <summary>Stratified k-fold cross-validation.</summary>
    /// <param name="table">Labelled data.</param>
    /// <param name="cancellationToken">Cancels between folds.</param>
    /// <returns>Out-of-fold calibrated probabilities and their metrics.</returns>
    /// <exception cref="ArgumentException">The table has no labels, or a class has fewer rows than folds.</exception>
    public CrossValidationResult CrossValidate(ModelTable table, CancellationToken cancellationToken = default)
    {
        CheckNumbers(table);
        var labels = Labels(table);
        var folds = AssignFolds(labels, _options.Folds, _options.Seed);
        var raw = new double[table.Count];
        var own = new HeldOut?[_options.Folds];
        for (var k = 0; k < _options.Folds; k++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var train = Enumerable.Range(0, table.Count).Where(i => folds[i] != k).ToArray();
            var test = Enumerable.Range(0, table.Count).Where(i => folds[i] == k).ToArray();
            var (featurizer, learners, weights, heldOut) = FitLearners(table.Subset(train), _options.Seed + k, cancellationToken);
            own[k] = heldOut;
            var scores = ChurnModel.Blend(featurizer, learners, weights, table.Subset(test));
            for (var i = 0; i < test.Length; i++)
            {
                raw[test[i]] = scores[i];
            }
        }

        // Each fold is calibrated on scores of rows it was not fitted on: its own adaptation's held-out rows when it
        // adapted (models of its own capacity), else the other folds' held-out scores (cross-fitted).
        var calibrated = new double[table.Count];
        for (var k = 0; k < _options.Folds; k++)
        {
            var others = Enumerable.Range(0, table.Count).Where(i => folds[i] != k).ToArray();
            var (platt, isotonic) = own[k] is { } h
                ? FitCalibration(h.Scores, h.Labels)
                : FitCalibration([.. others.Select(i => raw[i])], [.. others.Select(i => labels[i])]);
            for (var i = 0; i < table.Count; i++)
            {
                if (folds[i] == k)
                {
                    calibrated[i] = platt.Apply(raw[i]);
                    calibrated[i] = isotonic?.Apply(calibrated[i]) ?? calibrated[i];
                }
            }
        }

        return new CrossValidationResult(calibrated, MetricsCalculator.Compute(calibrated, labels, _options.Profit), _options.Folds) { RawScores = raw, FoldOf = folds };
    }

    /// <summary>Validates by time: trains on rows before <paramref name="cutoff"/> and measures on rows at or after it, as the model will be used.</summary>
    /// <param name="table">Labelled data with <see cref="ModelTable.AsOf"/>.</param>
    /// <param name="cutoff">The first instant of the validation period.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The metrics on the later rows.</returns>
    /// <exception cref="ArgumentException">The table has no instants, or one side of the cut is empty.</exception>
    public ClassificationMetrics ValidateByTime(ModelTable table, DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (table.AsOf is null)
        {
            throw new ArgumentException("Time-based validation needs each row's as-of instant.", nameof(table));
        }

        var train = Enumerable.Range(0, table.Count).Where(i => table.AsOf[i] < cutoff).ToArray();
        var test = Enumerable.Range(0, table.Count).Where(i => table.AsOf[i] >= cutoff).ToArray();
        if (train.Length == 0 || test.Length == 0)
        {
            throw new ArgumentException($"Every row falls on one side of {cutoff:yyyy-MM-dd}; pick a cut-off inside the data.", nameof(cutoff));
        }

        var trainTable = table.Subset(train);
        var model = Fit(trainTable, CrossValidate(trainTable, cancellationToken), cancellationToken);
        var testTable = table.Subset(test);
        return MetricsCalculator.Compute(model.Score(testTable), [.. testTable.Labels!], _options.Profit);
    }

    /// <summary>Refuses numbers a learner cannot hold (non-finite, or beyond single precision), naming the column and row.</summary>
    private static void CheckNumbers(ModelTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        foreach (var column in table.Columns)
        {
            if (column.Numbers is not { } numbers)
            {
                continue;
            }

            for (var i = 0; i < numbers.Length; i++)
            {
                var x = numbers[i];
                if (double.IsInfinity(x) || Math.Abs(x) > float.MaxValue)
                {
                    throw new ArgumentException(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Column '{column.Name}', row {i + 1}{(table.Ids is { } ids ? $" ('{ids[i]}')" : string.Empty)}: {x:G4} is beyond ±3.4e38, the largest number a model can hold."), nameof(table));
                }
            }
        }
    }

    private static bool[] Labels(ModelTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        return table.Labels is null ? throw new ArgumentException("The table has no labels to learn from.", nameof(table)) : [.. table.Labels];
    }

    private static int[] AssignFolds(bool[] labels, int folds, int seed)
    {
        var positives = labels.Count(l => l);
        if (positives < folds || labels.Length - positives < folds)
        {
            throw new ArgumentException($"{positives} churners and {labels.Length - positives} non-churners: each class needs at least as many rows as folds ({folds}).", nameof(labels));
        }

        var order = SeededOrder(labels.Length, seed);
        var assignment = new int[labels.Length];
        int p = 0, n = 0;
        foreach (var i in order)
        {
            assignment[i] = labels[i] ? p++ % folds : n++ % folds;
        }

        return assignment;
    }

    private ChurnModel Fit(ModelTable table, CrossValidationResult cv, CancellationToken cancellationToken)
    {
        var labels = Labels(table);
        var (featurizer, learners, weights, heldOut) = FitLearners(table, _options.Seed, cancellationToken);

        // Calibrate the final blend as each fold was: on its adaptation's held-out scores (models of its own
        // capacity and blend), else on the out-of-fold raw scores (models that had not seen those rows).
        var (platt, isotonic) = heldOut is { } h ? FitCalibration(h.Scores, h.Labels) : FitCalibration(cv.RawScores, labels);
        var metadata = new ModelMetadata
        {
            Trainer = TrainerName(),
            Learners = [.. learners.Select(l => l.Learner.Name)],
            Features = featurizer.Specs,
            TrainingRows = table.Count,
            ChurnRate = labels.Count(l => l) / (double)labels.Length,
            TrainedAt = _time.GetUtcNow(),
            TrainingWindowStart = table.AsOf?.Min(),
            TrainingWindowEnd = table.AsOf?.Max(),
            Seed = _options.Seed,
            CrossValidation = ModelMetrics.From(cv.Metrics, _options.Folds),
            CalibratorA = platt.A,
            CalibratorB = platt.B,
            TreeSettings = learners.Select(l => l.Settings).FirstOrDefault(t => t is not null),
            BlendWeights = weights,
            BalancedClasses = _options.BalanceClasses,
            ProfitCutoff = ProfitCutoff(cv.Probabilities, cv.Metrics.Profit.EmpcFraction),
            IsotonicX = isotonic is null ? null : [.. isotonic.X],
            IsotonicY = isotonic is null ? null : [.. isotonic.Y],
            TrainingProfile = PopulationStability.Profile(table, cv.Probabilities),
        };
        return new ChurnModel(featurizer, learners, platt, isotonic, metadata);
    }

    /// <summary>Platt scaling, then (when chosen) isotonic regression on the Platt-scaled scores.</summary>
    private (PlattCalibrator Platt, IsotonicCalibrator? Isotonic) FitCalibration(double[] raw, bool[] labels)
    {
        var platt = PlattCalibrator.Fit(raw, labels);
        if (_options.Calibration != CalibrationMethod.Isotonic)
        {
            return (platt, null);
        }

        var scaled = new double[raw.Length];
        for (var i = 0; i < raw.Length; i++)
        {
            scaled[i] = platt.Apply(raw[i]);
        }

        return (platt, IsotonicCalibrator.Fit(scaled, labels));
    }

    /// <summary>The probability at or above which the EMPC-optimal fraction of customers lies (1 when targeting nobody is best).</summary>
    internal static double ProfitCutoff(double[] probabilities, double fraction)
    {
        if (probabilities.Length == 0 || !(fraction > 0))
        {
            return 1;
        }

        var sorted = probabilities.OrderByDescending(p => p).ToArray();
        var k = Math.Clamp((int)Math.Ceiling(fraction * sorted.Length) - 1, 0, sorted.Length - 1);
        return Math.Clamp(sorted[k], 0, 1);
    }

    /// <summary>"Auto" for the default blend, else the learners' names joined with "+".</summary>
    private string TrainerName() =>
        _options.Learners.Select(l => l.ToLowerInvariant()).SequenceEqual(ChurnModelTrainerOptions.DefaultLearners) ? "Auto" : string.Join("+", _learners.Select(l => l.Name));

    /// <summary>Per-row weights that give each class the same total (n / 2), or null when a class is empty.</summary>
    internal static float[]? BalancedWeights(IReadOnlyList<bool> labels)
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

    /// <summary>Chooses tree settings for the first tree learner on a seeded, stratified 80/20 split of the training rows.</summary>
    private TreeSettings SearchTrees(IChurnLearner learner, ModelTable table, int seed, CancellationToken cancellationToken)
    {
        var labels = table.Labels!.ToArray();
        var folds = AssignFolds(labels, 5, seed + 7919);
        var fit = Enumerable.Range(0, table.Count).Where(i => folds[i] != 0).ToArray();
        var check = Enumerable.Range(0, table.Count).Where(i => folds[i] == 0).ToArray();
        var fitTable = table.Subset(fit);
        var checkTable = table.Subset(check);
        var featurizer = Featurizer.Fit(fitTable);
        var width = featurizer.FeatureNames.Count;
        var mean = learner.Missing == MissingValueEncoding.Mean;
        var data = new LearnerData(featurizer.Transform(fitTable, mean), width, fitTable.Labels!, null);
        var checkFeatures = featurizer.Transform(checkTable, mean);
        var best = _options.Trees;
        var bestAuc = double.NegativeInfinity;
        foreach (var candidate in _options.SearchCandidates)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var fitted = learner.Fit(data, new LearnerSettings(candidate, seed, _options.Threads), cancellationToken);
            var auc = MetricsCalculator.Auc(fitted.Probabilities(checkFeatures, width), [.. checkTable.Labels!]);
            if (auc > bestAuc)
            {
                (best, bestAuc) = (candidate, auc);
            }
        }

        return best;
    }

    private (Featurizer Featurizer, IReadOnlyList<IFittedLearner> Learners, double[]? Weights, HeldOut? HeldOut) FitLearners(ModelTable table, int seed, CancellationToken cancellationToken)
    {
        var labels = table.Labels!;
        var weights = _options.BalanceClasses ? BalancedWeights(labels) : null;
        var treeLearner = _learners.FirstOrDefault(l => l.UsesTreeSettings);
        var (trees, blend, heldOut) = _options.Adapts
            ? Adapt(table, seed, cancellationToken)
            : (_options.Search && treeLearner is not null ? SearchTrees(treeLearner, table, seed, cancellationToken) : _options.Trees, null, null);
        var featurizer = Featurizer.Fit(table);
        var width = featurizer.FeatureNames.Count;
        var fitted = new List<IFittedLearner>();
        var kept = new List<double>();
        float[]? below = null, mean = null;
        for (var l = 0; l < _learners.Length; l++)
        {
            // A learner the blend gives no weight is left out of the model.
            if (blend is not null && blend[l] <= 0)
            {
                continue;
            }

            cancellationToken.ThrowIfCancellationRequested();
            var learner = _learners[l];
            var rows = learner.Missing == MissingValueEncoding.Mean
                ? mean ??= featurizer.Transform(table, imputeMissing: true)
                : below ??= featurizer.Transform(table, imputeMissing: false);
            fitted.Add(learner.Fit(new LearnerData(rows, width, labels, weights), new LearnerSettings(trees, seed, _options.Threads), cancellationToken));
            kept.Add(blend?[l] ?? 1);
        }

        // Equal weights need no record (and keep models trained without adaptation unchanged).
        return (featurizer, fitted, kept.Distinct().Count() > 1 ? [.. kept] : null, heldOut);
    }

    /// <summary>The capacity and blend that rows held out of the training rows favour (see <see cref="ChurnModelTrainerOptions.Adaptive"/>).</summary>
    /// <returns>The tree settings to fit with, each learner's blend weight (null: equal), and the chosen model's scores of the rows held out in the rounds (null when nothing was chosen).</returns>
    private (TreeSettings Trees, double[]? Blend, HeldOut? HeldOut) Adapt(ModelTable table, int seed, CancellationToken cancellationToken)
    {
        var all = Labels(table);
        int[] rows = all.Length <= AdaptiveSampleRows ? [.. Enumerable.Range(0, all.Length)] : StratifiedSample(all, AdaptiveSampleRows, seed + 104729);
        bool[] labels = [.. rows.Select(i => all[i])];
        var positives = labels.Count(l => l);
        if (positives < AdaptiveFolds || labels.Length - positives < AdaptiveFolds)
        {
            return (_options.Trees, null, null);
        }

        // Nothing to choose without the booster's capacity or a blend of two.
        var booster = Array.FindIndex(_learners, l => l is HistGradientBoostingLearner);
        if (booster < 0 && _learners.Length != 2)
        {
            return (_options.Trees, null, null);
        }

        var sample = table.Subset(rows);
        var inner = AssignFolds(labels, AdaptiveFolds, seed + 7919);
        var leafCandidates = booster >= 0 ? AdaptiveCandidates : [];
        var loss = leafCandidates.Select(_ => new double[AdaptiveMaxTrees]).ToArray();
        var forests = new BoostedTrees[AdaptiveRounds, leafCandidates.Length];
        var held = new double[_learners.Length][];
        for (var l = 0; l < held.Length; l++)
        {
            held[l] = new double[labels.Length];
        }

        // Each round's rows, encoded as each learner wants them.
        var rounds = new Round[AdaptiveRounds];
        double fitShare = 0;
        for (var f = 0; f < AdaptiveRounds; f++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int[] fit = [.. Enumerable.Range(0, labels.Length).Where(i => inner[i] != f)];
            int[] check = [.. Enumerable.Range(0, labels.Length).Where(i => inner[i] == f)];
            fitShare += fit.Length / (double)labels.Length / AdaptiveRounds;
            var fitTable = sample.Subset(fit);
            var checkTable = sample.Subset(check);
            var featurizer = Featurizer.Fit(fitTable);
            bool[] checkLabels = [.. check.Select(i => labels[i])];
            var needsMean = _learners.Any(l => l.Missing == MissingValueEncoding.Mean);
            var needsBelow = _learners.Any(l => l.Missing != MissingValueEncoding.Mean);
            rounds[f] = new Round(
                check,
                featurizer.FeatureNames.Count,
                fitTable.Labels!,
                checkLabels,
                _options.BalanceClasses ? BalancedWeights(fitTable.Labels!) : null,
                _options.BalanceClasses ? BalancedWeights(checkLabels) : null,
                needsBelow ? featurizer.Transform(fitTable, false) : null,
                needsMean ? featurizer.Transform(fitTable, true) : null,
                needsBelow ? featurizer.Transform(checkTable, false) : null,
                needsMean ? featurizer.Transform(checkTable, true) : null);
        }

        // Every round's fits are independent: run side by side, one thread each, summed in a fixed order afterwards
        // (the same choice for any thread count).
        var jobs = new List<(int Round, int Learner, int Candidate)>();
        for (var f = 0; f < AdaptiveRounds; f++)
        {
            for (var l = 0; l < _learners.Length; l++)
            {
                if (l == booster)
                {
                    jobs.AddRange(leafCandidates.Select((_, c) => (f, l, c)));
                }
                else
                {
                    jobs.Add((f, l, -1));
                }
            }
        }

        var heldOut = new double[jobs.Count][];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.Threads == 0 ? Environment.ProcessorCount : _options.Threads, CancellationToken = cancellationToken };
        Parallel.For(0, jobs.Count, parallel, j =>
        {
            var (f, l, c) = jobs[j];
            var round = rounds[f];
            var imputed = _learners[l].Missing == MissingValueEncoding.Mean;
            var x = (imputed ? round.FitMean : round.FitBelow)!;
            var xc = (imputed ? round.CheckMean : round.CheckBelow)!;
            if (c >= 0)
            {
                var options = new BoostingOptions(new TreeSettings(AdaptiveMaxTrees, leafCandidates[c].Leaves, AdaptiveLearningRate, leafCandidates[c].MinLeaf) { L2 = leafCandidates[c].L2 }, seed, 1)
                {
                    Validation = new BoostingValidation(xc, round.CheckLabels, round.CheckWeights, AdaptivePatience),
                };
                forests[f, c] = HistogramBooster.Fit(x, round.Width, round.FitLabels, round.FitWeights, options, cancellationToken);
                return;
            }

            var settings = new LearnerSettings(_options.Trees, seed, 1);
            heldOut[j] = _learners[l].Fit(new LearnerData(x, round.Width, round.FitLabels, round.FitWeights), settings, cancellationToken).Probabilities(xc, round.Width);
        });

        for (var j = 0; j < jobs.Count; j++)
        {
            var (f, l, c) = jobs[j];
            var check = rounds[f].Check;
            if (c >= 0)
            {
                var path = forests[f, c].ValidationLoss!;
                for (var t = 0; t < AdaptiveMaxTrees; t++)
                {
                    // After the early stop the loss stays where it stopped (no better than its best).
                    loss[c][t] += path[Math.Min(t, path.Length - 1)] * check.Length;
                }

                continue;
            }

            for (var k = 0; k < check.Length; k++)
            {
                held[l][check[k]] = heldOut[j][k];
            }
        }

        var trees = _options.Trees;
        if (booster >= 0)
        {
            var (bestCandidate, bestTrees, bestLoss) = (0, 1, double.PositiveInfinity);
            for (var c = 0; c < leafCandidates.Length; c++)
            {
                for (var t = 0; t < AdaptiveMaxTrees; t++)
                {
                    if (loss[c][t] < bestLoss)
                    {
                        (bestCandidate, bestTrees, bestLoss) = (c, t + 1, loss[c][t]);
                    }
                }
            }

            // Fitted on all the rows, the trees can go on for longer: scaled by the share each round held back.
            trees = new TreeSettings(Math.Max(1, (int)Math.Round(bestTrees / fitShare)), leafCandidates[bestCandidate].Leaves, AdaptiveLearningRate, leafCandidates[bestCandidate].MinLeaf) { L2 = leafCandidates[bestCandidate].L2 };
            for (var f = 0; f < AdaptiveRounds; f++)
            {
                var round = rounds[f];
                var p = forests[f, bestCandidate].Probabilities(round.CheckBelow!, bestTrees);
                for (var j = 0; j < round.Check.Length; j++)
                {
                    held[booster][round.Check[j]] = p[j];
                }
            }
        }

        // Scored on the rows held out in some round; ties keep the even blend, then the weight nearest it.
        int[] scored = [.. Enumerable.Range(0, labels.Length).Where(i => inner[i] < AdaptiveRounds)];
        bool[] scoredLabels = [.. scored.Select(i => labels[i])];
        if (_learners.Length != 2)
        {
            // Nothing to weigh: the learners' held-out probabilities averaged, as the model will blend them.
            return (trees, null, new HeldOut([.. scored.Select(i => held.Average(h => h[i]))], scoredLabels));
        }

        var (blend, bestAuc, chosen) = (0.5, double.NegativeInfinity, Array.Empty<double>());
        foreach (var w in (double[])[0.5, 0.75, 0.25, 1, 0])
        {
            var mixed = new double[scored.Length];
            for (var k = 0; k < mixed.Length; k++)
            {
                mixed[k] = (w * held[0][scored[k]]) + ((1 - w) * held[1][scored[k]]);
            }

            var auc = MetricsCalculator.Auc(mixed, scoredLabels);
            if (auc > bestAuc + 1e-12)
            {
                (blend, bestAuc, chosen) = (w, auc, mixed);
            }
        }

        // The chosen blend's held-out scores are what its calibration is fitted on.
        return (trees, [blend, 1 - blend], new HeldOut(chosen, scoredLabels));
    }

    /// <summary>The adaptation's chosen model's probabilities of the rows its rounds held out, and their labels.</summary>
    private sealed record HeldOut(double[] Scores, bool[] Labels);

    /// <summary>One round of the adaptation: the held-out rows and both sides' encodings.</summary>
    private sealed record Round(int[] Check, int Width, IReadOnlyList<bool> FitLabels, bool[] CheckLabels, float[]? FitWeights, float[]? CheckWeights, float[]? FitBelow, float[]? FitMean, float[]? CheckBelow, float[]? CheckMean);

    /// <summary>The rows in a seeded random order (the folds' and the samples' shuffle; benchmarks/peers/classify_peers.py ports it).</summary>
    private static int[] SeededOrder(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).OrderBy(_ => random.Next())];
    }

    /// <summary>A stratified, seeded sample of <paramref name="size"/> rows (in their original order).</summary>
    private static int[] StratifiedSample(bool[] labels, int size, int seed)
    {
        var order = SeededOrder(labels.Length, seed);
        var positives = labels.Count(l => l);
        var wantPositives = (int)Math.Round(size * (double)positives / labels.Length);
        var (p, n) = (0, 0);
        var chosen = new List<int>(size);
        foreach (var i in order)
        {
            if (labels[i] ? p++ < wantPositives : n++ < size - wantPositives)
            {
                chosen.Add(i);
            }
        }

        chosen.Sort();
        return [.. chosen];
    }
}
