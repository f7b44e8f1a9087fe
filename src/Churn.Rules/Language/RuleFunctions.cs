namespace Churn.Rules;

/// <summary>The fixed set of functions rules may call, and the helpers compiled rules use. Nothing else is reachable from a rule.</summary>
internal static class RuleFunctions
{
    public static readonly IReadOnlyDictionary<string, (RuleValueType[] Parameters, bool Variadic, RuleValueType Result, string Method)> Catalogue =
        new Dictionary<string, (RuleValueType[], bool, RuleValueType, string)>(StringComparer.OrdinalIgnoreCase)
        {
            ["abs"] = ([RuleValueType.Number], false, RuleValueType.Number, nameof(Abs)),
            ["min"] = ([RuleValueType.Number, RuleValueType.Number], true, RuleValueType.Number, nameof(Min)),
            ["max"] = ([RuleValueType.Number, RuleValueType.Number], true, RuleValueType.Number, nameof(Max)),
            ["round"] = ([RuleValueType.Number], false, RuleValueType.Number, nameof(Round)),
            ["floor"] = ([RuleValueType.Number], false, RuleValueType.Number, nameof(Floor)),
            ["ceil"] = ([RuleValueType.Number], false, RuleValueType.Number, nameof(Ceil)),
            ["sqrt"] = ([RuleValueType.Number], false, RuleValueType.Number, nameof(Sqrt)),
            ["ln"] = ([RuleValueType.Number], false, RuleValueType.Number, nameof(Ln)),
            ["coalesce"] = ([RuleValueType.Number, RuleValueType.Number], false, RuleValueType.Number, nameof(Coalesce)),
            ["daysSince"] = ([RuleValueType.Date], false, RuleValueType.Number, nameof(DaysSince)),
            ["lower"] = ([RuleValueType.Text], false, RuleValueType.Text, nameof(Lower)),
            ["upper"] = ([RuleValueType.Text], false, RuleValueType.Text, nameof(Upper)),
            ["len"] = ([RuleValueType.Text], false, RuleValueType.Number, nameof(Len)),
            ["contains"] = ([RuleValueType.Text, RuleValueType.Text], false, RuleValueType.Boolean, nameof(Contains)),
            ["startsWith"] = ([RuleValueType.Text, RuleValueType.Text], false, RuleValueType.Boolean, nameof(StartsWith)),
        };

    public static double Abs(double x) => Math.Abs(x);

    public static double Min(double[] xs)
    {
        var m = double.PositiveInfinity;
        foreach (var x in xs)
        {
            if (double.IsNaN(x))
            {
                return double.NaN;
            }

            m = Math.Min(m, x);
        }

        return m;
    }

    public static double Max(double[] xs)
    {
        var m = double.NegativeInfinity;
        foreach (var x in xs)
        {
            if (double.IsNaN(x))
            {
                return double.NaN;
            }

            m = Math.Max(m, x);
        }

        return m;
    }

    public static double Round(double x) => Math.Round(x, MidpointRounding.AwayFromZero);

    public static double Floor(double x) => Math.Floor(x);

    public static double Ceil(double x) => Math.Ceiling(x);

    public static double Sqrt(double x) => x < 0 ? double.NaN : Math.Sqrt(x);

    public static double Ln(double x) => x <= 0 ? double.NaN : Math.Log(x);

    public static double Coalesce(double x, double fallback) => double.IsNaN(x) ? fallback : x;

    public static double DaysSince(long ticks, long asOf) => ticks == RuleInput.NoDate ? double.NaN : (asOf - ticks) / (double)TimeSpan.TicksPerDay;

    public static string? Lower(string? s) => s?.ToLowerInvariant();

    public static string? Upper(string? s) => s?.ToUpperInvariant();

    public static double Len(string? s) => s is null ? double.NaN : s.Length;

    public static bool Contains(string? s, string? part) => s is not null && part is not null && s.Contains(part, StringComparison.OrdinalIgnoreCase);

    public static bool StartsWith(string? s, string? part) => s is not null && part is not null && s.StartsWith(part, StringComparison.OrdinalIgnoreCase);

    public static double Divide(double a, double b) => b == 0 ? double.NaN : a / b;

    public static double Modulo(double a, double b) => b == 0 ? double.NaN : a % b;

    public static bool NumberNotEqual(double a, double b) => !double.IsNaN(a) && !double.IsNaN(b) && a != b;

    public static bool TextEqual(string? a, string? b) => a is not null && b is not null && string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    public static bool TextNotEqual(string? a, string? b) => a is not null && b is not null && !string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    public static int TextCompare(string? a, string? b) => string.Compare(a, b, StringComparison.OrdinalIgnoreCase);

    public static bool TextOrdered(string? a, string? b, int op) => a is not null && b is not null && op switch
    {
        0 => TextCompare(a, b) < 0,
        1 => TextCompare(a, b) <= 0,
        2 => TextCompare(a, b) > 0,
        _ => TextCompare(a, b) >= 0,
    };

    public static bool InNumbers(double x, HashSet<double> set) => !double.IsNaN(x) && set.Contains(x);

    public static bool NotInNumbers(double x, HashSet<double> set) => !double.IsNaN(x) && !set.Contains(x);

    public static bool InTexts(string? x, HashSet<string> set) => x is not null && set.Contains(x);

    public static bool NotInTexts(string? x, HashSet<string> set) => x is not null && !set.Contains(x);
}
