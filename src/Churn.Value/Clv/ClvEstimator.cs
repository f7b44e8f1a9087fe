using System.ComponentModel.DataAnnotations;
using Churn.Shared;
using Microsoft.Extensions.Options;

namespace Churn.Value;

/// <summary>Options of the <see cref="ClvEstimator"/>: the time unit of its models and when there is enough data to fit them.</summary>
public sealed class ValueModelOptions
{
    /// <summary>Gets or sets the time unit the BG/NBD model is fitted in; <see cref="ClvOptions.PeriodLength"/> is in it.</summary>
    /// <value>The default is <see cref="TimeUnit.Months"/> (with the default <see cref="ClvOptions"/>: a 12-month CLV discounted 1 % a month).</value>
    [EnumDataType(typeof(TimeUnit))]
    public TimeUnit Unit { get; set; } = TimeUnit.Months;

    /// <summary>Gets or sets the fewest customers with a repeat purchase needed to fit the models; with fewer, no CLV is predicted.</summary>
    /// <value>The default is 50.</value>
    [Range(2, 100_000_000)]
    public int MinRepeatCustomers { get; set; } = 50;

    /// <summary>Gets or sets a value indicating whether the fits also compute standard errors (a finite-difference Hessian: slower on large bases, and the assessments do not use them).</summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool StandardErrors { get; set; }
}

[OptionsValidator]
internal sealed partial class ValueModelOptionsValidator : IValidateOptions<ValueModelOptions>
{
}

/// <summary>
/// Fits BG/NBD (repeat purchases, P(alive)) and Gamma-Gamma (spend per purchase) on customer
/// summaries and predicts each customer's discounted CLV and P(alive), with the horizon,
/// discounting and margin of <see cref="ClvOptions"/> and the tolerances of <see cref="FitOptions"/>.
/// When the data cannot support a fit (too few repeat buyers, a fit that does not converge) it
/// says why instead of throwing.
/// </summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class ClvEstimator
{
    private readonly ClvOptions _clv;
    private readonly FitOptions _fit;
    private readonly ValueModelOptions _model;

    /// <summary>Initializes a new instance of the <see cref="ClvEstimator"/> class.</summary>
    /// <param name="clv">Horizon, discounting and margin; defaults when null.</param>
    /// <param name="fit">Fit tolerances; defaults when null.</param>
    /// <param name="model">Time unit and minimum data; defaults when null.</param>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public ClvEstimator(ClvOptions? clv = null, FitOptions? fit = null, ValueModelOptions? model = null)
    {
        _clv = OptionsCheck.ThrowIfInvalid(clv ?? new ClvOptions(), new ClvOptionsValidator());
        var checkedFit = OptionsCheck.ThrowIfInvalid(fit ?? new FitOptions(), new FitOptionsValidator());
        _model = OptionsCheck.ThrowIfInvalid(model ?? new ValueModelOptions(), new ValueModelOptionsValidator());
        _fit = new FitOptions
        {
            GradientTolerance = checkedFit.GradientTolerance,
            MaxIterations = checkedFit.MaxIterations,
            ThrowOnNonConvergence = checkedFit.ThrowOnNonConvergence,
            ComputeStandardErrors = _model.StandardErrors,
        };
    }

    /// <summary>Initializes a new instance of the <see cref="ClvEstimator"/> class from validated options.</summary>
    /// <param name="clv">Horizon, discounting and margin.</param>
    /// <param name="fit">Fit tolerances.</param>
    /// <param name="model">Time unit and minimum data.</param>
    public ClvEstimator(IOptions<ClvOptions> clv, IOptions<FitOptions> fit, IOptions<ValueModelOptions> model)
        : this(clv?.Value, fit?.Value, model?.Value)
    {
    }

    /// <summary>Gets the time unit of the models.</summary>
    public TimeUnit Unit => _model.Unit;

    /// <summary>Fits the models on customer summaries in <see cref="Unit"/>.</summary>
    /// <param name="summaries">The customers' purchase histories up to one instant.</param>
    /// <param name="cancellationToken">Cancels the fit.</param>
    /// <returns>The fitted models, or the reason there are none.</returns>
    public ValueModelFit Fit(IReadOnlyList<CustomerSummary> summaries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(summaries);
        var repeat = 0;
        foreach (var s in summaries)
        {
            repeat += s.Frequency > 0 ? 1 : 0;
        }

        if (repeat < _model.MinRepeatCustomers)
        {
            return new ValueModelFit(null, null, null, $"{repeat} customers made a repeat purchase; at least {_model.MinRepeatCustomers} are needed to fit BG/NBD and Gamma-Gamma");
        }

        try
        {
            var purchases = BgNbdModel.Fit(RepeatPurchaseData.From(summaries), _fit, cancellationToken);
            var spend = GammaGammaModel.Fit(summaries, _fit, cancellationToken);
            return new ValueModelFit(purchases, spend, new ClvCalculator(purchases.Model, spend.Model, _clv), null);
        }
        catch (ModelFitException ex)
        {
            return new ValueModelFit(null, null, null, ex.Message);
        }
        catch (ArgumentException ex)
        {
            return new ValueModelFit(null, null, null, ex.Message);
        }
    }
}

/// <summary>Fitted value models, or why there are none.</summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class ValueModelFit
{
    private readonly ClvCalculator? _clv;

    internal ValueModelFit(BgNbdFit? purchases, GammaGammaFit? spend, ClvCalculator? clv, string? reason)
    {
        Purchases = purchases;
        Spend = spend;
        _clv = clv;
        Reason = reason;
    }

    /// <summary>Gets a value indicating whether the models were fitted.</summary>
    public bool IsFitted => _clv is not null;

    /// <summary>Gets why the models were not fitted, or <see langword="null"/>.</summary>
    public string? Reason { get; }

    /// <summary>Gets the BG/NBD fit, when fitted.</summary>
    public BgNbdFit? Purchases { get; }

    /// <summary>Gets the Gamma-Gamma fit, when fitted.</summary>
    public GammaGammaFit? Spend { get; }

    /// <summary>Predicts one customer's CLV and P(alive).</summary>
    /// <param name="summary">The customer's purchase history, in the models' time unit.</param>
    /// <returns>The prediction, or <see langword="null"/> when the models were not fitted.</returns>
    public ClvPrediction? Predict(CustomerSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return _clv?.Predict(summary);
    }
}
