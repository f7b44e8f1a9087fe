using Churn.Abstractions;

namespace Churn.Rules;

/// <summary>One risk condition: when its expression holds, a symptom fires.</summary>
/// <param name="Id">A stable id, unique in its rule set.</param>
/// <param name="Expression">The condition, for example <c>payment_failures_30d >= 3</c>.</param>
public sealed record Rule(string Id, string Expression)
{
    /// <summary>Gets whether the symptom needs action now (critical) or adds up with others (minor).</summary>
    /// <value>The default is <see cref="SymptomSeverity.Minor"/>.</value>
    public SymptomSeverity Severity { get; init; } = SymptomSeverity.Minor;

    /// <summary>Gets the weight a minor symptom adds to the customer's decaying sum.</summary>
    /// <value>The default is 1.</value>
    public double Weight { get; init; } = 1;

    /// <summary>Gets what the rule means, for the people who read the alerts.</summary>
    public string Description { get; init; } = string.Empty;

    /// <summary>Gets free-form tags (team, playbook, channel).</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Gets a value indicating whether the rule is evaluated.</summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool Enabled { get; init; } = true;

    /// <inheritdoc />
    public bool Equals(Rule? other) =>
        other is not null && Id == other.Id && Expression == other.Expression && Severity == other.Severity
        && Weight.Equals(other.Weight) && Description == other.Description && Tags.SequenceEqual(other.Tags) && Enabled == other.Enabled;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Id, Expression, Severity, Weight, Description, Enabled);
}

/// <summary>A versioned set of rules, loadable from JSON (<see cref="RuleSetJson"/>) or built in C# (<see cref="RuleSetBuilder"/>).</summary>
/// <param name="Version">The version, for example "1".</param>
/// <param name="Rules">The rules.</param>
public sealed record RuleSet(string Version, IReadOnlyList<Rule> Rules)
{
    /// <summary>Gets the decayed weight of minor symptoms at which a recapitulative symptom fires, overriding the engine's option.</summary>
    public double? MinorThreshold { get; init; }

    /// <summary>Gets the half-life in days of minor symptoms' weight, overriding the engine's option.</summary>
    public double? HalfLifeDays { get; init; }

    /// <summary>Starts a fluent builder.</summary>
    /// <param name="version">The version.</param>
    /// <returns>The builder.</returns>
    public static RuleSetBuilder Create(string version) => new(version);

    /// <inheritdoc />
    public bool Equals(RuleSet? other) =>
        other is not null && Version == other.Version && Rules.SequenceEqual(other.Rules) && MinorThreshold == other.MinorThreshold && HalfLifeDays == other.HalfLifeDays;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Version, Rules.Count, MinorThreshold, HalfLifeDays);
}

/// <summary>Builds a <see cref="RuleSet"/> in C#.</summary>
public sealed class RuleSetBuilder
{
    private readonly string _version;
    private readonly List<Rule> _rules = [];
    private double? _threshold;
    private double? _halfLife;

    internal RuleSetBuilder(string version) => _version = version;

    /// <summary>Adds a critical rule.</summary>
    /// <param name="id">The id.</param>
    /// <param name="expression">The condition.</param>
    /// <param name="description">What it means.</param>
    /// <param name="tags">Tags.</param>
    /// <returns>The builder.</returns>
    public RuleSetBuilder Critical(string id, string expression, string description = "", params string[] tags)
    {
        _rules.Add(new Rule(id, expression) { Severity = SymptomSeverity.Critical, Description = description, Tags = tags });
        return this;
    }

    /// <summary>Adds a minor rule.</summary>
    /// <param name="id">The id.</param>
    /// <param name="expression">The condition.</param>
    /// <param name="weight">Its weight in the decaying sum.</param>
    /// <param name="description">What it means.</param>
    /// <param name="tags">Tags.</param>
    /// <returns>The builder.</returns>
    public RuleSetBuilder Minor(string id, string expression, double weight = 1, string description = "", params string[] tags)
    {
        _rules.Add(new Rule(id, expression) { Weight = weight, Description = description, Tags = tags });
        return this;
    }

    /// <summary>Sets the recapitulative threshold and the half-life of minor symptoms.</summary>
    /// <param name="threshold">The decayed weight at which a recapitulative symptom fires.</param>
    /// <param name="halfLifeDays">The half-life in days.</param>
    /// <returns>The builder.</returns>
    public RuleSetBuilder Recapitulate(double threshold, double halfLifeDays)
    {
        (_threshold, _halfLife) = (threshold, halfLifeDays);
        return this;
    }

    /// <summary>Builds the rule set.</summary>
    /// <returns>The rule set.</returns>
    public RuleSet Build() => new(_version, [.. _rules]) { MinorThreshold = _threshold, HalfLifeDays = _halfLife };
}
