using Churn.Abstractions;

namespace Churn.Data;

/// <summary>How a customers CSV maps onto <see cref="CustomerProfile"/>.</summary>
public sealed class CsvCustomerReaderOptions
{
    /// <summary>Gets or sets the customer id column.</summary>
    /// <value>The default is <c>customer_id</c>.</value>
    public string CustomerColumn { get; set; } = "customer_id";

    /// <summary>Gets or sets the signup date column; used when present.</summary>
    /// <value>The default is <c>signup_date</c>.</value>
    public string? SignupColumn { get; set; } = "signup_date";

    /// <summary>Gets or sets the owner (account manager) column; used when present.</summary>
    /// <value>The default is <c>owner</c>.</value>
    public string? OwnerColumn { get; set; } = "owner";

    /// <summary>Gets or sets the preferred channels column (values separated by <c>;</c>); used when present.</summary>
    /// <value>The default is <c>preferred_channels</c>.</value>
    public string? ChannelsColumn { get; set; } = "preferred_channels";

    /// <summary>Gets or sets the contact consent column (true/false, yes/no, 1/0); used when present.</summary>
    /// <value>The default is <c>contact_consent</c>.</value>
    public string? ConsentColumn { get; set; } = "contact_consent";

    /// <summary>Gets or sets the date format, or <see langword="null"/> for ISO 8601.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public string? TimeFormat { get; set; }

    /// <summary>Gets or sets the field delimiter.</summary>
    /// <value>The default is a comma.</value>
    public char Delimiter { get; set; } = ',';

    /// <summary>Gets or sets whether to stop at the first bad row.</summary>
    /// <value>The default is <see cref="ErrorMode.CollectAll"/>.</value>
    public ErrorMode ErrorMode { get; set; } = ErrorMode.CollectAll;
}

/// <summary>
/// Reads customer profiles from CSV. Mapped columns fill the profile; every other column becomes
/// an attribute. A customer id that appears twice is rejected (the first row wins).
/// </summary>
/// <remarks>The reader holds only options and can be shared; each call keeps its own state.</remarks>
public sealed class CsvCustomerReader
{
    private readonly CsvCustomerReaderOptions _options;

    /// <summary>Initializes a new instance of the <see cref="CsvCustomerReader"/> class.</summary>
    /// <param name="options">Column mapping; defaults when null.</param>
    public CsvCustomerReader(CsvCustomerReaderOptions? options = null) => _options = options ?? new CsvCustomerReaderOptions();

    /// <summary>Reads a CSV file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="report">Receives the accounting and errors.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The accepted profiles, in file order.</returns>
    /// <exception cref="IngestException">The file has no usable header, or (fail-fast) a row is bad.</exception>
    public IEnumerable<CustomerProfile> ReadFile(string path, IngestReport report, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(report);
        return ReadFileIterator(path, report, cancellationToken);
    }

    /// <summary>Reads CSV text.</summary>
    /// <param name="reader">The text.</param>
    /// <param name="sourceName">The name used in error messages.</param>
    /// <param name="report">Receives the accounting and errors.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The accepted profiles, in input order.</returns>
    /// <exception cref="IngestException">The input has no usable header, or (fail-fast) a row is bad.</exception>
    public IEnumerable<CustomerProfile> Read(TextReader reader, string sourceName, IngestReport report, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(report);
        return ReadIterator(reader, sourceName, report, cancellationToken);
    }

    private static int Optional(CsvRecordSource source, string? name) => string.IsNullOrEmpty(name) ? -1 : source.Ordinal(name);

    private static bool TryParseBool(ReadOnlySpan<char> text, out bool value)
    {
        if (text.Equals("true", StringComparison.OrdinalIgnoreCase) || text.Equals("yes", StringComparison.OrdinalIgnoreCase) || text.SequenceEqual("1"))
        {
            value = true;
            return true;
        }

        value = false;
        return text.Equals("false", StringComparison.OrdinalIgnoreCase) || text.Equals("no", StringComparison.OrdinalIgnoreCase) || text.SequenceEqual("0");
    }

    private IEnumerable<CustomerProfile> ReadFileIterator(string path, IngestReport report, CancellationToken cancellationToken)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        using var text = CsvRecordSource.OpenText(stream);
        foreach (var p in ReadIterator(text, Path.GetFileName(path), report, cancellationToken))
        {
            yield return p;
        }
    }

    private IEnumerable<CustomerProfile> ReadIterator(TextReader reader, string sourceName, IngestReport report, CancellationToken cancellationToken)
    {
        using var source = CsvRecordSource.Open(reader, sourceName, _options.Delimiter, report, _options.ErrorMode);
        source.RequireUniqueHeader();
        var idColumn = source.Ordinal(_options.CustomerColumn);
        if (idColumn < 0)
        {
            throw source.MissingColumn(_options.CustomerColumn, "CustomerColumn");
        }

        var signup = Optional(source, _options.SignupColumn);
        var owner = Optional(source, _options.OwnerColumn);
        var channels = Optional(source, _options.ChannelsColumn);
        var consent = Optional(source, _options.ConsentColumn);
        var mapped = new HashSet<int> { idColumn, signup, owner, channels, consent };
        var attributeColumns = Enumerable.Range(0, source.Header.Length).Where(i => !mapped.Contains(i)).ToArray();
        var seen = new HashSet<string>(StringComparer.Ordinal);

        while (source.MoveNext(cancellationToken))
        {
            var id = source.Field(idColumn);
            if (id.IsEmpty)
            {
                source.Reject(idColumn, "the customer id is empty");
                continue;
            }

            var idText = id.ToString();
            if (!seen.Add(idText))
            {
                source.Reject(idColumn, $"customer '{idText}' appears twice (the first row was kept)");
                continue;
            }

            DateTimeOffset? signupDate = null;
            if (signup >= 0 && !source.Field(signup).IsEmpty)
            {
                if (!ValueParsers.TryParseTimestamp(source.Field(signup), _options.TimeFormat, out var d))
                {
                    source.Reject(signup, ValueParsers.TimestampProblem(source.FieldString(signup), _options.TimeFormat, "--time-format"));
                    continue;
                }

                signupDate = d;
            }

            var consentValue = true;
            if (consent >= 0 && !source.Field(consent).IsEmpty && !TryParseBool(source.Field(consent), out consentValue))
            {
                source.Reject(consent, $"'{source.FieldString(consent)}' is not a yes/no value (true/false, yes/no, 1/0)");
                continue;
            }

            var attributes = new Dictionary<string, string>(attributeColumns.Length, StringComparer.Ordinal);
            foreach (var c in attributeColumns)
            {
                if (!source.Field(c).IsEmpty)
                {
                    attributes[source.Header[c]] = source.FieldString(c);
                }
            }

            var profile = new CustomerProfile(new CustomerId(idText), signupDate)
            {
                Owner = owner >= 0 && !source.Field(owner).IsEmpty ? source.FieldString(owner) : null,
                PreferredChannels = channels >= 0
                    ? source.FieldString(channels).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    : [],
                ContactConsent = consentValue,
                Attributes = attributes,
            };
            source.Accept();
            yield return profile;
        }
    }
}
