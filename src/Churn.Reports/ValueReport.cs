using System.Globalization;
using Churn.Abstractions;
using Churn.Value;

namespace Churn.Reports;

/// <summary>What a value report shows: the purchases, their summaries and the fitted models.</summary>
/// <param name="Transactions">The purchases (all of them: calibration and holdout).</param>
/// <param name="Summary">The per-customer summaries at the end of calibration.</param>
/// <param name="CalibrationEnd">The last day of calibration.</param>
/// <param name="PurchaseModel">The BG/NBD fit.</param>
public sealed record ValueReportData(IReadOnlyList<Transaction> Transactions, SummaryResult Summary, DateTimeOffset CalibrationEnd, BgNbdFit PurchaseModel)
{
    /// <summary>Gets the last day observed (the end of the holdout); the last purchase when null.</summary>
    public DateTimeOffset? ObservationEnd { get; init; }

    /// <summary>Gets the Gamma-Gamma fit, when it could be fitted.</summary>
    public GammaGammaFit? SpendModel { get; init; }

    /// <summary>Gets the CLV calculator, for the CLV distribution.</summary>
    public ClvCalculator? Clv { get; init; }
}

/// <summary>
/// The value report: the tracking plot of repeat purchases (actual against BG/NBD, cumulative and
/// per period, calibration and holdout split), conditional expectations in the holdout by
/// calibration frequency, P(alive) by frequency and recency, the CLV distribution and the
/// parameters with their standard errors.
/// </summary>
public static class ValueReport
{
    private static readonly int[] AliveFrequencies = [1, 2, 5, 10];

    /// <summary>Builds the report.</summary>
    /// <param name="data">The purchases, summaries and fits.</param>
    /// <param name="cancellationToken">Stops the work.</param>
    /// <returns>The report.</returns>
    public static Report Create(ValueReportData data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        var unit = data.Summary.Unit;
        var unitName = unit.ToString().ToLowerInvariant();
        var customers = data.Summary.Customers;
        var on = string.Create(CultureInfo.InvariantCulture, $"{customers.Count:N0} customers, calibration to {data.CalibrationEnd:yyyy-MM-dd}");
        var report = new Report("Customer value report", on);
        var tracking = Tracking(data, cancellationToken);
        var fit = report.Section("Does the purchase model track the purchases?");
        fit.Add(tracking.Cumulative).Add(tracking.PerPeriod);
        if (Conditional(data) is { } conditional)
        {
            fit.Add(conditional);
        }

        report.Section("Who is still a customer?").Add(Alive(data));
        if (data.Clv is { } clv)
        {
            report.Section("What customers are worth").Add(ClvDistribution(clv.PredictAll(customers, cancellationToken), customers.Count));
        }

        var bg = data.PurchaseModel;
        var rows = new List<IReadOnlyList<string>>
        {
            Row("BG/NBD", "r", bg.Model.Parameters.R, bg.StandardErrors.R),
            Row("BG/NBD", "alpha", bg.Model.Parameters.Alpha, bg.StandardErrors.Alpha),
            Row("BG/NBD", "a", bg.Model.Parameters.A, bg.StandardErrors.A),
            Row("BG/NBD", "b", bg.Model.Parameters.B, bg.StandardErrors.B),
        };
        if (data.SpendModel is { } gg)
        {
            rows.Add(Row("Gamma-Gamma", "p", gg.Model.Parameters.P, gg.StandardErrors.P));
            rows.Add(Row("Gamma-Gamma", "q", gg.Model.Parameters.Q, gg.StandardErrors.Q));
            rows.Add(Row("Gamma-Gamma", "gamma", gg.Model.Parameters.Gamma, gg.StandardErrors.Gamma));
        }

        var parameters = report.Section("Parameters");
        parameters.Add(new ReportTable(string.Create(CultureInfo.InvariantCulture, $"Maximum-likelihood estimates (time unit: {unitName}); BG/NBD log-likelihood {bg.LogLikelihood:F2}{(data.SpendModel is { } g ? $", Gamma-Gamma {g.LogLikelihood:F2} on {g.Customers:N0} repeat buyers" : string.Empty)}"),
            ["model", "parameter", "estimate", "standard error"], rows));
        return report;
    }

