using Churn.Abstractions;

namespace Churn.Value;

/// <summary>
/// A customer's purchase history in the form the BG/NBD, Pareto/NBD and Gamma-Gamma models take,
/// in an explicit <see cref="TimeUnit"/>.
/// </summary>
/// <param name="CustomerId">The customer.</param>
/// <param name="Frequency">x: repeat purchases in the calibration period (purchase days after the first).</param>
/// <param name="Recency">t_x: time from the first to the last purchase in the calibration period.</param>
/// <param name="T">Time from the first purchase to the end of the calibration period.</param>
/// <param name="MonetaryValue">The mean value of the repeat purchases in calibration (0 without repeats).</param>
public sealed record CustomerSummary(CustomerId CustomerId, int Frequency, double Recency, double T, double MonetaryValue)
{
    /// <summary>Gets the first purchase's instant (UTC date).</summary>
    public DateTimeOffset FirstPurchase { get; init; }

    /// <summary>Gets the value of the first purchase.</summary>
    public double FirstPurchaseValue { get; init; }

    /// <summary>Gets the purchases (days) in the holdout period, when one was given.</summary>
    public int HoldoutFrequency { get; init; }

    /// <summary>Gets the mean value of the holdout purchases (0 without any).</summary>
    public double HoldoutMonetaryValue { get; init; }

    /// <summary>Gets the length of the holdout period, in the summary's unit (0 when none).</summary>
    public double HoldoutDuration { get; init; }
}

/// <summary>Options of the <see cref="TransactionSummaryBuilder"/>.</summary>
/// <param name="Unit">The time unit of recency and T (explicit, never implied).</param>
/// <param name="CalibrationEnd">The last day of the calibration period (inclusive).</param>
public sealed record SummaryOptions(TimeUnit Unit, DateTimeOffset CalibrationEnd)
{
    /// <summary>Gets the last day of the holdout period (inclusive), or <see langword="null"/> for no holdout.</summary>
    public DateTimeOffset? ObservationEnd { get; init; }

    /// <summary>Gets a value indicating whether purchases on the same day are merged into one (amounts summed), as the CLV literature does.</summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool MergeSameDay { get; init; } = true;
}

/// <summary>The summaries and the accounting of the transactions behind them.</summary>
/// <param name="Customers">One summary per customer whose first purchase is in calibration, ordered by customer id.</param>
/// <param name="Unit">The time unit.</param>
public sealed record SummaryResult(IReadOnlyList<CustomerSummary> Customers, TimeUnit Unit)
{
    /// <summary>Gets the number of transactions read.</summary>
    public long TransactionsRead { get; init; }

    /// <summary>Gets the number of transactions folded into another one on the same day.</summary>
    public long MergedSameDay { get; init; }

    /// <summary>Gets the number of transactions after the observation end (not used).</summary>
    public long AfterObservationEnd { get; init; }

    /// <summary>Gets the number of customers left out because their first purchase came after the calibration end.</summary>
    public int CustomersFirstSeenAfterCalibration { get; init; }
}

/// <summary>
/// Builds <see cref="CustomerSummary"/> values from raw transactions: same-day purchases merged,
/// a calibration / holdout split by date, recency and T in an explicit time unit. Days are UTC
/// calendar days.
/// </summary>
/// <remarks>Thread-safe: stateless.</remarks>
public static class TransactionSummaryBuilder
{
    /// <summary>Builds the summaries.</summary>
    /// <param name="transactions">The transactions, in any order.</param>
    /// <param name="options">Unit, calibration end and holdout.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The summaries with their accounting.</returns>
    /// <exception cref="ArgumentException">The observation end precedes the calibration end.</exception>
    public static SummaryResult Build(IEnumerable<Transaction> transactions, SummaryOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transactions);
        ArgumentNullException.ThrowIfNull(options);
        var calibrationEnd = DayOf(options.CalibrationEnd);
        var observationEnd = options.ObservationEnd is { } o ? DayOf(o) : calibrationEnd;
        if (observationEnd < calibrationEnd)
        {
            throw new ArgumentException($"The observation end {observationEnd:yyyy-MM-dd} is before the calibration end {calibrationEnd:yyyy-MM-dd}.", nameof(options));
        }

