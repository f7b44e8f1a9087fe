namespace Churn.Data;

/// <summary>How an events CSV maps onto <see cref="Churn.Abstractions.CustomerEvent"/>: the host's own column names and date format.</summary>
public sealed class CsvEventReaderOptions
{
    /// <summary>Gets or sets the customer id column.</summary>
    /// <value>The default is <c>customer_id</c>.</value>
    public string CustomerColumn { get; set; } = "customer_id";

    /// <summary>Gets or sets the timestamp column.</summary>
    /// <value>The default is <c>timestamp</c>.</value>
    public string TimeColumn { get; set; } = "timestamp";

    /// <summary>Gets or sets the event type column, or <see langword="null"/> when every row has the type <see cref="FixedType"/> (a transactions file).</summary>
    /// <value>The default is <c>type</c>.</value>
    public string? TypeColumn { get; set; } = "type";

    /// <summary>Gets or sets the type of every row when <see cref="TypeColumn"/> is <see langword="null"/>.</summary>
    /// <value>The default is <c>purchase</c>.</value>
    public string FixedType { get; set; } = "purchase";

    /// <summary>Gets or sets the amount column; used when present in the header.</summary>
    /// <value>The default is <c>amount</c>.</value>
    public string? AmountColumn { get; set; } = "amount";

    /// <summary>Gets or sets a value indicating whether a missing <see cref="AmountColumn"/> is an error.</summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool AmountColumnRequired { get; set; }

    /// <summary>Gets or sets a value indicating whether every row must carry an amount (a transactions file): an empty amount is then rejected.</summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool RequireAmount { get; set; }

    /// <summary>Gets or sets the event id column; used when present in the header to drop duplicates.</summary>
    /// <value>The default is <c>event_id</c>.</value>
    public string? EventIdColumn { get; set; } = "event_id";

    /// <summary>Gets or sets a value indicating whether a missing <see cref="EventIdColumn"/> is an error.</summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool EventIdColumnRequired { get; set; }

    /// <summary>
    /// Gets or sets the exact timestamp format (a .NET custom format such as <c>yyyyMMdd</c> or
    /// <c>dd/MM/yyyy HH:mm</c>), or <see langword="null"/> for ISO 8601. Times without an offset are UTC.
    /// </summary>
    /// <value>The default is <see langword="null"/> (ISO 8601).</value>
    public string? TimeFormat { get; set; }

    /// <summary>Gets or sets the columns copied into <see cref="Churn.Abstractions.CustomerEvent.Attributes"/>.</summary>
    /// <value>The default is none.</value>
    public IList<string> AttributeColumns { get; set; } = [];

    /// <summary>Gets or sets the field delimiter.</summary>
    /// <value>The default is a comma.</value>
    public char Delimiter { get; set; } = ',';

    /// <summary>Gets or sets whether to stop at the first bad row.</summary>
    /// <value>The default is <see cref="ErrorMode.CollectAll"/>.</value>
    public ErrorMode ErrorMode { get; set; } = ErrorMode.CollectAll;

    /// <summary>Gets or sets a value indicating whether a repeated event id is rejected as a duplicate.</summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool RejectDuplicateEventIds { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether a negative amount is rejected (refunds in some logs are negative).</summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool RejectNegativeAmounts { get; set; }
}

/// <summary>The rules of <see cref="CsvEventReaderOptions"/>.</summary>
internal sealed class CsvEventReaderOptionsRules : Microsoft.Extensions.Options.IValidateOptions<CsvEventReaderOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, CsvEventReaderOptions options)
    {
        var b = new Microsoft.Extensions.Options.ValidateOptionsResultBuilder();
        if (string.IsNullOrWhiteSpace(options.CustomerColumn))
        {
            b.AddError("the customer id column must be named", nameof(options.CustomerColumn));
        }

        if (string.IsNullOrWhiteSpace(options.TimeColumn))
        {
            b.AddError("the timestamp column must be named", nameof(options.TimeColumn));
        }

        if (options.TypeColumn is null && string.IsNullOrWhiteSpace(options.FixedType))
        {
            b.AddError("without a type column, a fixed type is needed", nameof(options.FixedType));
        }

        if (options.Delimiter is '"' or '\r' or '\n' or '\0')
        {
            b.AddError("the delimiter cannot be a quote, a line break or NUL", nameof(options.Delimiter));
        }

        if (!Enum.IsDefined(options.ErrorMode))
        {
            b.AddError($"'{options.ErrorMode}' is not an error mode", nameof(options.ErrorMode));
        }

        return b.Build();
    }
}
