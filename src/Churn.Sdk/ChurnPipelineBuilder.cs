using Churn.Abstractions;
using Churn.Data;
using Churn.Modeling;
using Churn.Rules;
using Churn.Value;

namespace Churn.Sdk;

/// <summary>
/// Builds a <see cref="ChurnPipeline"/> without dependency injection: each <c>With...</c> call
/// sets one part; everything not set takes its default (default features, contractual churn within
/// 30 days, the default risk levels, historical value and CLV, no model, no rules).
/// </summary>
/// <example>
/// <code>
/// var pipeline = ChurnPipeline.CreateBuilder()
///     .WithModelFile("churn.model")
///     .WithRulesFile("churn-rules.json")
///     .Build();
/// foreach (var a in pipeline.Assess(CustomerData.FromCsv("events.csv", "customers.csv"), asOf)) { ... }
/// </code>
/// </example>
/// <remarks>Not thread-safe; the pipeline it builds is.</remarks>
public sealed class ChurnPipelineBuilder
{
    private readonly FeatureBuilderOptions _features = new();
    private readonly List<IFeatureDefinition> _custom = [];
    private readonly LabelOptions _labels = new();
    private readonly RiskLevelPolicyOptions _levels = new();
    private readonly SymptomEngineOptions _symptomOptions = new();
    private readonly ClvOptions _clv = new();
    private readonly FitOptions _fit = new();
    private readonly ValueModelOptions _valueModels = new();
    private readonly HistoricalValueOptions _historical = new();
    private readonly ChurnModelTrainerOptions _trainer = new();
    private readonly ChurnPipelineOptions _options = new();
    private LearnerCatalog _catalog = LearnerCatalog.Default;
    private TimeProvider _time = TimeProvider.System;
    private RuleSet? _rules;
    private IReadOnlyList<string> _ruleTexts = ["owner"];
    private ISymptomDetector? _detector;
    private ChurnModel? _model;
    private string? _modelPath;
    private IChurnScorer? _scorer;
    private ISegmenter? _segmenter;
    private ICustomerValueCalculator? _value;

    /// <summary>Configures the features (windows, parallelism).</summary>
    /// <param name="configure">Configures the options.</param>
    /// <returns>The builder.</returns>
    public ChurnPipelineBuilder WithFeatures(Action<FeatureBuilderOptions> configure) => Set(configure, _features);

    /// <summary>Adds a host feature to every snapshot.</summary>
    /// <param name="feature">The feature.</param>
    /// <returns>The builder.</returns>
    public ChurnPipelineBuilder AddFeature(IFeatureDefinition feature)
    {
        ArgumentNullException.ThrowIfNull(feature);
        _custom.Add(feature);
        return this;
    }

    /// <summary>Configures the churn definition and horizon (labels, training sets, and who has already churned).</summary>
    /// <param name="configure">Configures the options.</param>
    /// <returns>The builder.</returns>
    public ChurnPipelineBuilder WithLabels(Action<LabelOptions> configure) => Set(configure, _labels);

    /// <summary>Configures the risk-level cut-offs and what symptoms lift a level to.</summary>
    /// <param name="configure">Configures the options.</param>
    /// <returns>The builder.</returns>
    public ChurnPipelineBuilder WithRiskLevels(Action<RiskLevelPolicyOptions> configure) => Set(configure, _levels);

    /// <summary>Uses a rule set for symptoms, compiled against the pipeline's features (and the profile's <c>owner</c>, attributes named in <paramref name="profileAttributes"/>, and <c>signup_date</c>).</summary>
    /// <param name="ruleSet">The rules.</param>
    /// <param name="profileAttributes">Profile attributes the rules may name as text variables (plan, region, ...).</param>
    /// <param name="configure">Configures the symptom engine (threshold, half-life, lookback, scan step).</param>
    /// <returns>The builder.</returns>
    public ChurnPipelineBuilder WithRules(RuleSet ruleSet, IEnumerable<string>? profileAttributes = null, Action<SymptomEngineOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(ruleSet);
        _rules = ruleSet;
        _ruleTexts = ["owner", .. (profileAttributes ?? []).Where(a => a != "owner")];
        configure?.Invoke(_symptomOptions);
        return this;
    }

    /// <summary>Uses a rule-set file (JSON) for symptoms.</summary>
    /// <param name="path">The file.</param>
    /// <param name="profileAttributes">Profile attributes the rules may name.</param>
    /// <param name="configure">Configures the symptom engine.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="RuleSetFormatException">The file is not a valid rule set; the problems carry their line and column.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public ChurnPipelineBuilder WithRulesFile(string path, IEnumerable<string>? profileAttributes = null, Action<SymptomEngineOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var (set, positions) = RuleSetJson.Parse(File.ReadAllText(path));
        var issues = CompiledRuleSet.Validate(set, Schema(profileAttributes), positions);
        if (issues.Count > 0)
        {
            throw new RuleSetFormatException(issues);
        }

