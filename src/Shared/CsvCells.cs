namespace Churn.Shared;

/// <summary>
/// One text cell of a CSV file the SDK writes: quoted when it needs it (RFC 4180), and prefixed
/// with an apostrophe when a spreadsheet would run it as a formula (it starts with <c>=</c>,
/// <c>+</c>, <c>-</c>, <c>@</c>, a tab or a carriage return, and is not a number), so that an id
/// such as <c>=HYPERLINK(...)</c> from an export stays text. Compiled into each package that
/// writes CSV, as an internal type.
/// </summary>
internal static class CsvCells
{
    public static string Quote(string value)
    {
        var guarded = IsFormulaLike(value) ? "'" + value : value;
        return guarded.AsSpan().IndexOfAny(",\"\r\n") < 0 ? guarded : "\"" + guarded.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    public static void Write(TextWriter writer, string value)
    {
        if (value.AsSpan().IndexOfAny(",\"\r\n") < 0 && !IsFormulaLike(value))
        {
            writer.Write(value);
            return;
        }

        writer.Write(Quote(value));
    }

    public static bool IsFormulaLike(string value) =>
        value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r'
        && !double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _);
}
