using System.Text;
using Sylvan.Data.Csv;

namespace Churn.Data;

/// <summary>
/// The shared CSV loop of the readers: physical line numbers (quoted fields may span lines),
/// blank lines, rows with the wrong number of fields, bad UTF-8 and truncated quoted fields,
/// all turned into <see cref="IngestError"/>s and counted in an <see cref="IngestReport"/>.
/// </summary>
internal sealed class CsvRecordSource : IDisposable
{
    private readonly CsvDataReader _csv;
    private readonly IngestReport _report;
    private readonly ErrorMode _mode;
    private long _nextLine;
    private bool _finished;

    private CsvRecordSource(CsvDataReader csv, string source, IngestReport report, ErrorMode mode)
    {
        _csv = csv;
        Source = source;
        _report = report;
        _mode = mode;
        Header = new string[csv.FieldCount];
        var headerNewlines = 0;
        for (var i = 0; i < Header.Length; i++)
        {
            Header[i] = csv.GetName(i).Trim();
            headerNewlines += CountNewlines(Header[i]);
        }

        _nextLine = 2 + headerNewlines;
    }

    public string Source { get; }

    public string[] Header { get; }

    public long Line { get; private set; }

    public int FieldCount => _csv.RowFieldCount;

    /// <summary>The longest record (quoted fields may span lines); a physical line is cut at <see cref="LineLimitReader.DefaultMaxLineLength"/> before.</summary>
    private const int MaxRecordLength = 1 << 24;

    internal static UTF8Encoding Utf8Replacing { get; } = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    public static CsvRecordSource Open(TextReader reader, string source, char delimiter, IngestReport report, ErrorMode mode)
    {
        try
        {
            return Create(CsvDataReader.Create(new LineLimitReader(reader), CreateOptions(delimiter)), source, report, mode);
        }
        catch (CsvMissingHeadersException)
        {
            throw Empty(source);
        }
    }

    public static async Task<CsvRecordSource> OpenAsync(TextReader reader, string source, char delimiter, IngestReport report, ErrorMode mode, CancellationToken cancellationToken)
    {
        try
        {
            return Create(await CsvDataReader.CreateAsync(new LineLimitReader(reader), CreateOptions(delimiter), cancellationToken).ConfigureAwait(false), source, report, mode);
        }
        catch (CsvMissingHeadersException)
        {
            throw Empty(source);
        }
    }

    public static StreamReader OpenText(Stream stream) => new(stream, Utf8Replacing, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);

    public int Ordinal(string name)
    {
        var found = -1;
        for (var i = 0; i < Header.Length; i++)
        {
            if (string.Equals(Header[i], name, StringComparison.OrdinalIgnoreCase))
            {
                if (found >= 0)
                {
                    throw Duplicate(found, i);
                }

                found = i;
            }
        }

        return found;
    }