        var byCustomer = new Dictionary<CustomerId, List<(int Day, double Amount)>>();
        long read = 0, merged = 0, after = 0;
        foreach (var t in transactions)
        {
            if ((++read & 0xFFFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var day = DayOf(t.Timestamp);
            if (day > observationEnd)
            {
                after++;
                continue;
            }

            if (!byCustomer.TryGetValue(t.CustomerId, out var purchases))
            {
                purchases = [];
                byCustomer.Add(t.CustomerId, purchases);
            }

            purchases.Add((day.DayNumber, (double)t.Amount));
        }

        var unitDays = options.Unit.Days();
        var summaries = new List<CustomerSummary>(byCustomer.Count);
        var lateCustomers = 0;
        foreach (var (id, purchases) in byCustomer.OrderBy(kv => kv.Key))
        {
            // Stable sort by day; then merge same-day purchases when asked.
            var days = purchases.Select((p, i) => (p.Day, p.Amount, i)).OrderBy(p => p.Day).ThenBy(p => p.i).Select(p => (p.Day, p.Amount)).ToList();
            if (options.MergeSameDay)
            {
                var mergedDays = new List<(int Day, double Amount)>(days.Count);
                foreach (var p in days)
                {
                    if (mergedDays.Count > 0 && mergedDays[^1].Day == p.Day)
                    {
                        mergedDays[^1] = (p.Day, mergedDays[^1].Amount + p.Amount);
                        merged++;
                    }
                    else
                    {
                        mergedDays.Add(p);
                    }
                }

                days = mergedDays;
            }

            var first = days[0].Day;
            if (first > calibrationEnd.DayNumber)
            {
                lateCustomers++;
                continue;
            }

            int x = 0, holdout = 0, last = first;
            double repeatSum = 0, holdoutSum = 0;
            foreach (var (d, amount) in days.Skip(1))
            {
                if (d <= calibrationEnd.DayNumber)
                {
                    x++;
                    repeatSum += amount;
                    last = d;
                }
                else
                {
                    holdout++;
                    holdoutSum += amount;
                }
            }

            summaries.Add(new CustomerSummary(id, x, (last - first) / unitDays, (calibrationEnd.DayNumber - first) / unitDays, x > 0 ? repeatSum / x : 0)
            {
                FirstPurchase = new DateTimeOffset(DateOnly.FromDayNumber(first).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero),
                FirstPurchaseValue = days[0].Amount,
                HoldoutFrequency = holdout,
                HoldoutMonetaryValue = holdout > 0 ? holdoutSum / holdout : 0,
                HoldoutDuration = (observationEnd.DayNumber - calibrationEnd.DayNumber) / unitDays,
            });
        }

        return new SummaryResult(summaries, options.Unit)
        {
            TransactionsRead = read,
            MergedSameDay = merged,
            AfterObservationEnd = after,
            CustomersFirstSeenAfterCalibration = lateCustomers,
        };
    }

    /// <summary>
    /// Summarises one customer's purchases, oldest first, up to a calibration end, as <see cref="Build"/>
    /// does with same-day purchases merged (no holdout): for callers that hold purchases in columns.
    /// </summary>
    /// <param name="customerId">The customer.</param>
    /// <param name="ticks">The purchases' UTC ticks, ascending.</param>
    /// <param name="amounts">The purchases' amounts (NaN entries are skipped, as purchases without an amount are).</param>
    /// <param name="calibrationEnd">The instant; later purchases are ignored.</param>
    /// <param name="unit">The time unit of recency and T.</param>
    /// <returns>The summary, or <see langword="null"/> when the customer made no purchase by the end.</returns>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static CustomerSummary? Summarize(CustomerId customerId, ReadOnlySpan<long> ticks, ReadOnlySpan<double> amounts, DateTimeOffset calibrationEnd, TimeUnit unit)
    {
        if (ticks.Length != amounts.Length)
        {
            throw new ArgumentException("One amount per purchase is needed.", nameof(amounts));
        }

        var end = DayOf(calibrationEnd).DayNumber;
        var unitDays = unit.Days();
        int first = int.MinValue, last = int.MinValue, day = int.MinValue, x = 0;
        double firstValue = 0, repeatSum = 0, current = 0;
        for (var i = 0; i < ticks.Length; i++)
        {
            if (double.IsNaN(amounts[i]))
            {
                continue;
            }

            var d = DateOnly.FromDateTime(new DateTime(ticks[i], DateTimeKind.Utc)).DayNumber;
            if (d > end)
            {
                break;
            }

            if (first == int.MinValue)
            {
                first = day = d;
                current = amounts[i];
                continue;
            }

            if (d == day)
            {
                current += amounts[i];
                continue;
            }

            // A new day closes the previous one.
            if (day == first)
            {
                firstValue = current;
            }
            else
            {
                repeatSum += current;
            }

            if (day != first)
            {
                x++;
                last = day;
            }

            day = d;
            current = amounts[i];
        }

        if (first == int.MinValue)
        {
            return null;
        }

        if (day == first)
        {
            firstValue = current;
        }
        else
        {
            repeatSum += current;
            x++;
            last = day;
        }

        if (last == int.MinValue)
        {
            last = first;
        }

        return new CustomerSummary(customerId, x, (last - first) / unitDays, (end - first) / unitDays, x > 0 ? repeatSum / x : 0)
        {
            FirstPurchase = new DateTimeOffset(DateOnly.FromDayNumber(first).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero),
            FirstPurchaseValue = firstValue,
        };
    }

    private static DateOnly DayOf(DateTimeOffset t) => DateOnly.FromDateTime(t.UtcDateTime);
}
