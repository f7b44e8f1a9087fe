using Churn.Modeling;
using Microsoft.ML;

namespace Churn.Modeling;

/// <summary>Options of the <see cref="ChurnModelTrainer"/>.</summary>
public sealed class ChurnModelTrainerOptions
{
    /// <summary>Gets or sets the learning algorithm.</summary>
    /// <value>The default is <see cref="ChurnTrainer.Auto"/>.</value>
    public ChurnTrainer Trainer { get; set; } = ChurnTrainer.Auto;

    /// <summary>Gets or sets the number of cross-validation folds.</summary>
    /// <value>The default is 5.</value>
    public int Folds { get; set; } = 5;

    /// <summary>Gets or sets the seed of every random choice (fold assignment, ML.NET).</summary>
    /// <value>The default is 42.</value>
    public int Seed { get; set; } = 42;

    /// <summary>Gets or sets the tree settings.</summary>
    /// <value>The default is 200 trees of 8 leaves, learning rate 0.05, at least 20 rows per leaf: shallow, slow learning that generalises on the few-thousand-row tables churn teams have.</value>
    public TreeSettings Trees { get; set; } = new(200, 8, 0.05, 20);

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

    /// <summary>Gets or sets how many threads the tree learners may use; 0 for all cores. The histogram booster (alone or in <see cref="ChurnTrainer.Auto"/>) gives the same model for every thread count, and so does the logistic learner, so the default trainers give the same model on every machine. FastTree and LightGBM may give slightly different models for different counts: set 1 when that matters.</summary>
    /// <value>The default is 0 (all cores).</value>
    public int Threads { get; set; }

    /// <summary>Gets or sets a value indicating whether each class is weighted inversely to its frequency while the learners fit (churners and non-churners then weigh the same in total), so that rare churners shape the trees as much as the majority. The calibration is fitted on unweighted out-of-fold scores, so probabilities keep their meaning.</summary>
    /// <value>The default is <see langword="false"/> (every row weighs 1).</value>
    public bool BalanceClasses { get; set; }

    /// <summary>Gets or sets how scores become probabilities.</summary>
    /// <value>The default is <see cref="CalibrationMethod.Platt"/>.</value>
    public CalibrationMethod Calibration { get; set; }

    /// <summary>Gets or sets the profit parameters of EMPC / MPC.</summary>
    public ProfitParameters Profit { get; set; } = new();

    /// <summary>Checks the options.</summary>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public void Validate()
    {
        if (Folds is < 2 or > 50)
        {
            throw new ArgumentException($"Folds must be between 2 and 50; it is {Folds}.", nameof(Folds));
        }

        if (Threads < 0)
        {
            throw new ArgumentException($"Threads must be 0 (all cores) or positive; it is {Threads}.", nameof(Threads));
        }

        if (Trees.Trees < 1 || Trees.Leaves < 2 || !(Trees.LearningRate > 0) || Trees.MinLeafCount < 1)
        {
            throw new ArgumentException($"Tree settings {Trees} are out of range.", nameof(Trees));
        }
    }
}

/// <summary>Out-of-fold predictions and the metrics computed on them.</summary>
/// <param name="Probabilities">Each row's calibrated probability from the model that did not see it.</param>
/// <param name="Metrics">The metrics of those probabilities.</param>
/// <param name="Folds">The number of folds.</param>
public sealed record CrossValidationResult(double[] Probabilities, ClassificationMetrics Metrics, int Folds)
{
    /// <summary>Gets the uncalibrated out-of-fold scores, from which the final model's calibration is fitted.</summary>
    internal double[] RawScores { get; init; } = [];
}

/// <summary>A trained model and how well it validated.</summary>
/// <param name="Model">The model trained on all rows.</param>
/// <param name="CrossValidation">The cross-validated estimate of its quality.</param>
public sealed record TrainingResult(ChurnModel Model, CrossValidationResult CrossValidation);

