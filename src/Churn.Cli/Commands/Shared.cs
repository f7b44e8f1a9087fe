using System.CommandLine;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Churn.Abstractions;
using Churn.Data;
using Churn.Sdk;
using Spectre.Console;

namespace Churn.Cli.Commands;

/// <summary>Exit codes of every command.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Rejected = 1;

    /// <summary>The command line is wrong: an unknown option, a missing or malformed value.</summary>
    public const int Usage = 2;

    /// <summary>An input cannot be used: missing, unreadable, malformed beyond a row, or a damaged model file.</summary>
    public const int Unusable = 3;

    /// <summary>A bug: an exception no command turned into a message.</summary>
    public const int Internal = 4;

    /// <summary>Stopped by Ctrl-C (128 + SIGINT, as shells report it).</summary>
    public const int Cancelled = 130;
}

/// <summary>Options shared by the commands that read an events CSV.</summary>
internal sealed class EventColumnOptions
{
    public Option<string> Customer { get; } = new("--customer-column") { Description = "Column holding the customer id.", DefaultValueFactory = _ => "customer_id" };

    public Option<string> Time { get; } = new("--time-column") { Description = "Column holding the event time.", DefaultValueFactory = _ => "timestamp" };

    public Option<string> Type { get; } = new("--type-column") { Description = "Column holding the event type (purchase, login, support_ticket, ...).", DefaultValueFactory = _ => "type" };

    public Option<string?> Amount { get; } = new("--amount-column") { Description = "Column holding the amount (optional; default 'amount' when present)." };

    public Option<string?> EventId { get; } = new("--event-id-column") { Description = "Column holding the event id used to drop duplicates (optional; default 'event_id' when present)." };

    public Option<string?> TimeFormat { get; } = new("--time-format") { Description = "Exact .NET date format such as yyyyMMdd or dd/MM/yyyy HH:mm (default: ISO 8601). Times without an offset are UTC." };

    public Option<char> Delimiter { get; } = Delimiters.Option();

    public EventColumnOptions() => DateFormats.Check(TimeFormat);

    public void AddTo(Command command)
    {
        command.Options.Add(Customer);
        command.Options.Add(Time);
        command.Options.Add(Type);
        command.Options.Add(Amount);
        command.Options.Add(EventId);
        command.Options.Add(TimeFormat);
        command.Options.Add(Delimiter);
    }

    public CsvEventReaderOptions Read(ParseResult parse)
    {
        var amount = parse.GetValue(Amount);
        var eventId = parse.GetValue(EventId);
        return new CsvEventReaderOptions
        {
            CustomerColumn = parse.GetValue(Customer)!,
            TimeColumn = parse.GetValue(Time)!,
            TypeColumn = parse.GetValue(Type)!,
            AmountColumn = amount ?? "amount",
            AmountColumnRequired = amount is not null,
            EventIdColumn = eventId ?? "event_id",
            EventIdColumnRequired = eventId is not null,
            TimeFormat = parse.GetValue(TimeFormat),
            Delimiter = parse.GetValue(Delimiter),
        };
    }
}

/// <summary>The --format option.</summary>
internal static class Formats
{
    public static Option<string> Option() => new Option<string>("--format") { Description = "Output format: text or json.", DefaultValueFactory = _ => "text" }
        .AcceptOnlyFromAmong("text", "json");

    public static bool IsJson(ParseResult parse, Option<string> format) => string.Equals(parse.GetValue(format), "json", StringComparison.Ordinal);
}

internal static class Json
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static void Write(TextWriter output, object value) => output.WriteLine(JsonSerializer.Serialize(value, Options));
}

internal static class Dates
{
    /// <summary>Parses an instant given on the command line: ISO 8601 only (2026-02-01, 2026-02-01T10:00:00Z), so that 02/01/2026 is never guessed as 1 February or 2 January.</summary>
    public static bool TryParse(string? text, out DateTimeOffset value)
    {
        value = default;
        var t = text.AsSpan().Trim();
        return t.Length >= 10 && char.IsAsciiDigit(t[0]) && char.IsAsciiDigit(t[1]) && char.IsAsciiDigit(t[2]) && char.IsAsciiDigit(t[3]) && t[4] == '-'
            && DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value);
    }
}

/// <summary>Terminal progress: shown only on an interactive terminal and never in JSON mode.</summary>
internal static class TerminalProgress
{
    public static bool Enabled(TextWriter output, bool json) =>
        !json && ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    public static async Task<T> RunAsync<T>(bool enabled, string description, double total, Func<IProgress<double>, Task<T>> work)
    {
        if (!enabled)
        {
            return await work(new Progress<double>(_ => { })).ConfigureAwait(false);
        }

        return await AnsiConsole.Progress()
            .AutoClear(true)
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask(description, maxValue: Math.Max(1, total));
                var progress = new SyncProgress(v => task.Value = v);
                var result = await work(progress).ConfigureAwait(false);
                task.Value = task.MaxValue;
                return result;
            }).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs work whose length is not known in advance (a fit, cross-validation, a scoring pass)
    /// with a spinner and its own status line on an interactive terminal; directly otherwise.
    /// </summary>
    public static T Status<T>(bool enabled, string description, Func<Action<string>, T> work)
    {
        if (!enabled)
        {
            return work(_ => { });
        }

        return AnsiConsole.Status().Start(description, ctx =>
        {
            var status = new SyncProgress<string>(text => ctx.Status = Markup.Escape(text));
            return work(status.Report);
        });
    }

    /// <summary>Runs work that returns nothing with a spinner (see <see cref="Status{T}"/>).</summary>
    public static void Status(bool enabled, string description, Action<Action<string>> work) =>
        Status(enabled, description, status =>
        {
            work(status);
            return true;
        });

    private sealed class SyncProgress<TValue>(Action<TValue> report)
    {
        public void Report(TValue value) => report(value);
    }

    private sealed class SyncProgress(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }
}

