using Churn.Abstractions;
using Churn.Value;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Churn.Value.Tests.Transactions;

public sealed class TransactionSummaryBuilderTests
{
    [Fact]
    public void Build_CdnowSample_ReproducesThePublishedSummary()
    {
        var result = TransactionSummaryBuilder.Build(Cdnow.Transactions, new SummaryOptions(TimeUnit.Weeks, Cdnow.CalibrationEnd) { ObservationEnd = Cdnow.ObservationEnd });
        var published = Cdnow.Summary.ToDictionary(s => s.CustomerId);

        Assert.Equal(2357, result.Customers.Count);
        Assert.Equal(6919, result.TransactionsRead);
        Assert.Equal(6919 - 6696, result.MergedSameDay);
        foreach (var s in result.Customers)
        {
            var p = published[s.CustomerId];
            Assert.Equal(p.Frequency, s.Frequency);
            Assert.Equal(p.Recency, s.Recency, 0.006);
            Assert.Equal(p.T, s.T, 0.006);
            Assert.Equal(p.MonetaryValue, s.MonetaryValue, 0.006);
        }

        Assert.Equal(2457, result.Customers.Sum(s => s.Frequency));
        Assert.Equal(1882, result.Customers.Sum(s => s.HoldoutFrequency));
        Assert.All(result.Customers, s => Assert.Equal(39, s.HoldoutDuration, 0.01));
    }

    [Fact]
    public void Build_TimeUnitIsExplicit_DaysAreSevenTimesWeeks()
    {
        var tx = Cdnow.Transactions.Take(200).ToList();
        var weeks = TransactionSummaryBuilder.Build(tx, new SummaryOptions(TimeUnit.Weeks, Cdnow.CalibrationEnd)).Customers;
        var days = TransactionSummaryBuilder.Build(tx, new SummaryOptions(TimeUnit.Days, Cdnow.CalibrationEnd)).Customers;

        Assert.All(weeks.Zip(days), p => Assert.Equal(p.First.T * 7, p.Second.T, 9));
    }

    [Fact]
    public void Build_SameDayPurchases_MergeOrNot()
    {
        var t0 = new DateTimeOffset(2025, 1, 1, 9, 0, 0, TimeSpan.Zero);
        Transaction[] tx = [new("a", t0, 10), new("a", t0.AddHours(5), 5), new("a", t0.AddDays(7), 20), new("b", t0.AddDays(30), 1)];
        var end = t0.AddDays(14);

        var merged = TransactionSummaryBuilder.Build(tx, new SummaryOptions(TimeUnit.Days, end) { ObservationEnd = end.AddDays(30) });
        var apart = TransactionSummaryBuilder.Build(tx, new SummaryOptions(TimeUnit.Days, end) { MergeSameDay = false });

        var a = Assert.Single(merged.Customers);
        // Days are UTC calendar days: first purchase on 1 January, calibration ends on 15 January.
        Assert.Equal((1, 7.0, 14.0, 20.0), (a.Frequency, a.Recency, a.T, a.MonetaryValue));
        Assert.Equal(15, a.FirstPurchaseValue);
        Assert.Equal(1, merged.CustomersFirstSeenAfterCalibration);
        Assert.Equal(1, TransactionSummaryBuilder.Build(tx, new SummaryOptions(TimeUnit.Days, end)).AfterObservationEnd);
        Assert.Equal(2, apart.Customers[0].Frequency);
    }

    [Fact]
    public void Build_ObservationBeforeCalibration_IsRejected() =>
        Assert.Throws<ArgumentException>(() => TransactionSummaryBuilder.Build([], new SummaryOptions(TimeUnit.Weeks, Cdnow.CalibrationEnd) { ObservationEnd = Cdnow.CalibrationEnd.AddDays(-1) }));

    [Fact]
    public void FromEvents_TakesPurchasesWithAmountsAndCost()
    {
        var t = DateTimeOffset.UnixEpoch;
        CustomerEvent[] events =
        [
            new("a", t, CustomerEventType.Purchase, 10m, Attributes: new Dictionary<string, string> { ["cost"] = "4" }),
            new("a", t, CustomerEventType.Login),
            new("a", t, CustomerEventType.Purchase),
        ];

        var tx = Assert.Single(Transaction.FromEvents(events));

        Assert.Equal(4m, tx.Cost);
    }

    [Property(MaxTest = 300)]
    public Property Summarize_OneCustomersColumns_EqualsBuild() =>
        Prop.ForAll(
            Gen.ArrayOf(from minute in Gen.Choose(0, 200 * 24 * 60) from cents in Gen.Choose(-1, 50_000) select (minute, cents)).ToArbitrary(),
            Gen.Choose(0, 220).ToArbitrary(),
            Gen.Elements(TimeUnit.Days, TimeUnit.Weeks, TimeUnit.Months).ToArbitrary(),
            (purchases, day, unit) =>
            {
                var start = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
                var end = start.AddDays(day);
                var sorted = purchases.OrderBy(p => p.minute).Where(p => start.AddMinutes(p.minute) <= end).ToArray();
                var ticks = sorted.Select(p => start.AddMinutes(p.minute).UtcTicks).ToArray();
                var amounts = sorted.Select(p => p.cents < 0 ? double.NaN : p.cents / 100.0).ToArray();
                var viaBuild = TransactionSummaryBuilder.Build(
                    sorted.Where(p => p.cents >= 0).Select(p => new Transaction("c", start.AddMinutes(p.minute), p.cents / 100m)),
                    new SummaryOptions(unit, end)).Customers.SingleOrDefault();

                var viaColumns = TransactionSummaryBuilder.Summarize("c", ticks, amounts, end, unit);

                return viaBuild is null
                    ? viaColumns is null
                    : viaColumns is not null && viaColumns.Frequency == viaBuild.Frequency && Close(viaColumns.Recency, viaBuild.Recency)
                        && Close(viaColumns.T, viaBuild.T) && Close(viaColumns.MonetaryValue, viaBuild.MonetaryValue)
                        && Close(viaColumns.FirstPurchaseValue, viaBuild.FirstPurchaseValue) && viaColumns.FirstPurchase == viaBuild.FirstPurchase;
            });

    private static bool Close(double a, double b) => Math.Abs(a - b) <= 1e-9 * Math.Max(1, Math.Abs(b));
}