    /// <summary>The tracking plot's two charts: cumulative and per-period repeat purchases, actual (distinct purchase days after the first) and expected by the BG/NBD fit.</summary>
    /// <param name="data">The purchases, summaries and fits.</param>
    /// <param name="cancellationToken">Stops the work.</param>
    /// <returns>The two charts.</returns>
    public static (Chart Cumulative, Chart PerPeriod) Tracking(ValueReportData data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        var unitDays = data.Summary.Unit.Days();
        var unitName = data.Summary.Unit.ToString().ToLowerInvariant();
        var endDay = data.ObservationEnd is { } oe ? DayOf(oe) : data.Transactions.Count == 0 ? DayOf(data.CalibrationEnd) : data.Transactions.Max(t => DayOf(t.Timestamp));
        var calibrationDay = DayOf(data.CalibrationEnd);

        // Per customer: the first purchase day (birth) and the later distinct purchase days (repeats).
        var days = new Dictionary<CustomerId, SortedSet<int>>();
        foreach (var t in data.Transactions)
        {
            var d = DayOf(t.Timestamp);
            if (d > endDay)
            {
                continue;
            }

            if (!days.TryGetValue(t.CustomerId, out var set))
            {
                days[t.CustomerId] = set = [];
            }

            set.Add(d);
        }

        cancellationToken.ThrowIfCancellationRequested();

        // Only customers born in calibration are modelled (those the fit saw).
        var births = new Dictionary<int, int>();
        var repeats = new List<int>();
        var start = int.MaxValue;
        foreach (var set in days.Values)
        {
            var birth = set.Min;
            if (birth > calibrationDay)
            {
                continue;
            }

            births[birth] = births.GetValueOrDefault(birth) + 1;
            start = Math.Min(start, birth);
            repeats.AddRange(set.Where(d => d != birth));
        }

        if (start == int.MaxValue)
        {
            start = calibrationDay;
        }

        var periods = Math.Max(1, (int)Math.Ceiling((endDay - start + 1) / unitDays));
        var actual = new double[periods];
        foreach (var d in repeats)
        {
            actual[Math.Min(periods - 1, (int)((d - start) / unitDays))]++;
        }

        var model = data.PurchaseModel.Model;
        var expectedCumulative = new double[periods];
        for (var k = 0; k < periods; k++)
        {
            // Time from the start to the end of period k, in units; a cohort born on day b has been a customer for (that − (b − start)) units.
            var tau = (k + 1) * unitDays;
            double sum = 0;
            foreach (var (birth, count) in births)
            {
                var age = (tau - (birth - start + 1)) / unitDays;
                if (age > 0)
                {
                    sum += count * model.ExpectedPurchases(age);
                }
            }

            expectedCumulative[k] = sum;
        }

        var x = Enumerable.Range(1, periods).Select(k => (double)k).ToArray();
        var cumulativeActual = new double[periods];
        double running = 0;
        for (var k = 0; k < periods; k++)
        {
            running += actual[k];
            cumulativeActual[k] = running;
        }

        var perPeriodExpected = expectedCumulative.Select((v, k) => k == 0 ? v : v - expectedCumulative[k - 1]).ToArray();
        var split = (calibrationDay - start + 1) / unitDays;
        var customers = births.Values.Sum();
        var caption = string.Create(CultureInfo.InvariantCulture, $"Repeat purchases (distinct purchase days after a customer's first) of the {customers:N0} customers whose first purchase fell in calibration; the dotted line ends calibration, holdout after it.");
        var marker = new ChartMarker(split, "end of calibration");
        return (
            new Chart("tracking-cumulative", "Cumulative repeat purchases", $"Time ({unitName} since the first customer's first purchase)", "Repeat purchases, cumulative", caption,
                [new ChartSeries("actual", x, cumulativeActual), new ChartSeries("BG/NBD", x, expectedCumulative) { Dashed = true }])
            { Markers = [marker] },
            new Chart("tracking", $"Repeat purchases per {unitName.TrimEnd('s')}", $"Time ({unitName} since the first customer's first purchase)", $"Repeat purchases per {unitName.TrimEnd('s')}", caption,
                [new ChartSeries("actual", x, actual), new ChartSeries("BG/NBD", x, perPeriodExpected) { Dashed = true }])
            { Markers = [marker] });
    }

