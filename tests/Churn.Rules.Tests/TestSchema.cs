using Churn.Rules;

namespace Churn.Rules.Tests;

internal static class TestSchema
{
    public static readonly RuleSchema Schema = new(
        ["tickets_30d", "spend_30d", "payment_failures_30d", "feedback_last", "logins_30d"],
        ["plan", "region"],
        ["signup_date"]);

    public static readonly DateTimeOffset AsOf = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>An input with tickets 4, spend 250, failures 0, feedback missing, logins 12, plan Gold, region missing, signed up 100 days ago.</summary>
    public static RuleInput Input()
    {
        var input = Schema.NewInput(AsOf);
        input.Numbers[0] = 4;
        input.Numbers[1] = 250;
        input.Numbers[2] = 0;
        input.Numbers[3] = double.NaN;
        input.Numbers[4] = 12;
        input.Texts[0] = "Gold";
        input.Dates[0] = AsOf.AddDays(-100).UtcTicks;
        return input;
    }

    public static bool Eval(string rule) => RuleCompiler.Compile(rule, Schema).Evaluate(Input());
}
