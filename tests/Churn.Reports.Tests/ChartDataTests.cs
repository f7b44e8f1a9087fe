using Churn.Modeling;
using FsCheck;
using FsCheck.Fluent;

namespace Churn.Reports.Tests;

public class ChartDataTests
{
    private static readonly Arbitrary<(double[] Scores, bool[] Labels)> Scored =
        (from n in Gen.Choose(2, 3000)
         from scores in Gen.ArrayOf(Gen.Choose(0, 50).Select(s => s / 50.0), n)
         from labels in Gen.ArrayOf(Gen.Elements(true, false, false), n)
         select (scores, labels)).Where(t => t.labels.Contains(true) && t.labels.Contains(false)).ToArbitrary();

    [Fact]
    public void RocPoints_AreTheMetricsRoc_TheirAreaIsTheAuc_AndTheChartPlotsOnlyThem()
    {
        Prop.ForAll(Scored, t =>
        {
            var points = ChurnModelReport.RocPoints(t.Scores, t.Labels);
            var area = 0.0;
            for (var i = 1; i < points.Count; i++)
            {
                area += (points[i].Fpr - points[i - 1].Fpr) * (points[i].Tpr + points[i - 1].Tpr) / 2;
            }

            Assert.Equal(MetricsCalculator.Auc(t.Scores, t.Labels), area, 9);
            Assert.Equal((0.0, 0.0), points[0]);
            Assert.Equal((1.0, 1.0), points[^1]);
            Assert.Equal(t.Scores.Distinct().Count() + 1, points.Count);

            var chart = ChurnModelReport.Roc(t.Scores, t.Labels, "test");
            var plotted = chart.Series[0].X.Zip(chart.Series[0].Y).ToList();
            Assert.True(plotted.Count <= 1000);
            Assert.All(plotted, p => Assert.Contains((p.First, p.Second), points));
            Assert.Equal(points[^1], plotted[^1]);
        }).Check(FsCheck.Config.QuickThrowOnFailure.WithMaxTest(50));
    }

    [Fact]
    public void GainsLiftAndReliability_PlotTheMetricsTables()
    {
        Prop.ForAll(Scored, t =>
        {
            var metrics = MetricsCalculator.Compute(t.Scores, t.Labels);

            var gains = ChurnModelReport.Gains(metrics, "test").Series[0];
            var lift = ChurnModelReport.Lift(metrics, "test").Series[0];
            var reliability = ChurnModelReport.Reliability(metrics, "test").Series[0];

            Assert.Equal([0.0, .. metrics.Deciles.Select(d => d.CumulativeGain)], gains.Y);
            Assert.Equal(metrics.Deciles.Select(d => d.Lift), lift.Y);
            Assert.Equal(metrics.Reliability.Where(b => b.Customers > 0).Select(b => b.ObservedRate), reliability.Y);
        }).Check(FsCheck.Config.QuickThrowOnFailure.WithMaxTest(50));
    }

    [Fact]
    public void Histogram_EachGroupAddsUpToOne_AndCountsEveryCustomer()
    {
        Prop.ForAll(Scored, t =>
        {
            var chart = ChurnModelReport.Histogram(t.Scores, t.Labels, "test");

            Assert.Equal(1.0, chart.Series[0].Y.Sum(), 9);
            Assert.Equal(1.0, chart.Series[1].Y.Sum(), 9);
            var churners = t.Labels.Count(l => l);
            Assert.Equal(t.Scores.Where((_, i) => t.Labels[i]).Count(s => s >= 0.95), Math.Round(chart.Series[0].Y[^1] * churners));
        }).Check(FsCheck.Config.QuickThrowOnFailure.WithMaxTest(50));
    }

    [Fact]
    public void ProfitCurve_PeaksWhereTheMpcSays_AndStartsAtZero()
    {
        Prop.ForAll(Scored, t =>
        {
            var profit = new ProfitParameters();
            var metrics = MetricsCalculator.Compute(t.Scores, t.Labels, profit);

            var curve = ChurnModelReport.ProfitCurve(t.Scores, t.Labels, profit, metrics, "test").Series[0];

            Assert.Equal(0, curve.X[0]);
            Assert.Equal(0, curve.Y[0]);
            Assert.Equal(1, curve.X[^1], 9);

            // The MPC is the best profit at the mean acceptance rate, over the ROC's convex hull: no point of the curve beats it.
            if (t.Scores.Length <= 1000)
            {
                Assert.True(curve.Y.Max() <= metrics.Profit.Mpc + 1e-9, $"{curve.Y.Max()} > MPC {metrics.Profit.Mpc}");
            }
        }).Check(FsCheck.Config.QuickThrowOnFailure.WithMaxTest(50));
    }

    [Fact]
    public void Chart_RefusesBrokenSeries()
    {
        Assert.Throws<ArgumentException>(() => new Chart("c", "t", "x", "y", "c", [new ChartSeries("s", [1, 2], [1])]));
        Assert.Throws<ArgumentException>(() => new Chart("c", "t", "x", "y", "c", [new ChartSeries("s", [1], [double.NaN])]));
        Assert.Throws<ArgumentException>(() => new ModelReportData([0.1, 0.2], [true, true]));
        Assert.Throws<ArgumentException>(() => new ModelReportData([0.1, double.PositiveInfinity], [true, false]));
    }
}
