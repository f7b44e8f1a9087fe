using Churn.Abstractions;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Churn.Data.MLNet;

/// <summary>
/// Reads customer events from an ML.NET <see cref="IDataView"/> (a database loader, a text
/// loader, an in-memory view), streaming through a cursor. Column names come from
/// <see cref="CsvEventReaderOptions"/>; the timestamp column may be a DateTime, DateTimeOffset or
/// text column, the amount a Single, Double or text column. The row number (1-based) stands for the line.
/// </summary>
/// <remarks>The reader holds only options and can be shared; each call keeps its own state.</remarks>
public sealed class DataViewEventReader
{
    private readonly CsvEventReaderOptions _options;

    /// <summary>Initializes a new instance of the <see cref="DataViewEventReader"/> class.</summary>
    /// <param name="options">Column mapping; defaults when null.</param>
    public DataViewEventReader(CsvEventReaderOptions? options = null) => _options = options ?? new CsvEventReaderOptions();

    /// <summary>Reads the events of a data view.</summary>
    /// <param name="data">The data.</param>
    /// <param name="sourceName">The name used in error messages.</param>
    /// <param name="report">Receives the accounting and errors.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The accepted events, in row order.</returns>
    /// <exception cref="IngestException">A required column is missing or of an unusable type, or (fail-fast) a row is bad.</exception>
    public IEnumerable<CustomerEvent> Read(IDataView data, string sourceName, IngestReport report, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(report);
        var customer = Column(data, _options.CustomerColumn, required: true, sourceName)!.Value;
        var time = Column(data, _options.TimeColumn, required: true, sourceName)!.Value;
        var type = Column(data, _options.TypeColumn ?? throw new ArgumentException("DataViewEventReader needs a type column.", nameof(data)), required: true, sourceName)!.Value;
        var amount = Column(data, _options.AmountColumn, _options.AmountColumnRequired, sourceName);
        var eventId = Column(data, _options.EventIdColumn, _options.EventIdColumnRequired, sourceName);
        return Iterator(data, sourceName, report, customer, time, type, amount, eventId, cancellationToken);
    }

    private static DataViewSchema.Column? Column(IDataView data, string? name, bool required, string source)
    {
        if (string.IsNullOrEmpty(name))
        {
            return null;
        }

        var column = data.Schema.GetColumnOrNull(name);
        if (column is null && required)
        {
            var names = data.Schema.Select(c => c.Name).ToArray();
            var hint = Churn.Shared.NameSuggestions.Closest(name, names) is { } s ? $" Did you mean '{s}'?" : string.Empty;
            throw new IngestException(new IngestError(source, 0, 0, name, $"required column '{name}' is not in the data view ({string.Join(", ", names)}).{hint}"));
        }

        return column;
    }

    private static ValueGetter<ReadOnlyMemory<char>> TextGetter(DataViewRowCursor cursor, DataViewSchema.Column column, string source)
    {
        if (column.Type is TextDataViewType)
        {
            return cursor.GetGetter<ReadOnlyMemory<char>>(column);
        }

        throw new IngestException(new IngestError(source, 0, column.Index + 1, column.Name, $"column '{column.Name}' is {column.Type}, expected text"));
    }

