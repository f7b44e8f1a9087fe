using System.Runtime.CompilerServices;
using Churn.Abstractions;

namespace Churn.Data;

/// <summary>
/// Reads customer events from CSV, streaming: a file larger than memory can be read. Every
/// rejected row is reported with file, line, column and reason in an <see cref="IngestReport"/>,
/// and <c>Read == Accepted + Rejected</c> always holds.
/// </summary>
/// <remarks>
/// The reader itself holds only options and can be shared; each call keeps its own state.
/// Structural problems with the whole file (no header, a required column missing) throw an
/// <see cref="IngestException"/> whatever the <see cref="ErrorMode"/>.
/// </remarks>
public sealed class CsvEventReader
{
    private readonly CsvEventReaderOptions _options;

    /// <summary>Initializes a new instance of the <see cref="CsvEventReader"/> class.</summary>
    /// <param name="options">Column mapping and error handling; defaults when null.</param>
    public CsvEventReader(CsvEventReaderOptions? options = null) => _options = Churn.Shared.OptionsCheck.ThrowIfInvalid(options ?? new CsvEventReaderOptions(), new CsvEventReaderOptionsRules());

    /// <summary>Reads a CSV file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="report">Receives the accounting and errors.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The accepted events, in file order.</returns>
    /// <exception cref="IngestException">The file has no usable header, or (fail-fast) a row is bad.</exception>
    public IEnumerable<CustomerEvent> ReadFile(string path, IngestReport report, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(report);
        return ReadFileIterator(path, report, cancellationToken);
    }

    /// <summary>Reads CSV from a stream (UTF-8, or the encoding its byte-order mark names).</summary>
    /// <param name="stream">The bytes; disposed when the enumeration ends.</param>
    /// <param name="sourceName">The name used in error messages (a file name).</param>
    /// <param name="report">Receives the accounting and errors.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The accepted events, in input order.</returns>
    /// <exception cref="IngestException">The input has no usable header, or (fail-fast) a row is bad.</exception>
    public IEnumerable<CustomerEvent> Read(Stream stream, string sourceName, IngestReport report, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(report);
        return ReadStreamIterator(stream, sourceName, report, cancellationToken);
    }

    /// <summary>Reads CSV text.</summary>
    /// <param name="reader">The text.</param>
    /// <param name="sourceName">The name used in error messages (a file name).</param>
    /// <param name="report">Receives the accounting and errors.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The accepted events, in input order.</returns>
    /// <exception cref="IngestException">The input has no usable header, or (fail-fast) a row is bad.</exception>
    public IEnumerable<CustomerEvent> Read(TextReader reader, string sourceName, IngestReport report, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(report);
        return ReadIterator(reader, sourceName, report, cancellationToken);
    }

    /// <summary>Reads CSV from a stream (UTF-8, or the encoding its byte-order mark names), asynchronously.</summary>
    /// <param name="stream">The bytes.</param>
    /// <param name="sourceName">The name used in error messages.</param>
    /// <param name="report">Receives the accounting and errors.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The accepted events, in input order.</returns>
    /// <exception cref="IngestException">The input has no usable header, or (fail-fast) a row is bad.</exception>
    public async IAsyncEnumerable<CustomerEvent> ReadAsync(
        Stream stream, string sourceName, IngestReport report, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(report);
        using var text = CsvRecordSource.OpenText(stream);
        using var source = await CsvRecordSource.OpenAsync(text, sourceName, _options.Delimiter, report, _options.ErrorMode, cancellationToken).ConfigureAwait(false);
        var parser = new EventRowParser(source, _options);
        while (await source.MoveNextAsync(cancellationToken).ConfigureAwait(false))
        {
            if (parser.TryParse(out var e))
            {
                yield return e;
            }
        }
    }

