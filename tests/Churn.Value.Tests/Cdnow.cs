using System.Globalization;
using Churn.Abstractions;
using Churn.Value;

namespace Churn.Value.Tests;

/// <summary>The CDNOW sample kept in tests/data/cdnow (see its SOURCE.md).</summary>
internal static class Cdnow
{
    public static readonly DateTimeOffset CalibrationEnd = new(1997, 9, 30, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset ObservationEnd = new(1998, 6, 30, 0, 0, 0, TimeSpan.Zero);

    private static readonly Lazy<CustomerSummary[]> LazySummary = new(LoadSummary);
    private static readonly Lazy<Transaction[]> LazyTransactions = new(LoadTransactions);

    /// <summary>Gets the published summary (ID, x, t_x, T, zbar), in weeks.</summary>
    public static CustomerSummary[] Summary => LazySummary.Value;

    /// <summary>Gets the 6,919 raw transactions of the sample.</summary>
    public static Transaction[] Transactions => LazyTransactions.Value;

    private static string PathOf(string file) => Path.Combine(AppContext.BaseDirectory, "data", "cdnow", file);

    private static CustomerSummary[] LoadSummary() =>
        [.. File.ReadLines(PathOf("cdnow_customers_summary_with_transactions.csv")).Skip(1)
            .Where(l => l.Length > 0)
            .Select(l => l.Split(','))
            .Select(p => new CustomerSummary(
                new CustomerId(p[0]),
                int.Parse(p[1], CultureInfo.InvariantCulture),
                double.Parse(p[2], CultureInfo.InvariantCulture),
                double.Parse(p[3], CultureInfo.InvariantCulture),
                double.Parse(p[4], CultureInfo.InvariantCulture)))];

    private static Transaction[] LoadTransactions() =>
        [.. File.ReadLines(PathOf("CDNOW_sample.txt"))
            .Where(l => !string.IsNullOrWhiteSpace(l))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(p => new Transaction(
                new CustomerId(int.Parse(p[1], CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture)),
                DateTimeOffset.ParseExact(p[2], "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
                decimal.Parse(p[4], CultureInfo.InvariantCulture)))];
}
