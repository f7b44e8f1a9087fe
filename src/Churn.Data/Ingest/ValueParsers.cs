using System.Globalization;

namespace Churn.Data;

/// <summary>Culture-invariant parsing of timestamps and numbers, with a fast path for ISO 8601.</summary>
internal static class ValueParsers
{
    private const DateTimeStyles Styles = DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces;

    /// <summary>Parses a timestamp. Without an offset it is taken as UTC.</summary>
    public static bool TryParseTimestamp(ReadOnlySpan<char> text, string? format, out DateTimeOffset value)
    {
        if (format is not null)
        {
            return DateTimeOffset.TryParseExact(text, format, CultureInfo.InvariantCulture, Styles, out value);
        }

        if (TryParseIsoFast(text, out value))
        {
            return true;
        }

        // 01/02/2026 is 1 February in Europe and 2 January in the US: never guessed, the format must say.
        if (IsDayMonthOrder(text))
        {
            value = default;
            return false;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, Styles, out value);
    }

    /// <summary>Tells whether a date starts with two small numbers (01/02/2026, 1.2.26, 13-02-2026), whose day/month order only a format can tell.</summary>
    public static bool IsDayMonthOrder(ReadOnlySpan<char> text)
    {
        text = text.Trim();
        var i = 0;
        for (var part = 0; part < 2; part++)
        {
            var start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            if (i - start is < 1 or > 2 || i >= text.Length || text[i] is not ('/' or '.' or '-'))
            {
                return false;
            }

            i++;
        }

        return i < text.Length && char.IsAsciiDigit(text[i]);
    }

    /// <summary>The reason a timestamp was refused, in words, naming the option that fixes it.</summary>
    public static string TimestampProblem(ReadOnlySpan<char> text, string? format, string option) =>
        format is null && IsDayMonthOrder(text)
            ? $"'{text.ToString()}' does not say whether the day or the month comes first; set {option} (dd/MM/yyyy or MM/dd/yyyy) or write ISO 8601 (2026-02-01)"
            : format is null
                ? $"'{text.ToString()}' is not a valid date: expected an ISO 8601 date such as 2026-03-01 or 2026-03-01T10:00:00Z (set {option} for another format)"
                : $"'{text.ToString()}' is not a valid date in the format '{format}'";

    public static bool TryParseDecimal(ReadOnlySpan<char> text, out decimal value) =>
        decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);

    public static bool TryParseDouble(ReadOnlySpan<char> text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    /// <summary>yyyy-MM-dd, yyyy-MM-ddTHH:mm:ss, the same with a trailing Z; anything else falls back.</summary>
    private static bool TryParseIsoFast(ReadOnlySpan<char> s, out DateTimeOffset value)
    {
        value = default;
        if (s.Length is not (10 or 19 or 20) || s[4] != '-' || s[7] != '-')
        {
            return false;
        }

        if (!Digits(s, 0, 4, out var year) || !Digits(s, 5, 2, out var month) || !Digits(s, 8, 2, out var day))
        {
            return false;
        }

        int hour = 0, minute = 0, second = 0;
        if (s.Length >= 19)
        {
            if ((s[10] != 'T' && s[10] != ' ') || s[13] != ':' || s[16] != ':')
            {
                return false;
            }

            if (s.Length == 20 && s[19] != 'Z')
            {
                return false;
            }

            if (!Digits(s, 11, 2, out hour) || !Digits(s, 14, 2, out minute) || !Digits(s, 17, 2, out second))
            {
                return false;
            }
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        value = new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.Zero);
        return true;
    }

    private static bool Digits(ReadOnlySpan<char> s, int start, int count, out int value)
    {
        value = 0;
        for (var i = start; i < start + count; i++)
        {
            var d = s[i] - '0';
            if ((uint)d > 9)
            {
                return false;
            }

            value = (value * 10) + d;
        }

        return true;
    }
}