    /// <summary>
    /// Reads CSV from a stream straight into a log builder: the same parsing, validation and
    /// accounting as <see cref="Read(Stream, string, IngestReport, CancellationToken)"/>, without an event object per row
    /// (the log keeps neither event ids nor attributes, so a large file reads faster).
    /// </summary>
    /// <param name="stream">The bytes; disposed at the end.</param>
    /// <param name="sourceName">The name used in error messages (a file name).</param>
    /// <param name="report">Receives the accounting and errors.</param>
    /// <param name="builder">Receives the accepted events.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <exception cref="IngestException">The input has no usable header, or (fail-fast) a row is bad.</exception>
    public void ReadInto(Stream stream, string sourceName, IngestReport report, EventLogBuilder builder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(builder);
        using (stream)
        {
            using var text = CsvRecordSource.OpenText(stream);
            using var source = CsvRecordSource.Open(text, sourceName, _options.Delimiter, report, _options.ErrorMode);
            var parser = new EventRowParser(source, _options);
            while (source.MoveNext(cancellationToken))
            {
                parser.ParseInto(builder);
            }
        }
    }

    private IEnumerable<CustomerEvent> ReadFileIterator(string path, IngestReport report, CancellationToken cancellationToken)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return ReadStreamIterator(stream, Path.GetFileName(path), report, cancellationToken);
    }

    private IEnumerable<CustomerEvent> ReadStreamIterator(Stream stream, string sourceName, IngestReport report, CancellationToken cancellationToken)
    {
        using (stream)
        {
            using var text = CsvRecordSource.OpenText(stream);
            foreach (var e in ReadIterator(text, sourceName, report, cancellationToken))
            {
                yield return e;
            }
        }
    }

    private IEnumerable<CustomerEvent> ReadIterator(TextReader reader, string sourceName, IngestReport report, CancellationToken cancellationToken)
    {
        using var source = CsvRecordSource.Open(reader, sourceName, _options.Delimiter, report, _options.ErrorMode);
        var parser = new EventRowParser(source, _options);
        while (source.MoveNext(cancellationToken))
        {
            if (parser.TryParse(out var e))
            {
                yield return e;
            }
        }
    }

    /// <summary>Turns the current row of a <see cref="CsvRecordSource"/> into an event or a rejection.</summary>
    private sealed class EventRowParser
    {
        private readonly CsvRecordSource _source;
        private readonly CsvEventReaderOptions _options;
        private readonly int _customer;
        private readonly int _time;
        private readonly int _type;
        private readonly int _amount;
        private readonly CustomerEventType _fixedType;
        private readonly int _eventId;
        private readonly (int Ordinal, string Name)[] _attributes;
        private readonly StringPool _ids = new();
        private readonly Dictionary<string, CustomerEventType> _types = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _nearMisses = new(StringComparer.Ordinal);
        private readonly HashSet<string> _seenEventIds = new(StringComparer.Ordinal);

        public EventRowParser(CsvRecordSource source, CsvEventReaderOptions options)
        {
            _source = source;
            _options = options;
            _customer = Required(options.CustomerColumn, "--customer-column / CustomerColumn");
            _time = Required(options.TimeColumn, "--time-column / TimeColumn");
            _type = string.IsNullOrEmpty(options.TypeColumn) ? -1 : Required(options.TypeColumn, "--type-column / TypeColumn");
            _fixedType = new CustomerEventType(options.FixedType);
            _amount = Optional(options.AmountColumn, options.AmountColumnRequired, "--amount-column / AmountColumn");
            _eventId = Optional(options.EventIdColumn, options.EventIdColumnRequired, "--event-id-column / EventIdColumn");
            _attributes = [.. options.AttributeColumns.Select(c => (Required(c, "AttributeColumns"), c))];
        }

        public bool TryParse(out CustomerEvent value)
        {
            value = null!;
            if (!TryParseFields(out var id, out var time, out var type, out var amount, out var eventId))
            {
                return false;
            }

            Dictionary<string, string>? attributes = null;
            if (_attributes.Length > 0)
            {
                attributes = new Dictionary<string, string>(_attributes.Length, StringComparer.Ordinal);
                foreach (var (ordinal, name) in _attributes)
                {
                    var text = _source.Field(ordinal);
                    if (!text.IsEmpty)
                    {
                        attributes[name] = text.ToString();
                    }
                }
            }

            value = new CustomerEvent(id, time, type, amount, eventId, attributes);
            _source.Accept();
            return true;
        }

        /// <summary>Adds the current row to a log builder without making an event object (the log keeps no ids or attributes).</summary>
        public void ParseInto(EventLogBuilder builder)
        {
            if (TryParseFields(out var id, out var time, out var type, out var amount, out _))
            {
                builder.Add(id, time, type, amount is { } a ? (double)a : double.NaN);
                _source.Accept();
            }
        }

        private bool TryParseFields(out CustomerId customer, out DateTimeOffset time, out CustomerEventType type, out decimal? amount, out string? eventId)
        {
            customer = default;
            type = default;
            amount = null;
            eventId = null;
            time = default;
            var id = _source.Field(_customer);
            if (id.IsEmpty)
            {
                _source.Reject(_customer, "the customer id is empty");
                return false;
            }

            var timeText = _source.Field(_time);
            if (timeText.IsEmpty)
            {
                _source.Reject(_time, "the timestamp is empty");
                return false;
            }

            if (!ValueParsers.TryParseTimestamp(timeText, _options.TimeFormat, out time))
            {
                _source.Reject(_time, ValueParsers.TimestampProblem(Clip(timeText), _options.TimeFormat, "--time-format"));
                return false;
            }

            var typeText = _type >= 0 ? _source.Field(_type) : _fixedType.Name;
            if (typeText.IsEmpty)
            {
                _source.Reject(_type, "the event type is empty");
                return false;
            }

            if (_amount >= 0)
            {
                var amountText = _source.Field(_amount);
                if (amountText.IsEmpty && _options.RequireAmount)
                {
                    _source.Reject(_amount, "the amount is empty");
                    return false;
                }

                if (!amountText.IsEmpty)
                {
                    if (!ValueParsers.TryParseDecimal(amountText, out var a))
                    {
                        _source.Reject(_amount, $"'{Clip(amountText)}' is not a number (use a dot for decimals, no thousands separators)");
                        return false;
                    }

                    if (a < 0 && _options.RejectNegativeAmounts)
                    {
                        _source.Reject(_amount, $"the amount {a} is negative");
                        return false;
                    }

                    amount = a;
                }
            }

            if (_eventId >= 0)
            {
                var eventIdText = _source.Field(_eventId);
                if (!eventIdText.IsEmpty)
                {
                    eventId = eventIdText.ToString();
                    if (_options.RejectDuplicateEventIds && !_seenEventIds.Add(eventId))
                    {
                        _source.Reject(_eventId, $"duplicate event id '{Clip(eventIdText)}' (the first occurrence was kept)");
                        return false;
                    }
                }
            }

            customer = new CustomerId(_ids.Get(id));
            type = _type >= 0 ? TypeOf(typeText) : _fixedType;
            if (_nearMisses.Count > 0 && _nearMisses.TryGetValue(type.Name, out var meant))
            {
                _source.Warn(_type, $"'{Clip(typeText)}' is not a known event type, so no feature counts it; did you mean '{meant}'? (kept as a custom type)");
            }

            return true;
        }

        private static string Clip(ReadOnlySpan<char> text) => text.Length <= 40 ? text.ToString() : string.Concat(text[..37], "...");

        private CustomerEventType TypeOf(ReadOnlySpan<char> text)
        {
            var lookup = _types.GetAlternateLookup<ReadOnlySpan<char>>();
            if (lookup.TryGetValue(text, out var t))
            {
                return t;
            }

            var s = text.ToString();
            t = new CustomerEventType(s);
            if (!CustomerEventType.WellKnown.Any(k => string.Equals(k.Name, t.Name, StringComparison.OrdinalIgnoreCase)) && s.Length >= 4
                && Churn.Shared.NameSuggestions.Closest(s, CustomerEventType.WellKnown.Select(k => k.Name)) is { } meant
                && Churn.Shared.NameSuggestions.Distance(s.ToUpperInvariant(), meant.ToUpperInvariant()) <= 2 && _nearMisses.Count < 1_000)
            {
                _nearMisses[t.Name] = meant;
            }

            if (_types.Count < 10_000)
            {
                _types[s] = t;
            }

            return t;
        }

        private int Required(string name, string option)
        {
            var i = _source.Ordinal(name);
            return i >= 0 ? i : throw _source.MissingColumn(name, option);
        }

        private int Optional(string? name, bool required, string option)
        {
            if (string.IsNullOrEmpty(name))
            {
                return -1;
            }

            var i = _source.Ordinal(name);
            return i >= 0 || !required ? i : throw _source.MissingColumn(name, option);
        }
    }
}
