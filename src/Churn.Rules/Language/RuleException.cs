namespace Churn.Rules;

/// <summary>A rule that cannot be used, with the position (1-based line and column in the rule text) of the problem.</summary>
public abstract class RuleException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="RuleException"/> class.</summary>
    /// <param name="line">The line (1-based).</param>
    /// <param name="column">The column (1-based).</param>
    /// <param name="reason">What is wrong, in words a CRM admin understands.</param>
    protected RuleException(int line, int column, string reason)
        : base($"line {line}, column {column}: {reason}")
    {
        Line = line;
        Column = column;
        Reason = reason;
    }

    /// <summary>Initializes a new instance of the <see cref="RuleException"/> class.</summary>
    protected RuleException()
        : this(1, 1, "the rule is invalid")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="RuleException"/> class.</summary>
    /// <param name="message">The message.</param>
    protected RuleException(string message)
        : this(1, 1, message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="RuleException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    protected RuleException(string message, Exception innerException)
        : base(message, innerException)
    {
        Line = 1;
        Column = 1;
        Reason = message;
    }

    /// <summary>Gets the line (1-based) in the rule text.</summary>
    public int Line { get; }

    /// <summary>Gets the column (1-based) in the rule text.</summary>
    public int Column { get; }

    /// <summary>Gets what is wrong, without the position.</summary>
    public string Reason { get; }
}

/// <summary>The rule text is not well formed (a missing parenthesis, an unknown character, a dangling operator).</summary>
public sealed class RuleSyntaxError : RuleException
{
    /// <summary>Initializes a new instance of the <see cref="RuleSyntaxError"/> class.</summary>
    /// <param name="line">The line.</param>
    /// <param name="column">The column.</param>
    /// <param name="reason">What is wrong.</param>
    public RuleSyntaxError(int line, int column, string reason)
        : base(line, column, reason)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="RuleSyntaxError"/> class.</summary>
    public RuleSyntaxError()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="RuleSyntaxError"/> class.</summary>
    /// <param name="message">The message.</param>
    public RuleSyntaxError(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="RuleSyntaxError"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public RuleSyntaxError(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The rule is well formed but does not make sense: an unknown feature or function, or values of the wrong kind.</summary>
public sealed class RuleTypeError : RuleException
{
    /// <summary>Initializes a new instance of the <see cref="RuleTypeError"/> class.</summary>
    /// <param name="line">The line.</param>
    /// <param name="column">The column.</param>
    /// <param name="reason">What is wrong.</param>
    public RuleTypeError(int line, int column, string reason)
        : base(line, column, reason)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="RuleTypeError"/> class.</summary>
    public RuleTypeError()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="RuleTypeError"/> class.</summary>
    /// <param name="message">The message.</param>
    public RuleTypeError(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="RuleTypeError"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public RuleTypeError(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
