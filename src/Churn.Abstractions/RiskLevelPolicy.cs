using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Microsoft.Extensions.Options;

namespace Churn.Abstractions;

/// <summary>Options of the <see cref="RiskLevelPolicy"/>.</summary>
public sealed class RiskLevelPolicyOptions
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

    /// <summary>Gets or sets a value indicating whether the high cut-off is the model's profit-optimal one (the probability above which contacting customers maximises the expected profit, EMPC, in cross-validation) when the model file has it; <see cref="High"/> otherwise. The medium and critical cut-offs are moved, if needed, to keep the order.</summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool ProfitOptimalHigh { get; set; }

    /// <summary>Gets or sets the level a critical symptom lifts a customer to, at least.</summary>
    /// <value>The default is <see cref="RiskLevel.High"/>.</value>
    [EnumDataType(typeof(RiskLevel))]
    public RiskLevel CriticalSymptomLevel { get; set; } = RiskLevel.High;

    /// <summary>Gets or sets the level the recapitulative symptom (minor symptoms adding up) lifts a customer to, at least.</summary>
    /// <value>The default is <see cref="RiskLevel.Medium"/>.</value>
    [EnumDataType(typeof(RiskLevel))]
    public RiskLevel RecapitulativeSymptomLevel { get; set; } = RiskLevel.Medium;
}

/// <summary>Validates the attributes of <see cref="RiskLevelPolicyOptions"/>.</summary>
[OptionsValidator]
internal sealed partial class RiskLevelPolicyOptionsValidator : IValidateOptions<RiskLevelPolicyOptions>
{
}

/// <summary>The rules of <see cref="RiskLevelPolicyOptions"/> that span members.</summary>
internal sealed class RiskLevelPolicyOptionsRules : IValidateOptions<RiskLevelPolicyOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, RiskLevelPolicyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var b = new ValidateOptionsResultBuilder();
        if (!(options.Medium <= options.High && options.High <= options.Critical))
        {
            b.AddError(string.Create(CultureInfo.InvariantCulture, $"the cut-offs must satisfy medium <= high <= critical (medium {options.Medium}, high {options.High}, critical {options.Critical})"), nameof(options.High));
        }

        if (options.CriticalSymptomLevel is RiskLevel.Churned)
        {
            b.AddError("a symptom cannot make a customer churned", nameof(options.CriticalSymptomLevel));
        }

        if (options.RecapitulativeSymptomLevel is RiskLevel.Churned)
        {
            b.AddError("a symptom cannot make a customer churned", nameof(options.RecapitulativeSymptomLevel));
        }

        return b.Build();
    }
}

/// <summary>A risk level and the policy rule that set it.</summary>
/// <param name="Level">The level.</param>
/// <param name="Reason">Which rule set it, in words.</param>
public readonly record struct RiskLevelDecision(RiskLevel Level, string Reason);

