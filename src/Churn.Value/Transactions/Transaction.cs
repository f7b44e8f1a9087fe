using Churn.Abstractions;

namespace Churn.Value;

/// <summary>One purchase.</summary>
/// <param name="CustomerId">Who bought.</param>
/// <param name="Timestamp">When.</param>
/// <param name="Amount">The revenue.</param>
/// <param name="Cost">What the purchase cost the business, when known (for margin).</param>
public readonly record struct Transaction(CustomerId CustomerId, DateTimeOffset Timestamp, decimal Amount, decimal? Cost = null)
{
    /// <summary>Takes the purchases (events of type <c>purchase</c> with an amount) from customer events. A <c>cost</c> attribute, when present and numeric, becomes the cost.</summary>
    /// <param name="events">The events.</param>
    /// <returns>The transactions, in event order.</returns>
    public static IEnumerable<Transaction> FromEvents(IEnumerable<CustomerEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        foreach (var e in events)
        {
            if (e.Type == CustomerEventType.Purchase && e.Amount is { } amount)
            {
                decimal? cost = e.Attributes is { } a && a.TryGetValue("cost", out var c)
                    && decimal.TryParse(c, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var parsed)
                    ? parsed
                    : null;
                yield return new Transaction(e.CustomerId, e.Timestamp, amount, cost);
            }
        }
    }
}

/// <summary>The time unit of recency, T and forecast horizons. Always explicit: a model fitted in weeks predicts in weeks.</summary>
public enum TimeUnit
{
    /// <summary>Days.</summary>
    Days,

    /// <summary>Weeks of 7 days.</summary>
    Weeks,

    /// <summary>Months of 365.25 / 12 = 30.4375 days.</summary>
    Months,
}

/// <summary>Conversions for <see cref="TimeUnit"/>.</summary>
public static class TimeUnits
{
    /// <summary>Gets the number of days in one unit.</summary>
    /// <param name="unit">The unit.</param>
    /// <returns>The days.</returns>
    public static double Days(this TimeUnit unit) => unit switch
    {
        TimeUnit.Days => 1,
        TimeUnit.Weeks => 7,
        TimeUnit.Months => 365.25 / 12,
        _ => throw new ArgumentOutOfRangeException(nameof(unit), unit, "Unknown time unit."),
    };

    /// <summary>Parses <c>days</c>, <c>weeks</c> or <c>months</c>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="unit">The unit.</param>
    /// <returns>Whether the text named a unit.</returns>
    public static bool TryParse(string? text, out TimeUnit unit)
    {
        switch (text?.Trim().ToUpperInvariant())
        {
            case "DAYS" or "DAY" or "D":
                unit = TimeUnit.Days;
                return true;
            case "WEEKS" or "WEEK" or "W":
                unit = TimeUnit.Weeks;
                return true;
            case "MONTHS" or "MONTH" or "M":
                unit = TimeUnit.Months;
                return true;
            default:
                unit = default;
                return false;
        }
    }
}