    private static Func<(bool Ok, DateTimeOffset Value, string Text)> TimeGetter(DataViewRowCursor cursor, DataViewSchema.Column column, string? format, string source)
    {
        switch (column.Type)
        {
            case DateTimeDataViewType:
                {
                    var g = cursor.GetGetter<DateTime>(column);
                    return () =>
                    {
                        DateTime v = default;
                        g(ref v);
                        var utc = v.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(v, DateTimeKind.Utc) : v.ToUniversalTime();
                        return (v != default, new DateTimeOffset(utc), v.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
                    };
                }

            case DateTimeOffsetDataViewType:
                {
                    var g = cursor.GetGetter<DateTimeOffset>(column);
                    return () =>
                    {
                        DateTimeOffset v = default;
                        g(ref v);
                        return (v != default, v, v.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
                    };
                }

            case TextDataViewType:
                {
                    var g = cursor.GetGetter<ReadOnlyMemory<char>>(column);
                    return () =>
                    {
                        ReadOnlyMemory<char> v = default;
                        g(ref v);
                        var span = v.Span.Trim();
                        var ok = ValueParsers.TryParseTimestamp(span, format, out var t);
                        return (ok, t, span.ToString());
                    };
                }

            default:
                throw new IngestException(new IngestError(source, 0, column.Index + 1, column.Name, $"column '{column.Name}' is {column.Type}, expected a date or text"));
        }
    }

    private static Func<(bool Ok, decimal? Value, string Text)> AmountGetter(DataViewRowCursor cursor, DataViewSchema.Column column, string source)
    {
        switch (column.Type)
        {
            case NumberDataViewType n when n.RawType == typeof(float):
                {
                    var g = cursor.GetGetter<float>(column);
                    return () =>
                    {
                        float v = default;
                        g(ref v);
                        return float.IsNaN(v) ? (true, null, string.Empty) : (float.IsFinite(v), float.IsFinite(v) ? (decimal)v : null, v.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    };
                }

            case NumberDataViewType n when n.RawType == typeof(double):
                {
                    var g = cursor.GetGetter<double>(column);
                    return () =>
                    {
                        double v = default;
                        g(ref v);
                        return double.IsNaN(v) ? (true, null, string.Empty) : (double.IsFinite(v), double.IsFinite(v) ? (decimal)v : null, v.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    };
                }

            case TextDataViewType:
                {
                    var g = cursor.GetGetter<ReadOnlyMemory<char>>(column);
                    return () =>
                    {
                        ReadOnlyMemory<char> v = default;
                        g(ref v);
                        var span = v.Span.Trim();
                        if (span.IsEmpty)
                        {
                            return (true, null, string.Empty);
                        }

                        var ok = ValueParsers.TryParseDecimal(span, out var d);
                        return (ok, ok ? d : null, span.ToString());
                    };
                }

            default:
                throw new IngestException(new IngestError(source, 0, column.Index + 1, column.Name, $"column '{column.Name}' is {column.Type}, expected a number or text"));
        }
    }

    private IEnumerable<CustomerEvent> Iterator(
        IDataView data,
        string source,
        IngestReport report,
        DataViewSchema.Column customerColumn,
        DataViewSchema.Column timeColumn,
        DataViewSchema.Column typeColumn,
        DataViewSchema.Column? amountColumn,
        DataViewSchema.Column? eventIdColumn,
        CancellationToken cancellationToken)
    {
        var columns = new List<DataViewSchema.Column> { customerColumn, timeColumn, typeColumn };
        if (amountColumn is { } a)
        {
            columns.Add(a);
        }

        if (eventIdColumn is { } e)
        {
            columns.Add(e);
        }

        using var cursor = data.GetRowCursor(columns);
        var customer = TextGetter(cursor, customerColumn, source);
        var time = TimeGetter(cursor, timeColumn, _options.TimeFormat, source);
        var type = TextGetter(cursor, typeColumn, source);
        var amount = amountColumn is { } ac ? AmountGetter(cursor, ac, source) : null;
        var eventId = eventIdColumn is { } ec ? TextGetter(cursor, ec, source) : null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var ids = new StringPool();
        long row = 0;
        ReadOnlyMemory<char> text = default;

        while (cursor.MoveNext())
        {
            cancellationToken.ThrowIfCancellationRequested();
            row++;
            customer(ref text);
            var id = text.Span.Trim();
            if (id.IsEmpty)
            {
                Reject(customerColumn, "the customer id is empty");
                continue;
            }

            var customerId = ids.Get(id);
            var (timeOk, timestamp, timeText) = time();
            if (!timeOk)
            {
                Reject(timeColumn, timeText.Length == 0 ? "the timestamp is empty" : $"'{timeText}' is not a valid date");
                continue;
            }

            type(ref text);
            var typeText = text.Span.Trim();
            if (typeText.IsEmpty)
            {
                Reject(typeColumn, "the event type is empty");
                continue;
            }

            decimal? amountValue = null;
            if (amount is not null)
            {
                var (amountOk, value, amountText) = amount();
                if (!amountOk)
                {
                    Reject(amountColumn!.Value, $"'{amountText}' is not a number");
                    continue;
                }

                amountValue = value;
            }

            string? eventIdValue = null;
            if (eventId is not null)
            {
                eventId(ref text);
                var span = text.Span.Trim();
                if (!span.IsEmpty)
                {
                    eventIdValue = span.ToString();
                    if (_options.RejectDuplicateEventIds && !seen.Add(eventIdValue))
                    {
                        Reject(eventIdColumn!.Value, $"duplicate event id '{eventIdValue}' (the first occurrence was kept)");
                        continue;
                    }
                }
            }

            report.CountAccepted();
            yield return new CustomerEvent(new CustomerId(customerId), timestamp, new CustomerEventType(typeText.ToString()), amountValue, eventIdValue);
        }

        void Reject(DataViewSchema.Column column, string message)
        {
            var error = new IngestError(source, row, column.Index + 1, column.Name, message);
            report.CountRejected(error);
            if (_options.ErrorMode == ErrorMode.FailFast)
            {
                throw new IngestException(error);
            }
        }
    }
}
