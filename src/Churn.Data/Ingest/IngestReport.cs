namespace Churn.Data;

/// <summary>One rejected record: where it was and why.</summary>
/// <param name="Source">The file name or source description.</param>
/// <param name="Line">The physical line (1-based, the header is line 1) or, for enumerables, the item number (1-based).</param>
/// <param name="Column">The column (1-based), or 0 when the whole record is at fault.</param>
/// <param name="ColumnName">The column's name, when known.</param>
/// <param name="Message">The reason, in words.</param>
public sealed record IngestError(string Source, long Line, int Column, string? ColumnName, string Message)
{
    /// <inheritdoc />
    public override string ToString() =>
        Column > 0
            ? $"{Source}:{Line}:{Column}: {Message}"
            : $"{Source}:{Line}: {Message}";
}

/// <summary>Whether a reader stops at the first bad record or collects them all.</summary>
public enum ErrorMode
{
    /// <summary>Collect every error and go on (the default).</summary>
    CollectAll = 0,

    /// <summary>Throw an <see cref="IngestException"/> at the first bad record.</summary>
    FailFast,
}

/// <summary>
/// The accounting of one read: how many records came in, how many were accepted and how many
/// rejected (always <c>Read == Accepted + Rejected</c>), and why each rejected one was.
/// </summary>
/// <remarks>Not thread-safe: one report belongs to one read.</remarks>
public sealed class IngestReport
{
    private readonly List<IngestError> _errors = [];
    private readonly List<IngestError> _warnings = [];

    /// <summary>Initializes a new instance of the <see cref="IngestReport"/> class.</summary>
    /// <param name="maxStoredErrors">How many errors to keep in <see cref="Errors"/>; all are counted and passed to <paramref name="onError"/>.</param>
    /// <param name="onError">Called for every error, including those past <paramref name="maxStoredErrors"/>.</param>
    public IngestReport(int maxStoredErrors = 10_000, Action<IngestError>? onError = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxStoredErrors);
        MaxStoredErrors = maxStoredErrors;
        OnError = onError;
    }

    /// <summary>Gets how many errors <see cref="Errors"/> keeps.</summary>
    public int MaxStoredErrors { get; }

    /// <summary>Gets the callback that sees every error.</summary>
    public Action<IngestError>? OnError { get; }

    /// <summary>Gets the number of records read (blank lines are not records).</summary>
    public long Read { get; private set; }

    /// <summary>Gets the number of records accepted.</summary>
    public long Accepted { get; private set; }

    /// <summary>Gets the number of records rejected.</summary>
    public long Rejected { get; private set; }

    /// <summary>Gets the number of blank lines skipped (they hold no data).</summary>
    public long BlankLines { get; private set; }

    /// <summary>Gets the stored errors, in the order found (at most <see cref="MaxStoredErrors"/>).</summary>
    public IReadOnlyList<IngestError> Errors => _errors;

    /// <summary>Gets a value indicating whether more errors happened than <see cref="Errors"/> holds.</summary>
    public bool ErrorsTruncated => Rejected > _errors.Count;

    /// <summary>Gets the number of warnings: values read in a way worth telling (an unparsable cell in a number column read as missing, a category the model never saw), on records that were still accepted.</summary>
    public long WarningCount { get; private set; }

    /// <summary>Gets the first warnings, in the order found (at most <see cref="MaxStoredErrors"/>, and at most 1,000).</summary>
    public IReadOnlyList<IngestError> Warnings => _warnings;

    /// <summary>Gets a value indicating whether every record was accepted.</summary>
    public bool IsClean => Rejected == 0;

    /// <summary>Records an accepted record.</summary>
    public void CountAccepted()
    {
        checked
        {
            Read++;
            Accepted++;
        }
    }

    /// <summary>Records a rejected record with its error.</summary>
    /// <param name="error">Why it was rejected.</param>
    public void CountRejected(IngestError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        checked
        {
            Read++;
            Rejected++;
        }

        if (_errors.Count < MaxStoredErrors)
        {
            _errors.Add(error);
        }

        OnError?.Invoke(error);
    }

    /// <summary>Records a warning about an accepted record; the counts of records do not change.</summary>
    /// <param name="warning">Where and what.</param>
    public void CountWarning(IngestError warning)
    {
        ArgumentNullException.ThrowIfNull(warning);
        WarningCount++;
        if (_warnings.Count < Math.Min(MaxStoredErrors, 1_000))
        {
            _warnings.Add(warning);
        }
    }

    /// <summary>Records a skipped blank line.</summary>
    public void CountBlankLine() => BlankLines++;

    /// <inheritdoc />
    public override string ToString() =>
        $"read {Read}, accepted {Accepted}, rejected {Rejected}" + (BlankLines > 0 ? $", blank lines {BlankLines}" : string.Empty) + (WarningCount > 0 ? $", warnings {WarningCount}" : string.Empty);
}

/// <summary>Thrown in <see cref="ErrorMode.FailFast"/> mode at the first bad record, and for a source that cannot be read at all.</summary>
public sealed class IngestException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="IngestException"/> class.</summary>
    public IngestException()
        : this("The input could not be read.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="IngestException"/> class.</summary>
    /// <param name="message">The message.</param>
    public IngestException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="IngestException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public IngestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="IngestException"/> class.</summary>
    /// <param name="error">The first bad record.</param>
    public IngestException(IngestError error)
        : base(error?.ToString())
    {
        Error = error;
    }

    /// <summary>Gets the bad record's error, when the exception is about one record.</summary>
    public IngestError? Error { get; }
}
