using System.Linq.Expressions;
using System.Reflection;

namespace Churn.Rules;

/// <summary>A rule condition, parsed, type-checked and compiled to a delegate.</summary>
/// <remarks>Immutable; the predicate is safe to call from many threads.</remarks>
public sealed class CompiledCondition
{
    internal CompiledCondition(string text, Func<RuleInput, bool> predicate, IReadOnlyList<RuleVariable> variables)
    {
        Text = text;
        Predicate = predicate;
        Variables = variables;
    }

    /// <summary>Gets the rule text.</summary>
    public string Text { get; }

    /// <summary>Gets the compiled predicate.</summary>
    public Func<RuleInput, bool> Predicate { get; }

    /// <summary>Gets the variables the condition reads, in order of first use.</summary>
    public IReadOnlyList<RuleVariable> Variables { get; }

    /// <summary>Evaluates the condition.</summary>
    /// <param name="input">The values.</param>
    /// <returns>Whether it holds.</returns>
    public bool Evaluate(RuleInput input) => Predicate(input);

    /// <summary>Describes the values the condition read, for example "payment_failures_30d = 4, plan = \"gold\"".</summary>
    /// <param name="input">The values.</param>
    /// <returns>The description.</returns>
    public string Explain(RuleInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return string.Join(", ", Variables.Select(v => v.Type switch
        {
            RuleValueType.Number => double.IsNaN(input.Numbers[v.Index]) ? $"{v.Name} = null" : $"{v.Name} = {input.Numbers[v.Index].ToString("0.####", System.Globalization.CultureInfo.InvariantCulture)}",
            RuleValueType.Text => input.Texts[v.Index] is { } s ? $"{v.Name} = \"{s}\"" : $"{v.Name} = null",
            _ => input.Dates[v.Index] == RuleInput.NoDate ? $"{v.Name} = null" : $"{v.Name} = {new DateTime(input.Dates[v.Index], DateTimeKind.Utc):yyyy-MM-dd}",
        }));
    }
}

/// <summary>
/// Type-checks a parsed rule against a <see cref="RuleSchema"/> and compiles it to a delegate
/// with System.Linq.Expressions. The only members a rule can reach are the input's value arrays
/// and the fixed functions in <see cref="RuleFunctions"/>: no reflection, no I/O, no other .NET API.
/// Arithmetic with a missing value gives a missing value. Conditions follow three-valued logic
/// (as SQL does): a comparison with a missing value is unknown, <c>not</c> of unknown is unknown,
/// <c>false and unknown</c> is false, <c>true or unknown</c> is true, and a rule fires only when its
/// condition is true. So <c>x != 1</c> and <c>not (x == 1)</c> agree: neither fires when x is
/// missing (test that with <c>x is null</c>). Each condition is compiled as "is true" and, where a
/// <c>not</c> needs it, "is false"; no nullable booleans at run time.
/// </summary>
public static class RuleCompiler
{
    private static readonly ParameterExpression Input = Expression.Parameter(typeof(RuleInput), "input");

    /// <summary>Parses, checks and compiles a condition.</summary>
    /// <param name="text">The rule text, for example <c>tickets_30d >= 3 and plan in ("gold", "platinum")</c>.</param>
    /// <param name="schema">The variables it may name.</param>
    /// <returns>The compiled condition.</returns>
    /// <exception cref="RuleSyntaxError">The text is not well formed.</exception>
    /// <exception cref="RuleTypeError">A name is unknown or a value is of the wrong kind.</exception>
    public static CompiledCondition Compile(string text, RuleSchema schema)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(schema);
        var ast = Parser.Parse(text);
        var variables = new List<RuleVariable>();
        var (expression, type) = new Builder(schema, variables).Build(ast);
        if (type != RuleValueType.Boolean)
        {
            throw new RuleTypeError(ast.Line, ast.Column, $"the rule must be a condition (true or false), but it is a {Name(type)}; compare it, for example '... > 0'");
        }

