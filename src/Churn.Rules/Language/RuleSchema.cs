using System.Collections.Frozen;
using Churn.Abstractions;

namespace Churn.Rules;

/// <summary>The kind of value a rule variable holds.</summary>
public enum RuleValueType
{
    /// <summary>A number (a feature); missing is null.</summary>
    Number,

    /// <summary>Text (a profile attribute such as plan or region); missing is null.</summary>
    Text,

    /// <summary>A date (such as the signup date); use it through <c>daysSince(...)</c>.</summary>
    Date,

    /// <summary>True or false (the result of a condition).</summary>
    Boolean,
}

/// <summary>A variable that rules may name.</summary>
/// <param name="Name">The name, for example <c>tickets_30d</c>.</param>
/// <param name="Type">The kind of value.</param>
/// <param name="Index">Its position among the variables of its type in a <see cref="RuleInput"/>.</param>
public sealed record RuleVariable(string Name, RuleValueType Type, int Index);

/// <summary>
/// The variables rules are checked and compiled against: numeric features (in the order of a
/// <see cref="FeatureSchema"/>), text attributes and dates. Names are case-sensitive.
/// </summary>
/// <remarks>Immutable and safe to share between threads.</remarks>
public sealed class RuleSchema
{
    private readonly FrozenDictionary<string, RuleVariable> _variables;

    /// <summary>Initializes a new instance of the <see cref="RuleSchema"/> class.</summary>
    /// <param name="numbers">Numeric variables, in input order.</param>
    /// <param name="texts">Text variables, in input order.</param>
    /// <param name="dates">Date variables, in input order.</param>
    /// <exception cref="ArgumentException">A name appears twice.</exception>
    public RuleSchema(IEnumerable<string> numbers, IEnumerable<string>? texts = null, IEnumerable<string>? dates = null)
    {
        ArgumentNullException.ThrowIfNull(numbers);
        NumberNames = [.. numbers];
        TextNames = [.. texts ?? []];
        DateNames = [.. dates ?? []];
        var all = new Dictionary<string, RuleVariable>(StringComparer.Ordinal);
        void Add(IReadOnlyList<string> names, RuleValueType type)
        {
            for (var i = 0; i < names.Count; i++)
            {
                if (!all.TryAdd(names[i], new RuleVariable(names[i], type, i)))
                {
                    throw new ArgumentException($"Rule variable '{names[i]}' is defined twice.", nameof(numbers));
                }
            }
        }

        Add(NumberNames, RuleValueType.Number);
        Add(TextNames, RuleValueType.Text);
        Add(DateNames, RuleValueType.Date);
        _variables = all.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>Gets the numeric variable names, in input order.</summary>
    public IReadOnlyList<string> NumberNames { get; }

    /// <summary>Gets the text variable names, in input order.</summary>
    public IReadOnlyList<string> TextNames { get; }

    /// <summary>Gets the date variable names, in input order.</summary>
    public IReadOnlyList<string> DateNames { get; }

    /// <summary>Gets every variable.</summary>
    public IEnumerable<RuleVariable> Variables => _variables.Values;

    /// <summary>A schema whose numbers are a snapshot's features, with optional profile attributes.</summary>
    /// <param name="features">The feature schema.</param>
    /// <param name="texts">Text attributes (plan, region, ...).</param>
    /// <param name="dates">Date attributes (signup_date, ...).</param>
    /// <returns>The schema.</returns>
    public static RuleSchema FromFeatures(FeatureSchema features, IEnumerable<string>? texts = null, IEnumerable<string>? dates = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        return new RuleSchema(features.Names, texts, dates);
    }

    /// <summary>Looks a variable up.</summary>
    /// <param name="name">The name.</param>
    /// <param name="variable">The variable.</param>
    /// <returns>Whether it exists.</returns>
    public bool TryGet(string name, out RuleVariable variable) => _variables.TryGetValue(name, out variable!);

    /// <summary>Creates an empty input of the right shape (numbers NaN, texts and dates missing).</summary>
    /// <param name="asOf">The instant the input describes (for <c>daysSince</c>).</param>
    /// <returns>The input.</returns>
    public RuleInput NewInput(DateTimeOffset asOf)
    {
        var input = new RuleInput(new double[NumberNames.Count], new string?[TextNames.Count], new long[DateNames.Count], asOf.UtcTicks);
        Array.Fill(input.Numbers, double.NaN);
        Array.Fill(input.Dates, RuleInput.NoDate);
        return input;
    }

    /// <summary>Fills an input from a snapshot (numbers by name) and a profile (texts from attributes, <c>signup_date</c> from the signup).</summary>
    /// <param name="snapshot">The snapshot.</param>
    /// <param name="profile">The profile, if any.</param>
    /// <returns>The input.</returns>
    public RuleInput InputFor(CustomerSnapshot snapshot, CustomerProfile? profile = null)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var input = NewInput(snapshot.AsOf);
        for (var i = 0; i < NumberNames.Count; i++)
        {
            input.Numbers[i] = snapshot.TryGetValue(NumberNames[i], out var v) ? v : double.NaN;
        }

        if (profile is not null)
        {
            for (var i = 0; i < TextNames.Count; i++)
            {
                input.Texts[i] = profile.Attributes.TryGetValue(TextNames[i], out var s) ? s : TextNames[i] == "owner" ? profile.Owner : null;
            }

            for (var i = 0; i < DateNames.Count; i++)
            {
                if (DateNames[i] == "signup_date" && profile.SignupDate is { } d)
                {
                    input.Dates[i] = d.UtcTicks;
                }
            }
        }

        return input;
    }
}

/// <summary>
/// The values one evaluation reads: numbers (NaN = missing), texts (null = missing) and dates
/// (UTC ticks, <see cref="NoDate"/> = missing), laid out as a <see cref="RuleSchema"/> says.
/// </summary>
/// <param name="Numbers">The numbers.</param>
/// <param name="Texts">The texts.</param>
/// <param name="Dates">The dates as UTC ticks.</param>
/// <param name="AsOfTicks">The instant, in UTC ticks.</param>
public sealed record RuleInput(double[] Numbers, string?[] Texts, long[] Dates, long AsOfTicks)
{
    /// <summary>The value of a missing date.</summary>
    public const long NoDate = long.MinValue;
}
