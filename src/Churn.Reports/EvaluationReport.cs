using System.Globalization;
using Churn.Evaluation;

namespace Churn.Reports;

/// <summary>Reports of what interventions changed: a campaign's arms against the control, and an uplift model's Qini and uplift curves.</summary>
public static class EvaluationReport
{
    /// <summary>A campaign's report: each arm's mean and difference against the control with its interval, as a table and a chart.</summary>
    /// <param name="effect">The campaign's effect.</param>
    /// <param name="outcome">The outcome's name, for the text.</param>
    /// <returns>The report.</returns>
    public static Report Campaign(CampaignEffect effect, string outcome)
    {
        ArgumentNullException.ThrowIfNull(effect);
        var c = CultureInfo.InvariantCulture;
        var f = effect.Kind == OutcomeKind.Binary ? "0.00%" : "0.0000";
        var report = new Report($"Campaign: {outcome}", $"Every arm against '{effect.Control}' ({effect.Method}).");
        var arms = effect.Arms;
        report.Section("Arms")
            .Paragraph($"{arms.Sum(a => a.N).ToString("N0", c)} customers in {arms.Count} arms. The interval is the difference's 95 % interval; p is adjusted for the several arms (Holm).")
            .Add(new ReportTable(
                "Arms against the control",
                ["arm", "customers", "mean", "difference", "95 % interval", "relative lift", "p", "p (Holm)"],
                [.. arms.Select(a => (IReadOnlyList<string>)[a.Arm, a.N.ToString("N0", c), a.Mean.ToString(f, c), a.Diff.ToString(f, c), $"[{a.Ci95.Lower.ToString(f, c)}, {a.Ci95.Upper.ToString(f, c)}]", a.RelativeLift is { } l ? l.ToString("+0.0%;-0.0%", c) : "-", a.P.ToString("0.####", c), a.PAdjusted.ToString("0.####", c)])]))
            .Add(new Chart(
                "differences",
                "Difference against the control",
                "Arm (1 = the first arm after the control)",
                effect.Kind == OutcomeKind.Binary ? $"Difference in {outcome} rate" : $"Difference in mean {outcome}",
                $"Each arm's difference and its 95 % interval (the dashes). {arms.Count - 1} arms against '{effect.Control}'.",
                [
                    new ChartSeries("difference", [.. Enumerable.Range(1, arms.Count - 1).Select(i => (double)i)], [.. arms.Skip(1).Select(a => a.Diff)]) { Style = SeriesStyle.Markers },
                    new ChartSeries("95 % lower", [.. Enumerable.Range(1, arms.Count - 1).Select(i => (double)i)], [.. arms.Skip(1).Select(a => a.Ci95.Lower)]) { Style = SeriesStyle.Markers },
                    new ChartSeries("95 % upper", [.. Enumerable.Range(1, arms.Count - 1).Select(i => (double)i)], [.. arms.Skip(1).Select(a => a.Ci95.Upper)]) { Style = SeriesStyle.Markers },
                ]));
        return report;
    }

    /// <summary>An uplift model's report: the Qini curve against the random line, and the uplift among the top k %.</summary>
    /// <param name="result">The model's scores on held-back customers.</param>
    /// <param name="on">What it was fitted on, for the captions.</param>
    /// <returns>The report.</returns>
    public static Report Uplift(UpliftReport result, string on)
    {
        ArgumentNullException.ThrowIfNull(result);
        var c = CultureInfo.InvariantCulture;
        var curve = result.QiniCurve;
        var thinned = Thin(curve, 1000);
        var end = curve.Count == 0 ? default : curve[^1];
        var report = new Report($"Uplift: {result.Method}", on);
        report.Section("How well it ranks")
            .Paragraph(string.Create(c, $"Fitted on {result.Train:N0} customers, scored on {result.Test:N0} held back. Qini coefficient {result.Qini:0.0000}, AUUC {result.Auuc:0.0000} (1 is the perfect ranking, 0 a random one); the average effect on the held-back customers is {result.AverageEffect:+0.00%;-0.00%}."))
            .Add(new Chart(
                "qini",
                "Qini curve",
                "Customers targeted (highest predicted uplift first)",
                "Incremental responders",
                string.Create(c, $"Responders gained by treating the top customers, against treating at random (dashed); Qini coefficient {result.Qini:0.0000}. {result.Test:N0} held-back customers."),
                [
                    new ChartSeries("model", [.. thinned.Select(p => (double)p.Customers)], [.. thinned.Select(p => p.Gain)]),
                    new ChartSeries("random", [0, end.Customers], [0, end.Gain]) { Dashed = true },
                ]))
            .Add(new Chart(
                "uplift-at-k",
                "Uplift among the top customers",
                "Top share of customers by predicted uplift (%)",
                "Treated rate minus control rate",
                string.Create(c, $"The uplift among the top 10 %, 20 %, ... of customers; at 100 % it is the average effect ({result.AverageEffect:+0.00%;-0.00%}). {result.Test:N0} held-back customers."),
                [new ChartSeries("uplift", [.. result.UpliftAt.Keys.Select(k => (double)k)], [.. result.UpliftAt.Values.Select(v => double.IsNaN(v) ? 0 : v)]) { Style = SeriesStyle.Bars }]));
        return report;
    }

    private static List<UpliftPoint> Thin(IReadOnlyList<UpliftPoint> curve, int most)
    {
        if (curve.Count <= most)
        {
            return [.. curve];
        }

        var step = (curve.Count - 1) / (double)(most - 1);
        return [.. Enumerable.Range(0, most).Select(i => curve[(int)Math.Round(i * step)])];
    }
}