        var lambda = Expression.Lambda<Func<RuleInput, bool>>(expression, Input);
        return new CompiledCondition(text, lambda.Compile(), variables);
    }

    /// <summary>Checks a condition without compiling it.</summary>
    /// <param name="text">The rule text.</param>
    /// <param name="schema">The variables it may name.</param>
    /// <returns>The error, or <see langword="null"/> when the rule is valid.</returns>
    public static RuleException? Check(string text, RuleSchema schema)
    {
        try
        {
            ArgumentNullException.ThrowIfNull(text);
            var ast = Parser.Parse(text);
            var (_, type) = new Builder(schema, []).Build(ast);
            return type == RuleValueType.Boolean ? null : new RuleTypeError(ast.Line, ast.Column, $"the rule must be a condition (true or false), but it is a {Name(type)}");
        }
        catch (RuleException ex)
        {
            return ex;
        }
    }

    internal static string Name(RuleValueType t) => t switch
    {
        RuleValueType.Number => "number",
        RuleValueType.Text => "text",
        RuleValueType.Date => "date",
        _ => "condition",
    };

    /// <summary>A compiled node: its value (for a condition, "is true"), its type, and for a condition how to build "is false".</summary>
    private readonly record struct Built(Expression Expression, RuleValueType Type, Func<Expression>? False = null)
    {
        public static implicit operator Built((Expression Expression, RuleValueType Type) value) => new(value.Expression, value.Type);

        public Expression IsFalse() => False?.Invoke() ?? Expression.Not(Expression);

        public void Deconstruct(out Expression expression, out RuleValueType type) => (expression, type) = (Expression, Type);
    }

    private sealed class Builder(RuleSchema schema, List<RuleVariable> used)
    {
        private static readonly MethodInfo[] Functions = typeof(RuleFunctions).GetMethods(BindingFlags.Public | BindingFlags.Static);

        public Built Build(Node node) => node switch
        {
            NumberLiteral n => (Expression.Constant(n.Value), RuleValueType.Number),
            StringLiteral s => (Expression.Constant(s.Value, typeof(string)), RuleValueType.Text),
            BoolLiteral b => new Built(Expression.Constant(b.Value), RuleValueType.Boolean, () => Expression.Constant(!b.Value)),
            NullLiteral n => throw new RuleTypeError(n.Line, n.Column, "null can only be tested with 'is null' or 'is not null'"),
            Variable v => Variable(v),
            Unary u => Unary(u),
            Binary b => Binary(b),
            InList i => In(i),
            Between b => BetweenNode(b),
            IsNull i => IsNullNode(i),
            Call c => CallNode(c),
            _ => throw new RuleSyntaxError(node.Line, node.Column, "unsupported expression"),
        };

        private static MethodInfo Method(string name) => Functions.First(m => m.Name == name);

        private static RuleTypeError Mismatch(Node at, string what, RuleValueType expected, RuleValueType actual) =>
            new(at.Line, at.Column, $"{what} needs a {Name(expected)}, but this is a {Name(actual)}");

        private Built Variable(Variable v)
        {
            if (!schema.TryGet(v.Name, out var variable))
            {
                var suggestion = Churn.Shared.NameSuggestions.Closest(v.Name, schema.Variables.Select(x => x.Name));
                throw new RuleTypeError(v.Line, v.Column, suggestion is null
                    ? $"unknown feature '{v.Name}'"
                    : $"unknown feature '{v.Name}': did you mean '{suggestion}'?");
            }

            if (!used.Contains(variable))
            {
                used.Add(variable);
            }

            var index = Expression.Constant(variable.Index);
            return variable.Type switch
            {
                RuleValueType.Number => (Expression.ArrayIndex(Expression.Property(Input, nameof(RuleInput.Numbers)), index), RuleValueType.Number),
                RuleValueType.Text => (Expression.ArrayIndex(Expression.Property(Input, nameof(RuleInput.Texts)), index), RuleValueType.Text),
                _ => (Expression.ArrayIndex(Expression.Property(Input, nameof(RuleInput.Dates)), index), RuleValueType.Date),
            };
        }

        private Built Unary(Unary u)
        {
            var operand = Build(u.Operand);
            var (e, t) = operand;
            if (u.Op == "not")
            {
                // Not true is "is false", not "is not true": unknown stays unknown.
                return t == RuleValueType.Boolean ? new Built(operand.IsFalse(), RuleValueType.Boolean, () => e) : throw Mismatch(u.Operand, "'not'", RuleValueType.Boolean, t);
            }

            return t == RuleValueType.Number ? (Expression.Negate(e), RuleValueType.Number) : throw Mismatch(u.Operand, "'-'", RuleValueType.Number, t);
        }

        private Built Binary(Binary b)
        {
            if (b.Op is "and" or "or")
            {
                var leftNode = Build(b.Left);
                var rightNode = Build(b.Right);
                var (l, lt) = leftNode;
                var (r, rt) = rightNode;
                if (lt != RuleValueType.Boolean)
                {
                    throw Mismatch(b.Left, $"'{b.Op}'", RuleValueType.Boolean, lt);
                }

                if (rt != RuleValueType.Boolean)
                {
                    throw Mismatch(b.Right, $"'{b.Op}'", RuleValueType.Boolean, rt);
                }

                return b.Op == "and"
                    ? new Built(Expression.AndAlso(l, r), RuleValueType.Boolean, () => Expression.OrElse(leftNode.IsFalse(), rightNode.IsFalse()))
                    : new Built(Expression.OrElse(l, r), RuleValueType.Boolean, () => Expression.AndAlso(leftNode.IsFalse(), rightNode.IsFalse()));
            }

            if (b.Right is NullLiteral || b.Left is NullLiteral)
            {
                var at = b.Right is NullLiteral ? b.Right : b.Left;
                throw new RuleTypeError(at.Line, at.Column, $"a comparison with null is always false: write 'is null' or 'is not null' instead of '{b.Op} null'");
            }

            var (left, leftType) = Build(b.Left);
            var (right, rightType) = Build(b.Right);
            if (b.Op is "+" or "-" or "*" or "/" or "%")
            {
                if (leftType != RuleValueType.Number)
                {
                    throw Mismatch(b.Left, $"'{b.Op}'", RuleValueType.Number, leftType);
                }

                if (rightType != RuleValueType.Number)
                {
                    throw Mismatch(b.Right, $"'{b.Op}'", RuleValueType.Number, rightType);
                }

                return (b.Op switch
                {
                    "+" => Expression.Add(left, right),
                    "-" => Expression.Subtract(left, right),
                    "*" => Expression.Multiply(left, right),
                    "/" => Expression.Call(Method(nameof(RuleFunctions.Divide)), left, right),
                    _ => Expression.Call(Method(nameof(RuleFunctions.Modulo)), left, right),
                }, RuleValueType.Number);
            }

            if (leftType != rightType)
            {
                throw new RuleTypeError(b.Line, b.Column, $"cannot compare a {Name(leftType)} with a {Name(rightType)} using '{b.Op}'");
            }

            // Each comparison is true only with both sides known, and false only with both sides
            // known: its "is false" is the opposite comparison (IEEE comparisons with NaN are false).
            Expression NumberComparison(string op) => op switch
            {
                "==" => Expression.Equal(left, right),
                "!=" => Expression.Call(Method(nameof(RuleFunctions.NumberNotEqual)), left, right),
                "<" => Expression.LessThan(left, right),
                "<=" => Expression.LessThanOrEqual(left, right),
                ">" => Expression.GreaterThan(left, right),
                _ => Expression.GreaterThanOrEqual(left, right),
            };
            Expression TextComparison(string op) => op switch
            {
                "==" => Expression.Call(Method(nameof(RuleFunctions.TextEqual)), left, right),
                "!=" => Expression.Call(Method(nameof(RuleFunctions.TextNotEqual)), left, right),
                _ => Expression.Call(Method(nameof(RuleFunctions.TextOrdered)), left, right, Expression.Constant(op switch { "<" => 0, "<=" => 1, ">" => 2, _ => 3 })),
            };
            var opposite = b.Op switch { "==" => "!=", "!=" => "==", "<" => ">=", "<=" => ">", ">" => "<=", _ => "<" };
            switch (leftType)
            {
                case RuleValueType.Number:
                    return new Built(NumberComparison(b.Op), RuleValueType.Boolean, () => NumberComparison(opposite));
                case RuleValueType.Text:
                    return new Built(TextComparison(b.Op), RuleValueType.Boolean, () => TextComparison(opposite));
                case RuleValueType.Boolean when b.Op is "==" or "!=":
                {
                    var l = Build(b.Left);
                    var r = Build(b.Right);
                    var same = Expression.OrElse(Expression.AndAlso(l.Expression, r.Expression), Expression.AndAlso(l.IsFalse(), r.IsFalse()));
                    var differ = Expression.OrElse(Expression.AndAlso(l.Expression, r.IsFalse()), Expression.AndAlso(l.IsFalse(), r.Expression));
                    return b.Op == "==" ? new Built(same, RuleValueType.Boolean, () => differ) : new Built(differ, RuleValueType.Boolean, () => same);
                }

                default:
                    throw new RuleTypeError(b.Line, b.Column, $"'{b.Op}' cannot compare {Name(leftType)}s{(leftType == RuleValueType.Date ? "; use daysSince(...) to turn a date into a number of days" : string.Empty)}");
            }
        }

        private Built In(InList node)
        {
            var (value, type) = Build(node.Value);
            if (type == RuleValueType.Number)
            {
                var set = new HashSet<double>();
                foreach (var item in node.Items)
                {
                    set.Add(item switch
                    {
                        NumberLiteral n => n.Value,
                        Unary { Op: "-", Operand: NumberLiteral n } => -n.Value,
                        _ => throw new RuleTypeError(item.Line, item.Column, "an 'in' list of numbers holds number values only, like (1, 2, 3)"),
                    });
                }

                var (yes, no) = (Method(nameof(RuleFunctions.InNumbers)), Method(nameof(RuleFunctions.NotInNumbers)));
                var constant = Expression.Constant(set);
                return new Built(Expression.Call(node.Negated ? no : yes, value, constant), RuleValueType.Boolean, () => Expression.Call(node.Negated ? yes : no, value, constant));
            }

            if (type == RuleValueType.Text)
            {
                var set = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                foreach (var item in node.Items)
                {
                    set.Add(item is StringLiteral s ? s.Value : throw new RuleTypeError(item.Line, item.Column, "an 'in' list of text holds text values in double quotes only, like (\"gold\", \"silver\")"));
                }

                var (yes, no) = (Method(nameof(RuleFunctions.InTexts)), Method(nameof(RuleFunctions.NotInTexts)));
                var constant = Expression.Constant(set);
                return new Built(Expression.Call(node.Negated ? no : yes, value, constant), RuleValueType.Boolean, () => Expression.Call(node.Negated ? yes : no, value, constant));
            }

            throw new RuleTypeError(node.Value.Line, node.Value.Column, $"'in' needs a number or text on its left, but this is a {Name(type)}");
        }

        private Built BetweenNode(Between node)
        {
            var (value, type) = Build(node.Value);
            var (low, lowType) = Build(node.Low);
            var (high, highType) = Build(node.High);
            foreach (var (t, at) in new[] { (type, node.Value), (lowType, node.Low), (highType, node.High) })
            {
                if (t != RuleValueType.Number)
                {
                    throw Mismatch(at, "'between'", RuleValueType.Number, t);
                }
            }

            // Inclusive; a missing value makes both 'between' and 'not between' unknown.
            Expression Test(bool outside)
            {
                var temp = Expression.Variable(typeof(double), "v");
                var inside = Expression.AndAlso(Expression.GreaterThanOrEqual(temp, low), Expression.LessThanOrEqual(temp, high));
                Expression body = outside
                    ? Expression.AndAlso(
                        Expression.AndAlso(Expression.Not(Expression.Call(typeof(double), nameof(double.IsNaN), null, temp)), Expression.Not(Expression.Call(typeof(double), nameof(double.IsNaN), null, low))),
                        Expression.AndAlso(Expression.Not(Expression.Call(typeof(double), nameof(double.IsNaN), null, high)), Expression.Not(inside)))
                    : inside;
                return Expression.Block(typeof(bool), [temp], Expression.Assign(temp, value), body);
            }

            return new Built(Test(node.Negated), RuleValueType.Boolean, () => Test(!node.Negated));
        }

        private Built IsNullNode(IsNull node)
        {
            var (value, type) = Build(node.Value);
            Expression test = type switch
            {
                RuleValueType.Number => Expression.Call(typeof(double), nameof(double.IsNaN), null, value),
                RuleValueType.Text => Expression.Equal(value, Expression.Constant(null, typeof(string))),
                RuleValueType.Date => Expression.Equal(value, Expression.Constant(RuleInput.NoDate)),
                _ => throw new RuleTypeError(node.Line, node.Column, "a condition is never null"),
            };
            return new Built(node.Negated ? Expression.Not(test) : test, RuleValueType.Boolean, () => node.Negated ? test : Expression.Not(test));
        }

        private Built CallNode(Call call)
        {
            if (!RuleFunctions.Catalogue.TryGetValue(call.Name, out var f))
            {
                var suggestion = Churn.Shared.NameSuggestions.Closest(call.Name, RuleFunctions.Catalogue.Keys);
                throw new RuleTypeError(call.Line, call.Column, $"unknown function '{call.Name}'" + (suggestion is null ? $"; the functions are {string.Join(", ", RuleFunctions.Catalogue.Keys)}" : $": did you mean '{suggestion}'?"));
            }

            var args = call.Arguments.Select(Build).ToList();
            if (f.Variadic ? args.Count < f.Parameters.Length : args.Count != f.Parameters.Length)
            {
                throw new RuleTypeError(call.Line, call.Column, $"{call.Name} takes {(f.Variadic ? "at least " : string.Empty)}{f.Parameters.Length} argument{(f.Parameters.Length == 1 ? string.Empty : "s")}, {args.Count} given");
            }

            for (var i = 0; i < args.Count; i++)
            {
                var expected = f.Parameters[Math.Min(i, f.Parameters.Length - 1)];
                if (args[i].Type != expected)
                {
                    throw Mismatch(call.Arguments[i], $"argument {i + 1} of {call.Name}", expected, args[i].Type);
                }
            }

            var method = Method(f.Method);
            Expression body = f.Variadic
                ? Expression.Call(method, Expression.NewArrayInit(typeof(double), args.Select(a => a.Expression)))
                : call.Name.Equals("daysSince", StringComparison.OrdinalIgnoreCase)
                    ? Expression.Call(method, args[0].Expression, Expression.Property(Input, nameof(RuleInput.AsOfTicks)))
                    : Expression.Call(method, args.Select(a => a.Expression));
            if (f.Result == RuleValueType.Boolean)
            {
                // contains / startsWith: false only when every text argument is known.
                var known = args.Select(a => (Expression)Expression.NotEqual(a.Expression, Expression.Constant(null, typeof(string)))).Aggregate(Expression.AndAlso);
                return new Built(body, RuleValueType.Boolean, () => Expression.AndAlso(known, Expression.Not(body)));
            }

            return (body, f.Result);
        }
    }
}