/// <summary>A read-only stream wrapper that reports how far it has read.</summary>
internal sealed class ProgressStream(Stream inner, IProgress<double> progress) : Stream
{
    private long _position;
    private long _reported;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => inner.Length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Advance(inner.Read(buffer, offset, count));

    public override int Read(Span<byte> buffer) => Advance(inner.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Advance(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Advance(int n)
    {
        _position += n;
        if (_position - _reported > (1 << 20) || n == 0)
        {
            _reported = _position;
            progress.Report(_position);
        }

        return n;
    }
}

/// <summary>Refuses a date format .NET cannot use (such as <c>%</c>) as a usage error, before any row is read.</summary>
internal static class DateFormats
{
    public static void Check(Option<string?> option) => option.Validators.Add(result =>
    {
        if (result.Tokens.Count == 0)
        {
            return;
        }

        var format = result.Tokens[0].Value;
        try
        {
            var sample = new DateTimeOffset(2026, 1, 31, 13, 45, 30, TimeSpan.Zero).ToString(format, CultureInfo.InvariantCulture);
            _ = DateTimeOffset.TryParseExact(sample, format, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _);
        }
        catch (FormatException)
        {
            result.AddError($"{option.Name} '{format}' is not a .NET date format; use patterns such as yyyy-MM-dd, dd/MM/yyyy or yyyyMMdd HH:mm.");
        }
    });
}

/// <summary>The <c>--delimiter</c> option: one character, or a name for the ones a shell makes awkward (tab, space, semicolon, pipe).</summary>
internal static class Delimiters
{
    public static Option<char> Option() => new("--delimiter")
    {
        Description = "Field delimiter: one character, or tab, space, semicolon, pipe, comma (\\t also means tab).",
        DefaultValueFactory = _ => ',',
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 0 ? "," : result.Tokens[0].Value;
            switch (text.ToLowerInvariant())
            {
                case "tab" or "\\t" or "\t":
                    return '\t';
                case "space":
                    return ' ';
                case "semicolon":
                    return ';';
                case "pipe":
                    return '|';
                case "comma":
                    return ',';
            }

            if (text.Length == 1 && text[0] is not '"' and not '\r' and not '\n')
            {
                return text[0];
            }

            result.AddError($"--delimiter '{text}' is not one character; use a single character, or tab, space, semicolon, pipe or comma.");
            return ',';
        },
    };
}

/// <summary>Quotes a CSV text cell when it needs it (RFC 4180) and keeps formula-like text from running in a spreadsheet.</summary>
internal static class CsvField
{
    public static string Quote(string value) => Churn.Shared.CsvCells.Quote(value);
}

/// <summary>Writes a file whole or not at all: into a temporary file beside it, moved over the target at the end.</summary>
internal static class AtomicFile
{
    public static async Task WriteAsync(string path, Func<Stream, Task> write)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Path.GetRandomFileName()}.tmp");
        try
        {
            var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            await using (stream.ConfigureAwait(false))
            {
                await write(stream).ConfigureAwait(false);
            }

            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Path.GetRandomFileName()}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
            }

            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }
}

/// <summary>Reads an assessments file (from <c>churn assess</c>) with a progress bar on a terminal, one assessment per customer.</summary>
internal static class AssessmentInput
{
    /// <summary>Reads every assessment and maps it (with its 1-based position in the file, for errors).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="AssessmentFileException">A line is not an assessment, or a customer is assessed twice.</exception>
    public static async Task<List<T>> ReadAsync<T>(string path, bool progressBar, string verb, Func<RiskAssessment, int, T> map, CancellationToken ct)
    {
        var size = File.Exists(path) ? new FileInfo(path).Length : 0;
        return await TerminalProgress.RunAsync(progressBar, "Reading assessments", size, progress => Task.Run(
            () =>
            {
                var list = new List<T>();
                var seen = new HashSet<CustomerId>();
                var stream = File.Exists(path) ? new ProgressStream(File.OpenRead(path), progress) : throw new FileNotFoundException($"--assessments '{path}' does not exist.", path);
                foreach (var a in AssessmentJsonLines.Read(stream, path, ct))
                {
                    if (!seen.Add(a.CustomerId))
                    {
                        throw new AssessmentFileException(path, list.Count + 1, $"customer '{a.CustomerId}' is assessed twice; {verb} one instant at a time");
                    }

                    list.Add(map(a, list.Count + 1));
                }

                return list;
            },
            ct)).ConfigureAwait(false);
    }
}
