using System.Globalization;

namespace Churn.Rules;

internal enum TokenKind
{
    Number,
    String,
    Identifier,
    Keyword,
    Operator,
    LeftParen,
    RightParen,
    Comma,
    End,
}

internal readonly record struct Token(TokenKind Kind, string Text, double Number, int Line, int Column);

/// <summary>Splits rule text into tokens, tracking line and column.</summary>
internal static class Lexer
{
    public const int MaxLength = 10_000;

    private static readonly HashSet<string> Keywords = new(StringComparer.OrdinalIgnoreCase)
    {
        "and", "or", "not", "in", "between", "is", "null", "true", "false",
    };

    public static List<Token> Tokenize(string text)
    {
        if (text.Length > MaxLength)
        {
            throw new RuleSyntaxError(1, 1, $"the rule is {text.Length:N0} characters long; the limit is {MaxLength:N0}");
        }

        var tokens = new List<Token>();
        int i = 0, line = 1, lineStart = 0;
        while (true)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                if (text[i] == '\n')
                {
                    line++;
                    lineStart = i + 1;
                }

                i++;
            }

            var column = i - lineStart + 1;
            if (i >= text.Length)
            {
                tokens.Add(new Token(TokenKind.End, string.Empty, 0, line, column));
                return tokens;
            }

            var c = text[i];
            if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1])))
            {
                var start = i;
                while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
                {
                    i++;
                }

                if (i < text.Length && (text[i] == 'e' || text[i] == 'E'))
                {
                    var save = i;
                    i++;
                    if (i < text.Length && (text[i] == '+' || text[i] == '-'))
                    {
                        i++;
                    }

                    if (i < text.Length && char.IsAsciiDigit(text[i]))
                    {
                        while (i < text.Length && char.IsAsciiDigit(text[i]))
                        {
                            i++;
                        }
                    }
                    else
                    {
                        i = save;
                    }
                }

                var s = text[start..i];
                if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
                {
                    throw new RuleSyntaxError(line, column, $"'{s}' is not a number");
                }

                tokens.Add(new Token(TokenKind.Number, s, value, line, column));
                continue;
            }

            if (char.IsAsciiLetter(c) || c == '_')
            {
                var start = i;
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_' || text[i] == '.'))
                {
                    i++;
                }

                var word = text[start..i];
                tokens.Add(Keywords.Contains(word)
                    ? new Token(TokenKind.Keyword, word.ToLowerInvariant(), 0, line, column)
                    : new Token(TokenKind.Identifier, word, 0, line, column));
                continue;
            }

            if (c == '"')
            {
                var sb = new System.Text.StringBuilder();
                i++;
                var closed = false;
                while (i < text.Length)
                {
                    if (text[i] == '\\' && i + 1 < text.Length && (text[i + 1] == '"' || text[i + 1] == '\\'))
                    {
                        sb.Append(text[i + 1]);
                        i += 2;
                        continue;
                    }

                    if (text[i] == '"')
                    {
                        closed = true;
                        i++;
                        break;
                    }

                    if (text[i] == '\n')
                    {
                        break;
                    }

                    sb.Append(text[i]);
                    i++;
                }

                if (!closed)
                {
                    throw new RuleSyntaxError(line, column, "this text value has no closing double quote");
                }

                tokens.Add(new Token(TokenKind.String, sb.ToString(), 0, line, column));
                continue;
            }

            switch (c)
            {
                case '(':
                    tokens.Add(new Token(TokenKind.LeftParen, "(", 0, line, column));
                    i++;
                    continue;
                case ')':
                    tokens.Add(new Token(TokenKind.RightParen, ")", 0, line, column));
                    i++;
                    continue;
                case ',':
                    tokens.Add(new Token(TokenKind.Comma, ",", 0, line, column));
                    i++;
                    continue;
                default:
                    break;
            }

            var two = i + 1 < text.Length ? text.Substring(i, 2) : string.Empty;
            if (two is "==" or "!=" or "<=" or ">=" or "<>")
            {
                tokens.Add(new Token(TokenKind.Operator, two == "<>" ? "!=" : two, 0, line, column));
                i += 2;
                continue;
            }

            if (c is '<' or '>' or '+' or '-' or '*' or '/' or '%')
            {
                tokens.Add(new Token(TokenKind.Operator, c.ToString(), 0, line, column));
                i++;
                continue;
            }

            if (c == '=')
            {
                throw new RuleSyntaxError(line, column, "use '==' to compare (a single '=' is not an operator)");
            }

            if (c is '&' or '|' or '!')
            {
                var word = c == '&' ? "and" : c == '|' ? "or" : "not";
                throw new RuleSyntaxError(line, column, $"write '{word}' instead of '{c}'");
            }

            if (c == '\'')
            {
                throw new RuleSyntaxError(line, column, "text values go in double quotes, like \"gold\"");
            }

            throw new RuleSyntaxError(line, column, $"unexpected character '{c}'");
        }
    }
}
