namespace Churn.Rules;

/// <summary>Recursive-descent parser: or → and → not → comparison → additive → multiplicative → unary → primary.</summary>
internal sealed class Parser
{
    private const int MaxDepth = 64;
    private const int MaxListItems = 1_000;
    private readonly List<Token> _tokens;
    private int _position;
    private int _depth;

    private Parser(List<Token> tokens) => _tokens = tokens;

    private Token Current => _tokens[_position];

    public static Node Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new Parser(Lexer.Tokenize(text));
        if (parser.Current.Kind == TokenKind.End)
        {
            throw new RuleSyntaxError(1, 1, "the rule is empty");
        }

        var node = parser.Or();
        if (parser.Current.Kind != TokenKind.End)
        {
            var t = parser.Current;
            throw new RuleSyntaxError(t.Line, t.Column, $"unexpected '{t.Text}' after a complete condition (a missing 'and' or 'or'?)");
        }

        return node;
    }

    private static string Describe(Token t) => t.Kind switch
    {
        TokenKind.End => "the end of the rule",
        TokenKind.String => $"\"{t.Text}\"",
        _ => $"'{t.Text}'",
    };

    private bool IsKeyword(string word) => Current.Kind == TokenKind.Keyword && Current.Text == word;

    private bool IsKeywordAt(int offset, string word) =>
        _position + offset < _tokens.Count && _tokens[_position + offset].Kind == TokenKind.Keyword && _tokens[_position + offset].Text == word;

    private Token Advance() => _tokens[_position++];

    private void Enter()
    {
        if (++_depth > MaxDepth)
        {
            throw new RuleSyntaxError(Current.Line, Current.Column, $"the rule nests deeper than {MaxDepth} levels");
        }
    }

    private Node Or()
    {
        Enter();
        var left = And();
        while (IsKeyword("or"))
        {
            var op = Advance();
            left = new Binary("or", left, Operand(And, "or"), op.Line, op.Column);
        }

        _depth--;
        return left;
    }

    private Node And()
    {
        var left = Not();
        while (IsKeyword("and"))
        {
            var op = Advance();
            left = new Binary("and", left, Operand(Not, "and"), op.Line, op.Column);
        }

        return left;
    }

    private Node Not()
    {
        if (IsKeyword("not"))
        {
            var op = Advance();
            Enter();
            var operand = Operand(Not, "not");
            _depth--;
            return new Unary("not", operand, op.Line, op.Column);
        }

        return Comparison();
    }

    private Node Operand(Func<Node> next, string after)
    {
        if (Current.Kind is TokenKind.End or TokenKind.RightParen or TokenKind.Comma ||
            (Current.Kind == TokenKind.Keyword && Current.Text is "and" or "or"))
        {
            throw new RuleSyntaxError(Current.Line, Current.Column, $"expected a condition or value after '{after}', found {Describe(Current)}");
        }

        return next();
    }

    private Node Comparison()
    {
        var left = Additive();
        var t = Current;
        if (t.Kind == TokenKind.Operator && t.Text is "==" or "!=" or "<" or "<=" or ">" or ">=")
        {
            Advance();
            return new Binary(t.Text, left, Operand(Additive, t.Text), t.Line, t.Column);
        }

        var negated = false;
        if (IsKeyword("not") && (IsKeywordAt(1, "in") || IsKeywordAt(1, "between")))
        {
            Advance();
            negated = true;
            t = Current;
        }

        if (IsKeyword("in"))
        {
            Advance();
            if (Current.Kind != TokenKind.LeftParen)
            {
                throw new RuleSyntaxError(Current.Line, Current.Column, $"expected '(' after 'in', found {Describe(Current)}; write x in (1, 2, 3)");
            }

            Advance();
            var items = new List<Node>();
            while (true)
            {
                if (items.Count >= MaxListItems)
                {
                    throw new RuleSyntaxError(Current.Line, Current.Column, $"an 'in' list holds at most {MaxListItems} values");
                }

                items.Add(Operand(Additive, items.Count == 0 ? "(" : ","));
                if (Current.Kind == TokenKind.Comma)
                {
                    Advance();
                    continue;
                }

                if (Current.Kind == TokenKind.RightParen)
                {
                    Advance();
                    break;
                }

                throw new RuleSyntaxError(Current.Line, Current.Column, $"expected ',' or ')' in the 'in' list, found {Describe(Current)}");
            }

            return new InList(left, items, negated, t.Line, t.Column);
        }

        if (IsKeyword("between"))
        {
            Advance();
            var low = Operand(Additive, "between");
            if (!IsKeyword("and"))
            {
                throw new RuleSyntaxError(Current.Line, Current.Column, $"expected 'and' in 'between ... and ...', found {Describe(Current)}");
            }

            Advance();
            var high = Operand(Additive, "and");
            return new Between(left, low, high, negated, t.Line, t.Column);
        }

        if (IsKeyword("is"))
        {
            Advance();
            var not = false;
            if (IsKeyword("not"))
            {
                Advance();
                not = true;
            }

            if (!IsKeyword("null"))
            {
                throw new RuleSyntaxError(Current.Line, Current.Column, $"expected 'null' after 'is{(not ? " not" : string.Empty)}', found {Describe(Current)}");
            }

            Advance();
            return new IsNull(left, not, t.Line, t.Column);
        }

        return left;
    }

    private Node Additive()
    {
        var left = Multiplicative();
        while (Current.Kind == TokenKind.Operator && Current.Text is "+" or "-")
        {
            var op = Advance();
            left = new Binary(op.Text, left, Operand(Multiplicative, op.Text), op.Line, op.Column);
        }

        return left;
    }

    private Node Multiplicative()
    {
        var left = UnaryMinus();
        while (Current.Kind == TokenKind.Operator && Current.Text is "*" or "/" or "%")
        {
            var op = Advance();
            left = new Binary(op.Text, left, Operand(UnaryMinus, op.Text), op.Line, op.Column);
        }

        return left;
    }

    private Node UnaryMinus()
    {
        if (Current.Kind == TokenKind.Operator && Current.Text == "-")
        {
            var op = Advance();
            Enter();
            var operand = Operand(UnaryMinus, "-");
            _depth--;
            return new Unary("-", operand, op.Line, op.Column);
        }

        return Primary();
    }

    private Node Primary()
    {
        var t = Current;
        switch (t.Kind)
        {
            case TokenKind.Number:
                Advance();
                return new NumberLiteral(t.Number, t.Line, t.Column);
            case TokenKind.String:
                Advance();
                return new StringLiteral(t.Text, t.Line, t.Column);
            case TokenKind.Keyword when t.Text is "true" or "false":
                Advance();
                return new BoolLiteral(t.Text == "true", t.Line, t.Column);
            case TokenKind.Keyword when t.Text == "null":
                Advance();
                return new NullLiteral(t.Line, t.Column);
            case TokenKind.Identifier:
                Advance();
                if (Current.Kind != TokenKind.LeftParen)
                {
                    return new Variable(t.Text, t.Line, t.Column);
                }

                Advance();
                var args = new List<Node>();
                if (Current.Kind == TokenKind.RightParen)
                {
                    Advance();
                    return new Call(t.Text, args, t.Line, t.Column);
                }

                while (true)
                {
                    if (args.Count >= 16)
                    {
                        throw new RuleSyntaxError(Current.Line, Current.Column, "a function takes at most 16 arguments");
                    }

                    Enter();
                    args.Add(Operand(Or, args.Count == 0 ? "(" : ","));
                    _depth--;
                    if (Current.Kind == TokenKind.Comma)
                    {
                        Advance();
                        continue;
                    }

                    if (Current.Kind == TokenKind.RightParen)
                    {
                        Advance();
                        return new Call(t.Text, args, t.Line, t.Column);
                    }

                    throw new RuleSyntaxError(Current.Line, Current.Column, $"expected ',' or ')' in the call to {t.Text}, found {Describe(Current)}");
                }

            case TokenKind.LeftParen:
                Advance();
                Enter();
                var inner = Operand(Or, "(");
                _depth--;
                if (Current.Kind != TokenKind.RightParen)
                {
                    throw new RuleSyntaxError(Current.Line, Current.Column, $"expected ')' to close the '(' at line {t.Line}, column {t.Column}, found {Describe(Current)}");
                }

                Advance();
                return inner;
            default:
                throw new RuleSyntaxError(t.Line, t.Column, $"expected a value, a feature name or '(', found {Describe(t)}");
        }
    }
}