    /// <summary>Throws a file-level error when two header names are the same (ignoring case): which one is meant cannot be told.</summary>
    public void RequireUniqueHeader()
    {
        var seen = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < Header.Length; i++)
        {
            if (Header[i].Length > 0 && !seen.TryAdd(Header[i], i))
            {
                throw Duplicate(seen[Header[i]], i);
            }
        }
    }

    private IngestException Duplicate(int first, int second) =>
        new(new IngestError(Source, 1, second + 1, Header[second], $"columns {first + 1} and {second + 1} are both named '{Header[second]}'; rename one (which is meant cannot be told)"));

    /// <summary>Throws a file-level error naming the missing column and the closest match.</summary>
    public IngestException MissingColumn(string name, string option)
    {
        var suggestion = Churn.Shared.NameSuggestions.Closest(name, Header);
        var hint = suggestion is null ? string.Empty : $" Did you mean '{suggestion}'?";
        if (Header.Length == 1 && Header[0].AsSpan().IndexOfAny(";\t|,") is var at and >= 0 && Header[0][at] is var other)
        {
            // One column whose name holds another delimiter: the file is split on something else.
            hint += $" The header is one column holding '{(other == '\t' ? "\\t" : other.ToString())}': the file seems delimited by it (--delimiter {(other switch { '\t' => "tab", ';' => "semicolon", '|' => "pipe", _ => "comma" })}).";
        }

        var error = new IngestError(
            Source, 1, 0, name,
            $"required column '{name}' is not in the header ({string.Join(", ", Header)}).{hint} Map your own column name with {option}.");
        return new IngestException(error);
    }

    public bool MoveNext(CancellationToken cancellationToken)
    {
        while (!_finished)
        {
            cancellationToken.ThrowIfCancellationRequested();
            bool more;
            try
            {
                more = _csv.Read();
            }
            catch (CsvFormatException ex)
            {
                FailStructure(ex);
                return false;
            }

            if (!more)
            {
                _finished = true;
                return false;
            }

            if (Position())
            {
                return true;
            }
        }

        return false;
    }

    public async ValueTask<bool> MoveNextAsync(CancellationToken cancellationToken)
    {
        while (!_finished)
        {
            bool more;
            try
            {
                more = await _csv.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (CsvFormatException ex)
            {
                FailStructure(ex);
                return false;
            }

            if (!more)
            {
                _finished = true;
                return false;
            }

            if (Position())
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Gets a field with surrounding white space removed.</summary>
    public ReadOnlySpan<char> Field(int ordinal) => _csv.GetFieldSpan(ordinal).Trim();

    public string FieldString(int ordinal) => Field(ordinal).ToString();

    /// <summary>Counts a rejected row; in fail-fast mode throws.</summary>
    public void Reject(int ordinal, string message)
    {
        var error = new IngestError(
            Source,
            Line,
            ordinal >= 0 ? ordinal + 1 : 0,
            ordinal >= 0 && ordinal < Header.Length ? Header[ordinal] : null,
            message);
        _report.CountRejected(error);
        if (_mode == ErrorMode.FailFast)
        {
            throw new IngestException(error);
        }
    }

    public void Accept() => _report.CountAccepted();

    /// <summary>Counts a warning about the current row, which is still read.</summary>
    public void Warn(int ordinal, string message) =>
        _report.CountWarning(new IngestError(Source, Line, ordinal + 1, ordinal < Header.Length ? Header[ordinal] : null, message));

    public void Dispose() => _csv.Dispose();

    private static CsvDataReaderOptions CreateOptions(char delimiter) => new()
    {
        HasHeaders = true,
        Delimiter = delimiter,
        BufferSize = 1 << 16,
        MaxBufferSize = MaxRecordLength,

        // Sylvan skips lines starting with '#' as comments by default: a data row whose first field
        // starts with '#' would vanish uncounted. NUL never starts a text field, so nothing is a comment.
        Comment = '\0',
    };

    private static CsvRecordSource Create(CsvDataReader csv, string source, IngestReport report, ErrorMode mode)
    {
        if (csv.FieldCount == 0 || (csv.FieldCount == 1 && string.IsNullOrWhiteSpace(csv.GetName(0))))
        {
            csv.Dispose();
            throw Empty(source);
        }

        return new CsvRecordSource(csv, source, report, mode);
    }

    private static IngestException Empty(string source) =>
        new(new IngestError(source, 1, 0, null, "the file is empty: a header line is expected."));

    private static int CountNewlines(ReadOnlySpan<char> text)
    {
        var count = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n' || (text[i] == '\r' && (i + 1 == text.Length || text[i + 1] != '\n')))
            {
                count++;
            }
        }

        return count;
    }

    private void FailStructure(CsvFormatException ex)
    {
        _finished = true;
        Line = _nextLine;
        var message = ex switch
        {
            CsvInvalidCharacterException => "a quoted field is never closed or is followed by stray characters (is the file truncated?); the rest of the file cannot be read",
            CsvRecordTooLargeException => $"a quoted record spans more than {MaxRecordLength:N0} characters (is a quote never closed?); the rest of the file cannot be read",
            _ => "the record is malformed: " + ex.Message,
        };
        Reject(-1, message);
    }

    /// <summary>Sets the line of the current row; counts and skips blank lines; rejects bad structure.</summary>
    /// <returns><see langword="true"/> when the row should be parsed.</returns>
    private bool Position()
    {
        Line = _nextLine;
        var n = _csv.RowFieldCount;
        var newlines = 0;
        var badEncoding = -1;
        var overLong = -1;
        var nul = -1;
        for (var i = 0; i < n; i++)
        {
            var span = _csv.GetFieldSpan(i);
            var hit = span.IndexOfAny("\n\r\uFFFD\0");
            if (hit < 0)
            {
                continue;
            }

            newlines += CountNewlines(span[hit..]);
            if (badEncoding < 0 && span[hit..].Contains('\uFFFD'))
            {
                badEncoding = i;
            }

            if (span[hit..].Contains('\0'))
            {
                if (overLong < 0 && span.Contains(LineLimitReader.Marker, StringComparison.Ordinal))
                {
                    overLong = i;
                }
                else if (nul < 0)
                {
                    nul = i;
                }
            }
        }

        _nextLine += 1 + newlines;
        if (overLong >= 0)
        {
            Reject(-1, $"the line is longer than {LineLimitReader.DefaultMaxLineLength:N0} characters (the longest a line may be); the record was skipped");
            return false;
        }

        if (nul >= 0)
        {
            Reject(nul, "the value holds a NUL character (is this a binary file?)");
            return false;
        }

        if (n == 1 && _csv.GetFieldSpan(0).IsWhiteSpace())
        {
            _report.CountBlankLine();
            return false;
        }

        if (n != Header.Length)
        {
            Reject(Math.Min(n, Header.Length), $"the row has {n} fields but the header has {Header.Length}");
            return false;
        }

        if (badEncoding >= 0)
        {
            Reject(badEncoding, "the value is not valid UTF-8 text (is the file in another encoding?)");
            return false;
        }

        return true;
    }
}
