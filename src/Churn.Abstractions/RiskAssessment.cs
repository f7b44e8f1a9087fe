namespace Churn.Abstractions;

/// <summary>How urgent a customer's churn risk is.</summary>
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
    public override string ToString() => Value.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>One reason behind a score: a feature that pushed the risk up or down.</summary>
/// <param name="Feature">The feature name.</param>
/// <param name="Value">The customer's value of the feature.</param>
/// <param name="Contribution">The signed contribution to the score (positive raises the risk).</param>
/// <param name="Text">The reason in words a CRM user reads, for example "no purchase in 74 days".</param>
public sealed record RiskReason(string Feature, double Value, double Contribution, string Text);

/// <summary>Whether a symptom needs action now or adds to an accumulating picture.</summary>
public enum SymptomSeverity
{
    /// <summary>A small sign that adds up with others.</summary>
    Minor = 0,

    /// <summary>Act now.</summary>
    Critical,
}

/// <summary>A risk condition that fired for a customer, explaining itself.</summary>
/// <param name="RuleId">The rule or trigger that fired.</param>
/// <param name="Severity">Critical or minor.</param>
/// <param name="FiredAt">When it fired.</param>
/// <param name="Explanation">Which condition, with which values.</param>
public sealed record Symptom(string RuleId, SymptomSeverity Severity, DateTimeOffset FiredAt, string Explanation);

/// <summary>What a customer is worth.</summary>
/// <param name="Historical">Value realised so far (revenue or margin, in the host's currency).</param>
/// <param name="Predicted">Predicted future value over the host's horizon, if a model was used.</param>
/// <param name="Currency">ISO currency code, if known.</param>
public sealed record CustomerValue(decimal Historical, decimal? Predicted = null, string? Currency = null);

/// <summary>Everything the SDK can tell about one customer's churn risk at one instant.</summary>
/// <param name="CustomerId">The customer.</param>
/// <param name="AsOf">The instant.</param>
/// <param name="Probability">The calibrated probability of churning in the host's horizon.</param>
/// <param name="Level">The risk level derived from the probability and the symptoms.</param>
public sealed record RiskAssessment(CustomerId CustomerId, DateTimeOffset AsOf, ChurnProbability Probability, RiskLevel Level)
{
    /// <summary>Gets the reasons behind the probability, strongest first.</summary>
    public IReadOnlyList<RiskReason> Reasons { get; init; } = [];

    /// <summary>Gets the symptoms that fired.</summary>
    public IReadOnlyList<Symptom> Symptoms { get; init; } = [];

    /// <summary>Gets the customer's value, if known.</summary>
    public CustomerValue? Value { get; init; }

    /// <summary>Gets the segment the customer belongs to, if segmented.</summary>
    public string? Segment { get; init; }
}
