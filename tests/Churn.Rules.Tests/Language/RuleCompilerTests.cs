using Churn.Rules;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static Churn.Rules.Tests.TestSchema;

namespace Churn.Rules.Tests.Language;

public sealed class RuleCompilerTests
{
    [Theory]
    [InlineData("tickets_30d == 4", true)]
    [InlineData("tickets_30d != 4", false)]
    [InlineData("tickets_30d <> 3", true)]
    [InlineData("tickets_30d < 4", false)]
    [InlineData("tickets_30d <= 4", true)]
    [InlineData("tickets_30d > 3.5", true)]
    [InlineData("tickets_30d >= 5", false)]
    [InlineData("tickets_30d + 1 == 5", true)]
    [InlineData("spend_30d - 50 == 200", true)]
    [InlineData("spend_30d * 2 == 500", true)]
    [InlineData("spend_30d / 10 == 25", true)]
    [InlineData("spend_30d % 100 == 50", true)]
    [InlineData("-tickets_30d == -4", true)]
    [InlineData("2 + 3 * 4 == 14", true)]
    [InlineData("(2 + 3) * 4 == 20", true)]
    [InlineData("tickets_30d > 3 and spend_30d > 100", true)]
    [InlineData("tickets_30d > 5 and spend_30d > 100", false)]
    [InlineData("tickets_30d > 5 or spend_30d > 100", true)]
    [InlineData("not tickets_30d > 5", true)]
    [InlineData("NOT (tickets_30d > 3 AND logins_30d > 10)", false)]
    [InlineData("tickets_30d in (1, 2, 4)", true)]
    [InlineData("tickets_30d in (1, 2, 3)", false)]
    [InlineData("tickets_30d not in (1, 2, 3)", true)]
    [InlineData("tickets_30d in (-4, 4)", true)]
    [InlineData("spend_30d between 100 and 250", true)]
    [InlineData("spend_30d between 251 and 500", false)]
    [InlineData("spend_30d not between 251 and 500", true)]
    [InlineData("plan == \"gold\"", true)]
    [InlineData("plan != \"silver\"", true)]
    [InlineData("plan in (\"GOLD\", \"platinum\")", true)]
    [InlineData("plan not in (\"silver\")", true)]
    [InlineData("abs(-tickets_30d) == 4", true)]
    [InlineData("min(tickets_30d, 2, 9) == 2", true)]
    [InlineData("max(tickets_30d, 2, 9) == 9", true)]
    [InlineData("round(2.5) == 3", true)]
    [InlineData("floor(2.7) == 2 and ceil(2.1) == 3", true)]
    [InlineData("sqrt(16) == 4", true)]
    [InlineData("coalesce(feedback_last, 7) == 7", true)]
    [InlineData("daysSince(signup_date) == 100", true)]
    [InlineData("lower(plan) == \"gold\" and upper(plan) == \"GOLD\" and len(plan) == 4", true)]
    [InlineData("contains(plan, \"ol\") and startsWith(plan, \"go\")", true)]
    [InlineData("true", true)]
    [InlineData("(tickets_30d > 3) == true", true)]
    public void Evaluate_EveryOperatorAndFunction(string rule, bool expected) => Assert.Equal(expected, Eval(rule));

    [Theory]
    [InlineData("feedback_last < 5", false)]
    [InlineData("feedback_last >= 5", false)]
    [InlineData("feedback_last == 5", false)]
    [InlineData("feedback_last != 5", false)]
    [InlineData("feedback_last in (1, 2)", false)]
    [InlineData("feedback_last not in (1, 2)", false)]
    [InlineData("feedback_last between 0 and 10", false)]
    [InlineData("feedback_last not between 0 and 10", false)]
    [InlineData("feedback_last + 1 > 0", false)]
    [InlineData("feedback_last is null", true)]
    [InlineData("feedback_last is not null", false)]
    [InlineData("region is null", true)]
    [InlineData("region == \"north\"", false)]
    [InlineData("region != \"north\"", false)]
    [InlineData("not region == \"north\"", false)]
    [InlineData("not (feedback_last == 5)", false)]
    [InlineData("not (feedback_last < 5) or tickets_30d == 4", true)]
    [InlineData("not (feedback_last < 5 and tickets_30d == 0)", true)]
    [InlineData("not (feedback_last < 5 or tickets_30d == 0)", false)]
    [InlineData("not not (feedback_last == 5)", false)]
    [InlineData("not contains(region, \"n\")", false)]
    [InlineData("not contains(plan, \"x\")", true)]
    [InlineData("not (feedback_last between 0 and 10)", false)]
    [InlineData("not (feedback_last is null)", false)]
    [InlineData("contains(region, \"n\")", false)]
    [InlineData("signup_date is not null", true)]
    [InlineData("spend_30d / 0 > 0", false)]
    [InlineData("spend_30d / 0 is null", true)]
    public void Evaluate_NullSemantics_ComparisonsWithNullAreFalse(string rule, bool expected) => Assert.Equal(expected, Eval(rule));