    /// <summary>Conditional expectations: mean holdout purchases by calibration frequency, actual against the model's conditional expectation; null without a holdout.</summary>
    /// <param name="data">The purchases, summaries and fits.</param>
    /// <returns>The chart, or null.</returns>
    public static Chart? Conditional(ValueReportData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var customers = data.Summary.Customers.Where(c => c.HoldoutDuration > 0).ToList();
        if (customers.Count == 0)
        {
            return null;
        }

        var model = data.PurchaseModel.Model;
        var groups = customers.GroupBy(c => Math.Min(c.Frequency, 7)).OrderBy(g => g.Key).ToList();
        var x = groups.Select((_, i) => i + 1.0).ToArray();
        var actual = groups.Select(g => g.Average(c => (double)c.HoldoutFrequency)).ToArray();
        var expected = groups.Select(g => g.Average(c => model.ConditionalExpectedPurchases(c.HoldoutDuration, c.Frequency, c.Recency, c.T))).ToArray();
        return new Chart("conditional", "Holdout purchases by calibration frequency", "Repeat purchases in calibration (7 = 7 or more)", "Mean repeat purchases in the holdout",
            string.Create(CultureInfo.InvariantCulture, $"For each group of customers with the same number of repeat purchases in calibration, what they bought in the holdout against what the model expected from their history; groups of {string.Join(", ", groups.Select(g => g.Count().ToString("N0", CultureInfo.InvariantCulture)))} customers."),
            [new ChartSeries("actual", x, actual), new ChartSeries("BG/NBD", x, expected) { Dashed = true }])
        { Categories = [.. groups.Select(g => g.Key == 7 ? "7+" : g.Key.ToString(CultureInfo.InvariantCulture))] };
    }

    /// <summary>P(alive) against recency for a few frequencies, at the median customer age.</summary>
    /// <param name="data">The purchases, summaries and fits.</param>
    /// <returns>The chart.</returns>
    public static Chart Alive(ValueReportData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var ages = data.Summary.Customers.Select(c => c.T).Order().ToList();
        var t = ages.Count == 0 ? 1 : Math.Max(ages[ages.Count / 2], 1e-6);
        var unitName = data.Summary.Unit.ToString().ToLowerInvariant();
        var model = data.PurchaseModel.Model;
        var recency = Enumerable.Range(0, 51).Select(i => t * i / 50).ToArray();
        return new Chart("p-alive", "Probability that a customer is still active", $"Recency: age at the last purchase ({unitName})", "P(alive)",
            string.Create(CultureInfo.InvariantCulture, $"For customers of the median age ({t:0.#} {unitName}) with 1, 2, 5 or 10 repeat purchases: the longer since their last purchase, the likelier they have gone; frequent buyers who fall silent go sooner. {data.Summary.Customers.Count:N0} customers fitted."),
            AliveFrequencies.Select(x => new ChartSeries($"{x} repeat purchase{(x == 1 ? string.Empty : "s")}", recency, [.. recency.Select(r => model.ProbabilityAlive(x, r, t))])))
        { YRange = (0, 1.02) };
    }

    /// <summary>The distribution of predicted CLV (up to its 99th percentile).</summary>
    /// <param name="predictions">The predictions.</param>
    /// <param name="customers">How many customers, for the caption.</param>
    /// <returns>The chart.</returns>
    public static Chart ClvDistribution(IReadOnlyList<ClvPrediction> predictions, int customers)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        var values = predictions.Select(p => p.Clv).Where(double.IsFinite).Order().ToList();
        const int bins = 30;
        var top = values.Count == 0 ? 1 : Math.Max(values[Math.Min(values.Count - 1, (int)(values.Count * 0.99))], 1e-9);
        var width = top / bins;
        var counts = new double[bins];
        foreach (var v in values)
        {
            counts[Math.Clamp((int)(v / width), 0, bins - 1)]++;
        }

        var centres = Enumerable.Range(0, bins).Select(k => (k + 0.5) * width).ToArray();
        var total = values.Sum();
        return new Chart("clv", "Predicted customer lifetime value", "CLV (currency, discounted)", "Customers",
            string.Create(CultureInfo.InvariantCulture, $"{customers:N0} customers, {total:N0} in all; the top 1 % (above {top:N0}) are in the last bar. A few customers hold much of the value."),
            [new ChartSeries("customers", centres, counts) { Style = SeriesStyle.Bars }])
        { BarWidth = width };
    }

    private static IReadOnlyList<string> Row(string model, string name, double estimate, double se) =>
        [model, name, estimate.ToString("G5", CultureInfo.InvariantCulture), double.IsFinite(se) ? se.ToString("G3", CultureInfo.InvariantCulture) : "-"];

    private static int DayOf(DateTimeOffset t) => DateOnly.FromDateTime(t.UtcDateTime).DayNumber;
}
