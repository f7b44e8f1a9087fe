using System.Globalization;

namespace Churn.Abstractions;

/// <summary>How urgent a customer's churn risk is, or that the customer has already gone.</summary>
public enum RiskLevel
{
    /// <summary>Nothing to do.</summary>
    Low = 0,

    /// <summary>Watch.</summary>
    Medium,

    /// <summary>Act soon.</summary>
    High,

    /// <summary>Act now.</summary>
    Critical,

    /// <summary>The customer had already churned at the instant (cancelled, or inactive for the churn definition's period): reported, not scored.</summary>
    Churned,
}

/// <summary>A probability of churning, checked to lie in [0, 1].</summary>
public readonly record struct ChurnProbability
{
    /// <summary>Initializes a new instance of the <see cref="ChurnProbability"/> struct.</summary>
    /// <param name="value">The probability.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is outside [0, 1] or NaN.</exception>
    public ChurnProbability(double value)
    {
        if (!(value >= 0 && value <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "A probability lies in [0, 1].");
        }

        Value = value;
    }

    /// <summary>Gets the probability.</summary>
    public double Value { get; }

    /// <summary>Converts a double to a probability.</summary>
    /// <param name="value">The value.</param>
    public static implicit operator ChurnProbability(double value) => new(value);

    /// <summary>Converts a double to a probability.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The probability.</returns>
    public static ChurnProbability FromDouble(double value) => new(value);

    /// <inheritdoc />
    public override string ToString() => Value.ToString("0.####", CultureInfo.InvariantCulture);
}

/// <summary>One reason behind a score: a feature that pushed the risk up or down.</summary>
/// <param name="Feature">The feature name.</param>
/// <param name="Value">The customer's value of the feature (NaN when missing or not a number).</param>
/// <param name="Contribution">The signed contribution to the probability (positive raises the risk).</param>
/// <param name="Text">The reason in words a CRM user reads, for example "74 days since the last purchase: raises the churn risk by 12 points".</param>
public sealed record RiskReason(string Feature, double Value, double Contribution, string Text);

/// <summary>Whether a symptom needs action now, adds to an accumulating picture, or is that picture.</summary>
public enum SymptomSeverity
{
    /// <summary>A small sign that adds up with others.</summary>
    Minor = 0,

    /// <summary>Act now.</summary>
    Critical,

    /// <summary>Minor symptoms whose decayed weights add up to the threshold: the cumulative picture (see <see cref="Symptom.Components"/>).</summary>
    Recapitulative,
}

/// <summary>A risk condition that holds for a customer at an instant, explaining itself.</summary>
/// <param name="RuleId">The rule or trigger.</param>
/// <param name="Severity">Critical, minor or recapitulative.</param>
/// <param name="FiredAt">When the condition began to hold (from the data, never the clock); for a recapitulative symptom, when the weights reached the threshold.</param>
/// <param name="Explanation">Which condition, with which values.</param>
public sealed record Symptom(string RuleId, SymptomSeverity Severity, DateTimeOffset FiredAt, string Explanation)
{
    /// <summary>Gets the weight the symptom adds to the recapitulative sum, decayed to the assessment instant (minor symptoms and components).</summary>
    public double Weight { get; init; }

    /// <summary>Gets, for a recapitulative symptom, the minor symptoms it sums (each once, newest first); empty otherwise.</summary>
    public IReadOnlyList<Symptom> Components { get; init; } = [];
}

/// <summary>What a customer is worth.</summary>
/// <param name="Historical">Value realised so far (revenue or margin, in the host's currency).</param>
/// <param name="Predicted">Predicted future value over the host's horizon (discounted CLV), when a model could be fitted.</param>
/// <param name="Currency">ISO currency code, if known.</param>
public sealed record CustomerValue(decimal Historical, decimal? Predicted = null, string? Currency = null)
{
    /// <summary>Gets the probability that the customer is still active (BG/NBD), when a model could be fitted.</summary>
    public double? PAlive { get; init; }
}

/// <summary>Everything the SDK can tell about one customer's churn risk at one instant.</summary>
/// <param name="CustomerId">The customer.</param>
/// <param name="AsOf">The instant; nothing after it was used.</param>
/// <param name="Probability">The calibrated probability of churning in the model's horizon; <see langword="null"/> when not scored (the customer had already churned, or no model is in use).</param>
/// <param name="Level">The risk level from the probability and the symptoms (see <see cref="RiskLevelPolicy"/>).</param>
public sealed record RiskAssessment(CustomerId CustomerId, DateTimeOffset AsOf, ChurnProbability? Probability, RiskLevel Level)
{
    /// <summary>Gets which policy rule set the level, in words (for example "probability 0.42 is at least the high cut-off 0.30").</summary>
    public string LevelReason { get; init; } = string.Empty;

    /// <summary>Gets the reasons behind the probability, strongest first, signed.</summary>
    public IReadOnlyList<RiskReason> Reasons { get; init; } = [];

    /// <summary>Gets the symptoms that hold: critical, minor, and the recapitulative one when the minor weights reach its threshold.</summary>
    public IReadOnlyList<Symptom> Symptoms { get; init; } = [];

    /// <summary>Gets the customer's value, if known.</summary>
    public CustomerValue? Value { get; init; }

    /// <summary>Gets the segment the customer belongs to, when a segmenter is in use.</summary>
    public string? Segment { get; init; }

    /// <summary>Gets who owns the relationship (from the customer's profile).</summary>
    public string? Owner { get; init; }

    /// <summary>Gets when the customer churned, for <see cref="RiskLevel.Churned"/>.</summary>
    public DateTimeOffset? ChurnedAt { get; init; }
}
