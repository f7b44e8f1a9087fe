using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Churn.Value;

/// <summary>Options of the <see cref="ClvCalculator"/>.</summary>
public sealed class ClvOptions
{
    /// <summary>Gets or sets the number of periods in the horizon.</summary>
    /// <value>The default is 12.</value>
    [Range(1, 10_000)]
    public int Periods { get; set; } = 12;

    /// <summary>Gets or sets the length of one period in the models' time unit (for weekly models and monthly periods: 30.4375 / 7).</summary>
    /// <value>The default is 1.</value>
    [Range(1e-9, 1e9)]
    public double PeriodLength { get; set; } = 1;

    /// <summary>Gets or sets the discount rate per period (0.01 = 1 % per period), greater than -1.</summary>
    /// <value>The default is 0.01.</value>
    [Range(-0.999999, 1e6)]
    public double DiscountRate { get; set; } = 0.01;

    /// <summary>Gets or sets the margin: the share of revenue that is profit.</summary>
    /// <value>The default is 1 (CLV in revenue).</value>
    [Range(0.0, 1.0)]
    public double Margin { get; set; } = 1;
}

[OptionsValidator]
internal sealed partial class ClvOptionsValidator : IValidateOptions<ClvOptions>
{
}

/// <summary>One customer's predicted value.</summary>
/// <param name="Summary">The customer's history.</param>
/// <param name="ProbabilityAlive">P(alive) now.</param>
/// <param name="ExpectedPurchases">Expected purchases over the whole horizon.</param>
/// <param name="ExpectedAverageValue">Expected value per purchase (Gamma-Gamma).</param>
/// <param name="Clv">The discounted value of the expected margin over the horizon.</param>
public sealed record ClvPrediction(CustomerSummary Summary, double ProbabilityAlive, double ExpectedPurchases, double ExpectedAverageValue, double Clv);

/// <summary>
/// Discounted customer lifetime value: for each period k of the horizon, the purchases expected
/// in that period (the difference of the repeat-purchase model's conditional expectations at k and
/// k−1 periods) times the Gamma-Gamma expected value per purchase times the margin, discounted by
/// (1 + d)^k.
/// </summary>
/// <remarks>Immutable and thread-safe; batch scoring runs on all cores.</remarks>
public sealed class ClvCalculator
{
    private readonly IRepeatPurchaseModel _purchases;
    private readonly GammaGammaModel _spend;
    private readonly ClvOptions _options;

    /// <summary>Initializes a new instance of the <see cref="ClvCalculator"/> class.</summary>
    /// <param name="purchases">A fitted BG/NBD or Pareto/NBD model.</param>
    /// <param name="spend">A fitted Gamma-Gamma model.</param>
    /// <param name="options">Horizon, discounting and margin; defaults when null.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public ClvCalculator(IRepeatPurchaseModel purchases, GammaGammaModel spend, ClvOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(purchases);
        ArgumentNullException.ThrowIfNull(spend);
        _options = Churn.Shared.OptionsCheck.ThrowIfInvalid(options ?? new ClvOptions(), new ClvOptionsValidator());
        _purchases = purchases;
        _spend = spend;
    }

    /// <summary>Predicts one customer.</summary>
    /// <param name="summary">The customer's history.</param>
    /// <returns>The prediction.</returns>
    public ClvPrediction Predict(CustomerSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var (x, tx, t) = (summary.Frequency, summary.Recency, summary.T);
        var value = _spend.ConditionalExpectedAverageValue(x, summary.MonetaryValue);
        double clv = 0, previous = 0;
        for (var k = 1; k <= _options.Periods; k++)
        {
            var cumulative = _purchases.ConditionalExpectedPurchases(k * _options.PeriodLength, x, tx, t);
            clv += _options.Margin * value * Math.Max(0, cumulative - previous) / Math.Pow(1 + _options.DiscountRate, k);
            previous = Math.Max(previous, cumulative);
        }

        return new ClvPrediction(summary, _purchases.ProbabilityAlive(x, tx, t), previous, value, clv);
    }

    /// <summary>Predicts many customers, in input order, on all cores.</summary>
    /// <param name="summaries">The customers.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The predictions.</returns>
    public IReadOnlyList<ClvPrediction> PredictAll(IReadOnlyList<CustomerSummary> summaries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(summaries);
        var result = new ClvPrediction[summaries.Count];
        Parallel.For(0, summaries.Count, new ParallelOptions { CancellationToken = cancellationToken }, i => result[i] = Predict(summaries[i]));
        return result;
    }
}