/// <summary>
/// Trains churn models with ML.NET: encodes the table (<see cref="Featurizer"/>), fits the
/// learners, calibrates their probabilities with Platt scaling on out-of-fold predictions, and
/// estimates quality by stratified k-fold cross-validation in which the encoding, the learners and
/// the calibration are all refitted without the held-out fold. Seeded and deterministic.
/// </summary>
/// <remarks>Thread-safe: each call builds its own ML.NET context from the seed.</remarks>
public sealed class ChurnModelTrainer
{
    private readonly ChurnModelTrainerOptions _options;
    private readonly TimeProvider _time;

    /// <summary>Initializes a new instance of the <see cref="ChurnModelTrainer"/> class.</summary>
    /// <param name="options">Algorithm, folds and seed; defaults when null.</param>
    /// <param name="time">The clock that stamps model files; the system clock when null.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public ChurnModelTrainer(ChurnModelTrainerOptions? options = null, TimeProvider? time = null)
    {
        _options = options ?? new ChurnModelTrainerOptions();
        _options.Validate();
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Cross-validates, then trains on all rows.</summary>
    /// <param name="table">Labelled training data.</param>
    /// <param name="cancellationToken">Cancels between folds and learners.</param>
    /// <returns>The model and its cross-validated metrics.</returns>
    /// <exception cref="ArgumentException">The table has no labels, or fewer churners or non-churners than folds.</exception>
    public TrainingResult Train(ModelTable table, CancellationToken cancellationToken = default)
    {
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
        var labels = Labels(table);
        var folds = AssignFolds(labels, _options.Folds, _options.Seed);
        var raw = new double[table.Count];
        for (var k = 0; k < _options.Folds; k++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var train = Enumerable.Range(0, table.Count).Where(i => folds[i] != k).ToArray();
            var test = Enumerable.Range(0, table.Count).Where(i => folds[i] == k).ToArray();
            var (featurizer, learners) = FitLearners(table.Subset(train), _options.Seed + k, cancellationToken);
            var scores = Blend(featurizer, learners, table.Subset(test), MlContext(_options.Seed + k));
            for (var i = 0; i < test.Length; i++)
            {
                raw[test[i]] = scores[i];
            }
        }

        // Cross-fitted calibration: each fold is calibrated by a Platt fit on the other folds' held-out scores.
        var calibrated = new double[table.Count];
        for (var k = 0; k < _options.Folds; k++)
        {
            var others = Enumerable.Range(0, table.Count).Where(i => folds[i] != k).ToArray();
            var (platt, isotonic) = FitCalibration([.. others.Select(i => raw[i])], [.. others.Select(i => labels[i])]);
            for (var i = 0; i < table.Count; i++)
            {
                if (folds[i] == k)
                {
                    calibrated[i] = platt.Apply(raw[i]);
                    calibrated[i] = isotonic?.Apply(calibrated[i]) ?? calibrated[i];
                }
            }
        }

        return new CrossValidationResult(calibrated, MetricsCalculator.Compute(calibrated, labels, _options.Profit), _options.Folds) { RawScores = raw };
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

    internal static MLContext MlContext(int seed) => new(seed) { GpuDeviceId = null, FallbackToCpu = true };

    internal static double[] Blend(Featurizer featurizer, IReadOnlyList<FittedLearner> learners, ModelTable table, MLContext ml)
    {
        var result = new double[table.Count];
        foreach (var learner in learners)
        {
            var features = featurizer.Transform(table, learner.Impute);
            var p = Learners.Probabilities(learner, features, featurizer.FeatureNames.Count, ml);
            for (var i = 0; i < result.Length; i++)
            {
                result[i] += p[i] / learners.Count;
            }
        }

        return result;
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

        var random = new Random(seed);
        var order = Enumerable.Range(0, labels.Length).OrderBy(_ => random.Next()).ToArray();
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
        var (featurizer, learners) = FitLearners(table, _options.Seed, cancellationToken);

        // Calibrate the final blend with Platt scaling fitted on the out-of-fold raw scores: scores of
        // models that had not seen those rows, on the same scale as the final model's.
        var (platt, isotonic) = FitCalibration(cv.RawScores, labels);
        var metadata = new ModelMetadata
        {
            Trainer = _options.Trainer.ToString(),
            Learners = [.. learners.Select(l => l.Name)],
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
            BalancedClasses = _options.BalanceClasses,
            IsotonicX = isotonic is null ? null : [.. isotonic.X],
            IsotonicY = isotonic is null ? null : [.. isotonic.Y],
        };
        return new ChurnModel(featurizer, learners, platt, isotonic, metadata, MlContext(_options.Seed));
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

    /// <summary>Chooses tree settings on a seeded, stratified 80/20 split of the training rows.</summary>
    private TreeSettings SearchTrees(ModelTable table, int seed, CancellationToken cancellationToken)
    {
        var labels = table.Labels!.ToArray();
        var folds = AssignFolds(labels, 5, seed + 7919);
        var fit = Enumerable.Range(0, table.Count).Where(i => folds[i] != 0).ToArray();
        var check = Enumerable.Range(0, table.Count).Where(i => folds[i] == 0).ToArray();
        var fitTable = table.Subset(fit);
        var checkTable = table.Subset(check);
        var featurizer = Featurizer.Fit(fitTable);
        var ml = MlContext(seed);
        var width = featurizer.FeatureNames.Count;
        var fitFeatures = featurizer.Transform(fitTable);
        var checkFeatures = featurizer.Transform(checkTable);
        var fitView = Learners.View(ml, fitFeatures, width, fitTable.Labels);
        var best = _options.Trees;
        var bestAuc = double.NegativeInfinity;
        foreach (var candidate in _options.SearchCandidates)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var learner = TreeLearner() switch
            {
                ChurnTrainer.LightGbm => Learners.FitLightGbm(ml, fitView, candidate, seed, _options.Threads),
                ChurnTrainer.FastTree => Learners.FitTrees(ml, fitView, candidate, seed, _options.Threads),
                _ => Learners.FitHistogram(fitFeatures, width, fitTable.Labels!, candidate, seed, _options.Threads, cancellationToken: cancellationToken),
            };
            var auc = MetricsCalculator.Auc(Learners.Probabilities(learner, checkFeatures, width, ml), [.. checkTable.Labels!]);
            if (auc > bestAuc)
            {
                (best, bestAuc) = (candidate, auc);
            }
        }

        return best;
    }

    /// <summary>The tree learner that <see cref="ChurnTrainer.Auto"/> blends with the logistic model.</summary>
    internal const ChurnTrainer AutoTreeLearner = ChurnTrainer.HistGradientBoosting;

    /// <summary>The tree learner of the chosen trainer.</summary>
    private ChurnTrainer TreeLearner() => _options.Trainer switch
    {
        ChurnTrainer.Auto => AutoTreeLearner,
        var t => t,
    };

    private (Featurizer Featurizer, IReadOnlyList<FittedLearner> Learners) FitLearners(ModelTable table, int seed, CancellationToken cancellationToken)
    {
        var featurizer = Featurizer.Fit(table);
        var ml = MlContext(seed);
        var labels = table.Labels!;
        var learners = new List<FittedLearner>();
        var trees = _options.Search && _options.Trainer != ChurnTrainer.Logistic ? SearchTrees(table, seed, cancellationToken) : _options.Trees;
        if (_options.Trainer != ChurnTrainer.Logistic)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var features = featurizer.Transform(table, imputeMissing: false);
            var width = featurizer.FeatureNames.Count;
            learners.Add(TreeLearner() switch
            {
                ChurnTrainer.FastTree => Learners.FitTrees(ml, Learners.View(ml, features, width, labels, _options.BalanceClasses), trees, seed, _options.Threads, _options.BalanceClasses) with { Settings = trees },
                ChurnTrainer.LightGbm => Learners.FitLightGbm(ml, Learners.View(ml, features, width, labels, _options.BalanceClasses), trees, seed, _options.Threads, _options.BalanceClasses) with { Settings = trees },
                _ => Learners.FitHistogram(features, width, labels, trees, seed, _options.Threads, _options.BalanceClasses, cancellationToken),
            });
        }

        if (_options.Trainer is ChurnTrainer.Auto or ChurnTrainer.Logistic)
        {
            cancellationToken.ThrowIfCancellationRequested();
            learners.Add(Learners.FitLogistic(featurizer.Transform(table, imputeMissing: true), featurizer.FeatureNames.Count, labels, _options.Threads, _options.BalanceClasses, cancellationToken));
        }

        return (featurizer, learners);
    }
}