        return WithRules(set, profileAttributes, configure);
    }

    /// <summary>Uses a host's own symptom detector instead of a rule set.</summary>
    /// <param name="detector">The detector.</param>
    /// <returns>The builder.</returns>
    public ChurnPipelineBuilder WithSymptomDetector(ISymptomDetector detector)
    {
        ArgumentNullException.ThrowIfNull(detector);
        _detector = detector;
        return this;
    }

    /// <summary>Scores with a model in memory.</summary>
    /// <param name="model">The model (trained on the pipeline's features).</param>
    /// <returns>The builder.</returns>
    public ChurnPipelineBuilder WithModel(ChurnModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        (_model, _modelPath, _scorer) = (model, null, null);
        return this;
    }

    /// <summary>Scores with a model file, loaded when the pipeline is built (with the learner catalog in force).</summary>
    /// <param name="path">The model file.</param>
    /// <returns>The builder.</returns>
    public ChurnPipelineBuilder WithModelFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        (_model, _modelPath, _scorer) = (null, path, null);
        return this;
    }

    /// <summary>Scores with a host's own scorer.</summary>
    /// <param name="scorer">The scorer.</param>
    /// <returns>The builder.</returns>
    public ChurnPipelineBuilder WithScorer(IChurnScorer scorer)
    {
        ArgumentNullException.ThrowIfNull(scorer);
        (_model, _modelPath, _scorer) = (scorer as ChurnModel, null, scorer);
        return this;
    }

    /// <summary>Places each assessed customer in a segment.</summary>
    /// <param name="segmenter">The segmenter.</param>
    /// <returns>The builder.</returns>
    public ChurnPipelineBuilder WithSegmenter(ISegmenter segmenter)
    {
        ArgumentNullException.ThrowIfNull(segmenter);
        _segmenter = segmenter;
        return this;
    }

    /// <summary>Configures the historical value (cost ratio, basis, currency).</summary>
    /// <param name="configure">Configures the options.</param>
    /// <returns>The builder.</returns>
    public ChurnPipelineBuilder WithHistoricalValue(Action<HistoricalValueOptions> configure) => Set(configure, _historical);

    /// <summary>Uses a host's own value formula for the historical value.</summary>
    /// <param name="calculator">The calculator.</param>
    /// <returns>The builder.</returns>
    public ChurnPipelineBuilder WithValueCalculator(ICustomerValueCalculator calculator)
    {
        ArgumentNullException.ThrowIfNull(calculator);
        _value = calculator;
        return this;
    }

    /// <summary>Configures the predicted value: CLV horizon, discounting and margin.</summary>
    /// <param name="configure">Configures the options.</param>
    /// <returns>The builder.</returns>
    public ChurnPipelineBuilder WithClv(Action<ClvOptions> configure) => Set(configure, _clv);

    /// <summary>Configures the value models' time unit and minimum data.</summary>
    /// <param name="configure">Configures the options.</param>
    /// <returns>The builder.</returns>
    public ChurnPipelineBuilder WithValueModels(Action<ValueModelOptions> configure) => Set(configure, _valueModels);

    /// <summary>Configures the trainer (learners, folds, seed, tree settings, calibration) used by training and back-tests.</summary>
    /// <param name="configure">Configures the options.</param>
    /// <returns>The builder.</returns>
    public ChurnPipelineBuilder WithTrainer(Action<ChurnModelTrainerOptions> configure) => Set(configure, _trainer);

    /// <summary>Uses another learner catalog (to train with or load ML.NET learners, add <c>LearnerCatalog.Default.WithMLNet()</c>).</summary>
    /// <param name="catalog">The catalog.</param>
    /// <returns>The builder.</returns>
    public ChurnPipelineBuilder WithLearners(LearnerCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        _catalog = catalog;
        return this;
    }

    /// <summary>Uses a clock for model files' training stamps (tests pass a fake one).</summary>
    /// <param name="time">The clock.</param>
    /// <returns>The builder.</returns>
    public ChurnPipelineBuilder WithTimeProvider(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        return this;
    }

    /// <summary>Configures the pipeline (reasons per customer, value prediction, block size, parallelism).</summary>
    /// <param name="configure">Configures the options.</param>
    /// <returns>The builder.</returns>
    public ChurnPipelineBuilder Configure(Action<ChurnPipelineOptions> configure) => Set(configure, _options);

    /// <summary>Builds the pipeline.</summary>
    /// <returns>The pipeline.</returns>
    /// <exception cref="ArgumentException">An option is invalid; the message names the member.</exception>
    /// <exception cref="ModelFileException">The model file cannot be read.</exception>
    public ChurnPipeline Build()
    {
        var features = new FeatureBuilder(_features, _custom);
        var model = _model ?? (_modelPath is null ? null : ChurnModel.Load(_modelPath, _catalog));
        var scorer = _scorer ?? model;
        ISymptomDetector? symptoms = _detector;
        if (symptoms is null && _rules is not null)
        {
            symptoms = new SymptomEngine(CompiledRuleSet.Compile(_rules, RuleSchema.FromFeatures(features.Schema, _ruleTexts, ["signup_date"])), _symptomOptions);
        }

        return new ChurnPipeline(new PipelineParts(
            features,
            new LabelBuilder(_labels),
            _labels,
            new RiskLevelPolicy(_levels),
            scorer,
            model,
            symptoms,
            _value ?? new HistoricalValueCalculator(_historical),
            new ClvEstimator(_clv, _fit, _valueModels),
            _segmenter,
            new ChurnModelTrainer(_trainer, _time, _catalog),
            PipelineParts.Checked(_options)));
    }

    private RuleSchema Schema(IEnumerable<string>? profileAttributes) =>
        RuleSchema.FromFeatures(new FeatureBuilder(_features, _custom).Schema, ["owner", .. (profileAttributes ?? []).Where(a => a != "owner")], ["signup_date"]);

    private ChurnPipelineBuilder Set<T>(Action<T> configure, T options)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(options);
        return this;
    }
}