    [Theory]
    [InlineData("tikets_30d > 3", 1, 1, "unknown feature 'tikets_30d': did you mean 'tickets_30d'?")]
    [InlineData("tickets_30d > 3 and\n  spend_3d > 10", 2, 3, "did you mean 'spend_30d'?")]
    [InlineData("plan > 3", 1, 6, "cannot compare a text with a number")]
    [InlineData("tickets_30d + plan > 1", 1, 15, "needs a number")]
    [InlineData("tickets_30d", 1, 1, "must be a condition")]
    [InlineData("feedback_last == null", 1, 18, "is null")]
    [InlineData("abss(tickets_30d) > 1", 1, 1, "did you mean 'abs'?")]
    [InlineData("abs(1, 2) > 1", 1, 1, "takes 1 argument")]
    [InlineData("tickets_30d in (\"a\")", 1, 17, "number values only")]
    [InlineData("daysSince(plan) > 1", 1, 11, "needs a date")]
    [InlineData("signup_date > 3", 1, 13, "cannot compare a date with a number")]
    public void Compile_TypeErrors_HaveLineColumnAndAdvice(string rule, int line, int column, string message)
    {
        var ex = Assert.Throws<RuleTypeError>(() => RuleCompiler.Compile(rule, Schema));

        Assert.Equal((line, column), (ex.Line, ex.Column));
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tickets_30d >", 1, 14, "expected a condition or value after '>'")]
    [InlineData("(tickets_30d > 3", 1, 17, "expected ')'")]
    [InlineData("tickets_30d = 3", 1, 13, "use '=='")]
    [InlineData("tickets_30d > 3 && spend_30d > 1", 1, 17, "write 'and'")]
    [InlineData("plan == 'gold'", 1, 9, "double quotes")]
    [InlineData("plan == \"gold", 1, 9, "no closing double quote")]
    [InlineData("tickets_30d > 3 spend_30d", 1, 17, "missing 'and' or 'or'")]
    [InlineData("spend_30d between 1 500", 1, 21, "expected 'and'")]
    [InlineData("tickets_30d in 1, 2", 1, 16, "expected '('")]
    [InlineData("tickets_30d is 3", 1, 16, "expected 'null'")]
    [InlineData("", 1, 1, "empty")]
    [InlineData("tickets_30d > 3 #", 1, 17, "unexpected character '#'")]
    public void Compile_SyntaxErrors_HaveLineColumnAndAdvice(string rule, int line, int column, string message)
    {
        var ex = Assert.Throws<RuleSyntaxError>(() => RuleCompiler.Compile(rule, Schema));

        Assert.Equal((line, column), (ex.Line, ex.Column));
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_DeepNestingAndHugeText_AreRefusedNotStackOverflows()
    {
        var deep = new string('(', 5000) + "1 > 0" + new string(')', 5000);
        var minus = new string('-', 5000) + "1 > 0";

        Assert.Throws<RuleSyntaxError>(() => RuleCompiler.Compile(deep, Schema));
        Assert.Throws<RuleSyntaxError>(() => RuleCompiler.Compile(minus, Schema));
        Assert.Throws<RuleSyntaxError>(() => RuleCompiler.Compile(new string('1', 20_000) + " > 0", Schema));
    }

    [Fact]
    public void Compile_CannotReachDotNetMembers()
    {
        Assert.Throws<RuleTypeError>(() => RuleCompiler.Compile("System.IO.File.Exists(\"x\")", Schema));
        Assert.Throws<RuleTypeError>(() => RuleCompiler.Compile("GetType() == 1", Schema));
        Assert.Throws<RuleTypeError>(() => RuleCompiler.Compile("Divide(1, 2) > 0", Schema));
    }

    [Fact]
    public void Explain_NamesTheValuesRead()
    {
        var c = RuleCompiler.Compile("tickets_30d > 3 and plan == \"gold\" and feedback_last is null", Schema);

        Assert.Equal("tickets_30d = 4, plan = \"Gold\", feedback_last = null", c.Explain(Input()));
    }

    private static readonly string[] Pieces =
    [
        "tickets_30d", "plan", "feedback_last", "signup_date", "1", "2.5", "\"gold\"", "(", ")", ",", "and", "or", "not", "in", "between",
        "is", "null", "==", "!=", "<", ">=", "+", "-", "*", "/", "abs", "min(", "daysSince(", " ", "\n", "'", "\"", "=", "&", "#", "true", "1e5", ".", "_x",
    ];

    [Property(MaxTest = 2000)]
    public Property Compile_RandomText_NeverCrashes() =>
        Prop.ForAll(Gen.ArrayOf(Gen.Elements(Pieces)).Select(p => string.Join(" ", p)).ToArbitrary(), text =>
        {
            try
            {
                var c = RuleCompiler.Compile(text, Schema);
                _ = c.Evaluate(Input());
                return true;
            }
            catch (RuleException ex)
            {
                return ex.Line >= 1 && ex.Column >= 1;
            }
        });

    [Property(MaxTest = 500)]
    public Property Compile_ArbitraryStrings_NeverCrash() =>
        Prop.ForAll(ArbMap.Default.ArbFor<string>(), text =>
        {
            try
            {
                RuleCompiler.Compile(text ?? string.Empty, Schema).Evaluate(Input());
                return true;
            }
            catch (RuleException)
            {
                return true;
            }
        });

    [Property(MaxTest = 300)]
    public Property Between_EqualsTwoComparisons(int x, int low, int high)
    {
        var input = Schema.NewInput(AsOf);
        input.Numbers[0] = x;
        var between = RuleCompiler.Compile($"tickets_30d between {low} and {high}", Schema).Evaluate(input);
        return (between == (x >= low && x <= high)).ToProperty();
    }

    /// <summary>Three-valued logic, as a reference: null is unknown.</summary>
    private static bool? Reference(Random random, int depth, double[] x, System.Text.StringBuilder text)
    {
        var kind = depth == 0 ? 0 : random.Next(4);
        switch (kind)
        {
            case 0:
            {
                var v = random.Next(x.Length);
                var c = random.Next(3);
                var op = new[] { "==", "!=", "<", "<=", ">", ">=" }[random.Next(6)];
                text.Append(System.Globalization.CultureInfo.InvariantCulture, $"{Schema.Variables.ElementAt(v).Name} {op} {c}");
                var value = x[v];
                if (double.IsNaN(value))
                {
                    return null;
                }

                return op switch { "==" => value == c, "!=" => value != c, "<" => value < c, "<=" => value <= c, ">" => value > c, _ => value >= c };
            }

            case 1:
            {
                text.Append("not (");
                var inner = Reference(random, depth - 1, x, text);
                text.Append(')');
                return inner is null ? null : !inner;
            }

            default:
            {
                text.Append('(');
                var left = Reference(random, depth - 1, x, text);
                text.Append(kind == 2 ? " and " : " or ");
                var right = Reference(random, depth - 1, x, text);
                text.Append(')');
                return kind == 2
                    ? (left == false || right == false ? false : left is null || right is null ? null : true)
                    : (left == true || right == true ? true : left is null || right is null ? null : false);
            }
        }
    }

    [Property(MaxTest = 500)]
    public bool AnyCondition_FiresExactlyWhenThreeValuedLogicSaysTrue(PositiveInt seed)
    {
        // x != 1 and not (x == 1) agree, De Morgan holds, and a missing value never makes a rule fire by negation.
        var random = new Random(seed.Get);
        var input = Schema.NewInput(AsOf);
        var values = new double[3];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = random.Next(4) is var k && k == 3 ? double.NaN : k;
            input.Numbers[i] = values[i];
        }

        var text = new System.Text.StringBuilder();
        var expected = Reference(random, random.Next(1, 5), values, text);

        return RuleCompiler.Compile(text.ToString(), Schema).Evaluate(input) == (expected == true);
    }
}
