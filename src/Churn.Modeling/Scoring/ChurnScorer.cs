using System.ComponentModel.DataAnnotations;
using Churn.Abstractions;
using Churn.Modeling;
using Microsoft.Extensions.Options;

namespace Churn.Modeling;

/// <summary>The probability thresholds of the risk levels.</summary>
public sealed class RiskLevelOptions
{
    /// <summary>Gets or sets the probability from which a customer is at medium risk.</summary>
    /// <value>The default is 0.1.</value>
    [Range(0.0, 1.0)]
    public double Medium { get; set; } = 0.1;

    /// <summary>Gets or sets the probability from which a customer is at high risk.</summary>
    /// <value>The default is 0.3.</value>
    [Range(0.0, 1.0)]
    public double High { get; set; } = 0.3;

    /// <summary>Gets or sets the probability from which a customer is at critical risk.</summary>
    /// <value>The default is 0.6.</value>
    [Range(0.0, 1.0)]
    public double Critical { get; set; } = 0.6;

    /// <summary>Maps a probability to a level.</summary>
    /// <param name="probability">The probability.</param>
    /// <returns>The level.</returns>
    /// <exception cref="InvalidOperationException">The thresholds are not in increasing order.</exception>
    public RiskLevel LevelOf(double probability)
    {
        if (!(Medium <= High && High <= Critical))
        {
            throw new InvalidOperationException($"Risk thresholds must increase: medium {Medium}, high {High}, critical {Critical}.");
        }

        return probability >= Critical ? RiskLevel.Critical : probability >= High ? RiskLevel.High : probability >= Medium ? RiskLevel.Medium : RiskLevel.Low;
    }
}

/// <summary>Validates <see cref="RiskLevelOptions"/>.</summary>
internal sealed class RiskLevelOptionsValidator : IValidateOptions<RiskLevelOptions>
{
    public ValidateOptionsResult Validate(string? name, RiskLevelOptions options) =>
        options.Medium >= 0 && options.Medium <= options.High && options.High <= options.Critical && options.Critical <= 1
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"Risk thresholds must satisfy 0 <= medium <= high <= critical <= 1 (medium {options.Medium}, high {options.High}, critical {options.Critical}).");
}

/// <summary>
/// Scores customers with a <see cref="ChurnModel"/>: calibrated probability and risk level, for
/// one snapshot (as <see cref="IChurnScorer"/>) or a batch.
/// </summary>
/// <remarks>Thread-safe: the model is immutable and every call builds its own ML.NET views.</remarks>
public sealed class ChurnScorer : IChurnScorer
{
    private readonly ChurnModel _model;
    private readonly RiskLevelOptions _levels;

    /// <summary>Initializes a new instance of the <see cref="ChurnScorer"/> class.</summary>
    /// <param name="model">The model.</param>
    /// <param name="levels">The risk thresholds.</param>
    public ChurnScorer(ChurnModel model, IOptions<RiskLevelOptions> levels)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(levels);
        _model = model;
        _levels = levels.Value;
    }

    /// <inheritdoc />
    public ValueTask<RiskAssessment> AssessAsync(CustomerSnapshot snapshot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(AssessAll([snapshot])[0]);
    }

    /// <summary>Assesses many snapshots in one batch.</summary>
    /// <param name="snapshots">The snapshots.</param>
    /// <returns>The assessments, in order.</returns>
    public IReadOnlyList<RiskAssessment> AssessAll(IReadOnlyList<CustomerSnapshot> snapshots)
    {
        ArgumentNullException.ThrowIfNull(snapshots);
        var p = _model.Score(snapshots);
        return [.. snapshots.Select((s, i) => new RiskAssessment(s.CustomerId, s.AsOf, Math.Clamp(p[i], 0, 1), _levels.LevelOf(p[i])))];
    }
}