/// <summary>
/// Turns a probability and symptoms into a risk level, and says why: probability cut-offs for
/// medium, high and critical, then symptoms lift the level (a critical symptom to at least high, the
/// recapitulative one to at least medium, by default). Customers who have already churned are not
/// scored and get <see cref="RiskLevel.Churned"/> from <see cref="Churned"/>.
/// </summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class RiskLevelPolicy
{
    private readonly RiskLevelPolicyOptions _options;

    /// <summary>The reason sentences by level and rounded probability, written when first needed (a benign race: any thread may write an equal one).</summary>
    private readonly string?[] _sentences = new string?[4 * 1001];

    /// <summary>Initializes a new instance of the <see cref="RiskLevelPolicy"/> class.</summary>
    /// <param name="options">The cut-offs and symptom levels; defaults when null.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public RiskLevelPolicy(RiskLevelPolicyOptions? options = null)
    {
        options ??= new RiskLevelPolicyOptions();
        var failures = new[] { new RiskLevelPolicyOptionsValidator().Validate(null, options), new RiskLevelPolicyOptionsRules().Validate(null, options) }
            .Where(r => r.Failed).SelectMany(r => r.Failures ?? []).ToList();
        if (failures.Count > 0)
        {
            throw new ArgumentException("RiskLevelPolicyOptions is invalid: " + string.Join(" ", failures), nameof(options));
        }

        _options = new RiskLevelPolicyOptions
        {
            Medium = options.Medium,
            High = options.High,
            Critical = options.Critical,
            ProfitOptimalHigh = options.ProfitOptimalHigh,
            CriticalSymptomLevel = options.CriticalSymptomLevel,
            RecapitulativeSymptomLevel = options.RecapitulativeSymptomLevel,
        };
    }

    /// <summary>Initializes a new instance of the <see cref="RiskLevelPolicy"/> class from validated options.</summary>
    /// <param name="options">The options.</param>
    public RiskLevelPolicy(IOptions<RiskLevelPolicyOptions> options)
        : this((options ?? throw new ArgumentNullException(nameof(options))).Value)
    {
    }

    /// <summary>Gets the medium cut-off.</summary>
    public double Medium => _options.Medium;

    /// <summary>Gets the high cut-off.</summary>
    public double High => _options.High;

    /// <summary>Gets the critical cut-off.</summary>
    public double Critical => _options.Critical;

    /// <summary>Gets a value indicating whether the high cut-off should be the model's profit-optimal one, when known.</summary>
    public bool ProfitOptimalHigh => _options.ProfitOptimalHigh;

    /// <summary>Returns the policy with another high cut-off (the profit-optimal one, say), moving medium and critical if needed to keep the order.</summary>
    /// <param name="high">The high cut-off, in [0, 1].</param>
    /// <returns>The new policy.</returns>
    public RiskLevelPolicy WithHigh(double high)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(high, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(high, 1);
        return new RiskLevelPolicy(new RiskLevelPolicyOptions
        {
            Medium = Math.Min(_options.Medium, high),
            High = high,
            Critical = Math.Max(_options.Critical, high),
            CriticalSymptomLevel = _options.CriticalSymptomLevel,
            RecapitulativeSymptomLevel = _options.RecapitulativeSymptomLevel,
        });
    }

    /// <summary>Maps a probability to a level by the cut-offs alone.</summary>
    /// <param name="probability">The probability.</param>
    /// <returns>The level.</returns>
    public RiskLevel LevelOf(double probability) =>
        probability >= _options.Critical ? RiskLevel.Critical
        : probability >= _options.High ? RiskLevel.High
        : probability >= _options.Medium ? RiskLevel.Medium
        : RiskLevel.Low;

    /// <summary>Decides the level of a customer who has not churned.</summary>
    /// <param name="probability">The calibrated probability, or <see langword="null"/> when no model scored the customer (symptoms alone then decide).</param>
    /// <param name="symptoms">The symptoms that hold.</param>
    /// <returns>The level and the rule that set it.</returns>
    public RiskLevelDecision Decide(double? probability, IReadOnlyList<Symptom> symptoms)
    {
        ArgumentNullException.ThrowIfNull(symptoms);
        var level = probability is { } p ? LevelOf(p) : RiskLevel.Low;
        var reason = probability is { } q ? ByProbability(q, level) : "no model scored the customer: the level comes from symptoms alone";
        var basis = level;
        Symptom? critical = null, recap = null;
        foreach (var s in symptoms)
        {
            if (s.Severity == SymptomSeverity.Critical)
            {
                critical ??= s;
            }
            else if (s.Severity == SymptomSeverity.Recapitulative)
            {
                recap ??= s;
            }
        }

        if (critical is not null && _options.CriticalSymptomLevel > level)
        {
            level = _options.CriticalSymptomLevel;
            reason = $"critical symptom '{critical.RuleId}' lifts the level to {Name(level)} ({(probability is null ? "no probability" : $"the probability alone gives {Name(basis)}")})";
        }

        if (recap is not null && _options.RecapitulativeSymptomLevel > level)
        {
            level = _options.RecapitulativeSymptomLevel;
            reason = $"minor symptoms add up ({recap.Components.Count} of them, {recap.Weight.ToString("0.##", CultureInfo.InvariantCulture)} in weight) and lift the level to {Name(level)} ({(probability is null ? "no probability" : $"the probability alone gives {Name(basis)}")})";
        }

        return new RiskLevelDecision(level, reason);
    }

    /// <summary>The decision for a customer who had already churned at the instant.</summary>
    /// <param name="churnedAt">When the customer churned.</param>
    /// <param name="how">How, in words (for example "cancelled the subscription").</param>
    /// <returns>The decision.</returns>
    public static RiskLevelDecision Churned(DateTimeOffset churnedAt, string how) =>
        new(RiskLevel.Churned, string.Create(CultureInfo.InvariantCulture, $"{how} on {churnedAt:yyyy-MM-dd}: already churned, not scored"));

    /// <summary>The level's name in lower case, as the CLI and JSON write it.</summary>
    /// <param name="level">The level.</param>
    /// <returns>low, medium, high, critical or churned.</returns>
    public static string Name(RiskLevel level) => level switch
    {
        RiskLevel.Low => "low",
        RiskLevel.Medium => "medium",
        RiskLevel.High => "high",
        RiskLevel.Critical => "critical",
        RiskLevel.Churned => "churned",
        _ => level.ToString().ToLowerInvariant(),
    };

    /// <summary>Reads a level's name as <see cref="Name"/> writes it.</summary>
    /// <param name="name">low, medium, high, critical or churned.</param>
    /// <returns>The level.</returns>
    /// <exception cref="FormatException">The name is none of these.</exception>
    public static RiskLevel Parse(string name) => name switch
    {
        "low" => RiskLevel.Low,
        "medium" => RiskLevel.Medium,
        "high" => RiskLevel.High,
        "critical" => RiskLevel.Critical,
        "churned" => RiskLevel.Churned,
        _ => throw new FormatException($"level '{name}' is not low, medium, high, critical or churned"),
    };

    private string ByProbability(double p, RiskLevel level)
    {
        // Rounded, then written in the shortest form: as "0.###" would, without parsing a format for every customer.
        // There are 1,001 rounded probabilities per level: each sentence is written once (a live monitor decides on every event).
        var q = Math.Round(p, 3) + 0.0;
        var index = q is >= 0 and <= 1 && (int)level < 4 ? ((int)level * 1001) + (int)Math.Round(q * 1000) : -1;
        if (index >= 0 && _sentences[index] is { } known)
        {
            return known;
        }

        var sentence = Sentence(q, level);
        if (index >= 0)
        {
            _sentences[index] = sentence;
        }

        return sentence;
    }

    private string Sentence(double q, RiskLevel level)
    {
        return level switch
        {
            RiskLevel.Critical => string.Create(CultureInfo.InvariantCulture, $"probability {q} is at least the critical cut-off {Math.Round(_options.Critical, 3)}"),
            RiskLevel.High => string.Create(CultureInfo.InvariantCulture, $"probability {q} is at least the high cut-off {Math.Round(_options.High, 3)}"),
            RiskLevel.Medium => string.Create(CultureInfo.InvariantCulture, $"probability {q} is at least the medium cut-off {Math.Round(_options.Medium, 3)}"),
            _ => string.Create(CultureInfo.InvariantCulture, $"probability {q} is below the medium cut-off {Math.Round(_options.Medium, 3)}"),
        };
    }
}
