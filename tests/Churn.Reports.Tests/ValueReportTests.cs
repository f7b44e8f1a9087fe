using System.Globalization;
using Churn.Abstractions;
using Churn.Value;

namespace Churn.Reports.Tests;

public class ValueReportTests
{
    private static readonly DateTimeOffset CalibrationEnd = new(1997, 9, 30, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset ObservationEnd = new(1998, 6, 30, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Cdnow_TrackingPlotCountsThePurchases_AndTheModelTracksTheHoldout()
    {
        var data = Cdnow();

        var (cumulative, perPeriod) = ValueReport.Tracking(data);
        var report = ValueReport.Create(data);

        var calibration = data.Summary.Customers.Sum(c => c.Frequency);
        var holdout = data.Summary.Customers.Sum(c => c.HoldoutFrequency);
        var actual = cumulative.Series[0].Y;
        var expected = cumulative.Series[1].Y;

        // 1997-01-01 to 1997-09-30 is 39 weeks exactly: the 39th point is the end of calibration.
        Assert.Equal(calibration, actual[38]);
        Assert.Equal(calibration + holdout, actual[^1]);
        Assert.Equal(actual[^1], perPeriod.Series[0].Y.Sum());
        Assert.Equal(78, actual.Count);
        Assert.Equal(39, cumulative.Markers[0].X, 9);

        // In calibration the fitted model's cohort sum matches what happened (2,494 against 2,457 here); over the holdout, the
        // cohort sum agrees with the sum of the customers' conditional expectations, computed another way (here both ~1,660,
        // against 1,882 that happened: BG/NBD under-forecasts this sample's holdout by about 12 %).
        var forecast = expected[^1] - expected[38];
        var conditionalSum = data.Summary.Customers.Sum(c => data.PurchaseModel.Model.ConditionalExpectedPurchases(c.HoldoutDuration, c.Frequency, c.Recency, c.T));
        Assert.True(Math.Abs(expected[38] - calibration) / calibration < 0.03, $"expected {expected[38]:F0} in calibration, actual {calibration}");
        Assert.True(Math.Abs(forecast - conditionalSum) / conditionalSum < 0.02, $"cohort forecast {forecast:F0}, conditional {conditionalSum:F0}");

        Assert.Equal(["tracking-cumulative", "tracking", "conditional", "p-alive", "clv"], report.Charts.Select(c => c.Id));
        var conditional = report.Chart("conditional");
        Assert.Equal(data.Summary.Customers.Where(c => c.Frequency == 0).Average(c => (double)c.HoldoutFrequency), conditional.Series[0].Y[0], 9);
        Assert.Equal(data.Summary.Customers.Count, (int)report.Chart("clv").Series[0].Y.Sum());
    }

    internal static ValueReportData Cdnow()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "data", "cdnow", "cdnow_sample_transactions.csv");
        var transactions = File.ReadLines(path).Skip(1).Select(l => l.Split(','))
            .Select(f => new Transaction(new CustomerId(f[0]), new DateTimeOffset(DateTime.ParseExact(f[1], "yyyyMMdd", CultureInfo.InvariantCulture), TimeSpan.Zero), decimal.Parse(f[2], CultureInfo.InvariantCulture)))
            .ToList();
        var summary = TransactionSummaryBuilder.Build(transactions, new SummaryOptions(TimeUnit.Weeks, CalibrationEnd) { ObservationEnd = ObservationEnd });
        var bg = BgNbdModel.Fit(RepeatPurchaseData.From(summary.Customers));
        var gg = GammaGammaModel.Fit(summary.Customers);
        return new ValueReportData(transactions, summary, CalibrationEnd, bg) { ObservationEnd = ObservationEnd, SpendModel = gg, Clv = new ClvCalculator(bg.Model, gg.Model) };
    }
}
