using System.Globalization;
using Churn.Modeling;

namespace Churn.Reports;

/// <summary>What a model report shows: scores and outcomes, and what the reader should know about the model and the data.</summary>
public sealed class ModelReportData
{
    /// <summary>Initializes a new instance of the <see cref="ModelReportData"/> class.</summary>
    /// <param name="scores">Each customer's score (a calibrated probability, or any score where higher means more likely to churn).</param>
    /// <param name="labels">Whether each customer churned.</param>
    /// <exception cref="ArgumentException">The lengths differ, a score is not finite, or a class is missing.</exception>
    public ModelReportData(IReadOnlyList<double> scores, IReadOnlyList<bool> labels)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(labels);
        if (scores.Count != labels.Count || scores.Count == 0)
        {
            throw new ArgumentException($"{scores.Count} scores for {labels.Count} outcomes.", nameof(labels));
        }

        if (scores.Any(s => !double.IsFinite(s)))
        {
            throw new ArgumentException("Every score must be a finite number.", nameof(scores));
        }

        if (labels.All(l => l) || labels.All(l => !l))
        {
            throw new ArgumentException("A report needs both churners and customers who stayed.", nameof(labels));
        }

        Scores = scores;
        Labels = labels;
    }

    /// <summary>Gets the scores.</summary>
    public IReadOnlyList<double> Scores { get; }

    /// <summary>Gets the outcomes.</summary>
    public IReadOnlyList<bool> Labels { get; }

    /// <summary>Gets what the scores are, for the captions (for example "5-fold out-of-fold predictions").</summary>
    public string Source { get; init; } = "scores";

    /// <summary>Gets the fold each customer was held out in, for the spread between folds; empty when not cross-validated.</summary>
    public IReadOnlyList<int> Folds { get; init; } = [];

    /// <summary>Gets the business's economics for EMPC, MPC and the profit curve.</summary>
    public ProfitParameters Profit { get; init; } = new();

    /// <summary>Gets each input's importance (mean absolute contribution), largest first.</summary>
    public IReadOnlyList<(string Feature, double Importance)> Importance { get; init; } = [];

    /// <summary>Gets the training settings, as names and values.</summary>
    public IReadOnlyList<(string Name, string Value)> Settings { get; init; } = [];

    /// <summary>Gets the data summary (rows, churn rate, columns used and ignored, rejected rows), as names and values.</summary>
    public IReadOnlyList<(string Name, string Value)> Data { get; init; } = [];

    /// <summary>Gets a value indicating whether the scores are probabilities (calibration charts need them).</summary>
    public bool AreProbabilities => Scores.All(s => s is >= 0 and <= 1);
}

/// <summary>
/// The model report: ROC and PR curves with their areas, the reliability diagram with ECE,
/// cumulative gains and lift by decile, the EMPC profit curve with the profit-optimal share to
/// target, score distributions by outcome, input importance, the spread between folds, the
/// settings and the data. Each chart keeps the points it plots.
/// </summary>
public static class ChurnModelReport
{
    private const int MaxPlotted = 1_000;

    /// <summary>Builds the report of a training run from its out-of-fold predictions.</summary>
    /// <param name="result">The training result.</param>
    /// <param name="table">The table it was trained on (for the outcomes, and the importance on up to 5,000 rows).</param>
    /// <param name="profit">The business's economics; Verbraken's defaults when null.</param>
    /// <param name="data">A data summary to show (rows read and rejected, columns ignored); optional.</param>
    /// <param name="cancellationToken">Stops the work.</param>
    /// <returns>The report.</returns>
    public static Report Create(TrainingResult result, ModelTable table, ProfitParameters? profit = null, IReadOnlyList<(string Name, string Value)>? data = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(table);
        var labels = table.Labels ?? throw new ArgumentException("The table has no outcomes.", nameof(table));
        var meta = result.Model.Metadata;
        var sample = table.Count <= 5_000 ? table : table.Subset([.. Enumerable.Range(0, 5_000).Select(i => (int)((long)i * table.Count / 5_000))]);
        var importance = result.Model.Explain(sample, 0).Importance;
        var cv = result.CrossValidation;
        var summary = new List<(string, string)>
        {
            ("rows", table.Count.ToString("N0", CultureInfo.InvariantCulture)),
            ("churn rate", (labels.Count(l => l) / (double)labels.Count).ToString("P2", CultureInfo.InvariantCulture)),
            ("columns used", string.Join(", ", result.Model.Featurizer.Specs.Select(s => s.Name))),
        };
        summary.AddRange(data ?? []);
        return Create("Churn model report", new ModelReportData(cv.Probabilities, labels)
        {
            Source = $"{cv.Folds}-fold out-of-fold predictions",
            Folds = cv.FoldOf,
            Profit = profit ?? new ProfitParameters(),
            Importance = importance,
            Settings =
            [
                ("trainer", meta.Trainer),
                ("learners", string.Join(" + ", meta.Learners)),
                ("trees", meta.TreeSettings?.ToString() ?? "-"),
                ("calibration", meta.IsotonicX is null ? "Platt" : "Platt, then isotonic"),
                ("balanced classes", meta.BalancedClasses ? "yes" : "no"),
                ("folds", cv.Folds.ToString(CultureInfo.InvariantCulture)),
            ],
            Data = summary,
        }, cancellationToken);
    }

    /// <summary>Builds a model report from scores and outcomes.</summary>
    /// <param name="title">The title.</param>
    /// <param name="data">The scores, outcomes and context.</param>
    /// <param name="cancellationToken">Stops the work.</param>
    /// <returns>The report.</returns>
    public static Report Create(string title, ModelReportData data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        var scores = data.Scores.ToArray();
        var labels = data.Labels.ToArray();
        var metrics = MetricsCalculator.Compute(scores, labels, data.Profit);
        cancellationToken.ThrowIfCancellationRequested();
        var n = scores.Length;
        var churners = metrics.Positives;
        var on = string.Create(CultureInfo.InvariantCulture, $"{data.Source} on {n:N0} customers ({churners:N0} churned, {churners / (double)n:P1})");
        var report = new Report(title, on);

        var quality = report.Section("How well it ranks");
        quality.Add(ReportTable.Of("Metrics", Metrics(metrics, data.AreProbabilities)));
        quality.Add(Roc(scores, labels, on));
        quality.Add(PrecisionRecall(scores, labels, on));
        quality.Add(Gains(metrics, on));
        quality.Add(Lift(metrics, on));
        quality.Add(new ReportTable("Deciles (10 % of customers each, highest scores first)", ["decile", "customers", "churners", "churn rate", "lift", "cumulative gain"],
            [.. metrics.Deciles.Select(d => (IReadOnlyList<string>)[
                d.Decile.ToString(CultureInfo.InvariantCulture), d.Customers.ToString("N0", CultureInfo.InvariantCulture), d.Churners.ToString("N0", CultureInfo.InvariantCulture),
                d.ChurnRate.ToString("P1", CultureInfo.InvariantCulture), d.Lift.ToString("0.00", CultureInfo.InvariantCulture), d.CumulativeGain.ToString("P1", CultureInfo.InvariantCulture)])]));

        if (data.AreProbabilities)
        {
            report.Section("Are the probabilities right?").Add(Reliability(metrics, on));
        }

        var profit = report.Section("What it is worth");
        profit.Add(ReportTable.Of("Economics (per customer; acceptance rate ~ Beta(α, β))",
        [
            ("customer lifetime value", data.Profit.Clv.ToString("0.##", CultureInfo.InvariantCulture)),
            ("incentive cost", data.Profit.IncentiveCost.ToString("0.##", CultureInfo.InvariantCulture)),
            ("contact cost", data.Profit.ContactCost.ToString("0.##", CultureInfo.InvariantCulture)),
            ("acceptance α, β", string.Create(CultureInfo.InvariantCulture, $"{data.Profit.Alpha:0.##}, {data.Profit.Beta:0.##}")),
            ("EMPC (expected profit per customer)", metrics.Profit.Empc.ToString("0.####", CultureInfo.InvariantCulture)),
            ("share to target (EMPC)", metrics.Profit.EmpcFraction.ToString("P1", CultureInfo.InvariantCulture)),
            ("MPC, at the mean acceptance rate", metrics.Profit.Mpc.ToString("0.####", CultureInfo.InvariantCulture)),
            ("MPC cut-off", double.IsFinite(metrics.Profit.MpcThreshold) ? metrics.Profit.MpcThreshold.ToString("0.####", CultureInfo.InvariantCulture) : "-"),
        ]));
        profit.Add(ProfitCurve(scores, labels, data.Profit, metrics, on));

        var scoresSection = report.Section("Scores");
        scoresSection.Add(Histogram(scores, labels, on));
        if (data.Importance.Count > 0)
        {
            scoresSection.Add(Importance(data.Importance, n));
        }

        if (data.Folds.Count == n)
        {
            report.Section("Spread between folds").Add(FoldSpread(scores, labels, data.Folds, metrics.Auc));
        }

        if (data.Settings.Count > 0 || data.Data.Count > 0)
        {
            var about = report.Section("Settings and data");
            if (data.Settings.Count > 0)
            {
                about.Add(ReportTable.Of("Training settings", data.Settings));
            }

            if (data.Data.Count > 0)
            {
                about.Add(ReportTable.Of("Data", data.Data));
            }
        }

        return report;
    }

    /// <summary>The exact ROC curve: one point (false positive rate, true positive rate) per distinct score, from (0, 0) to (1, 1).</summary>
    /// <param name="scores">The scores.</param>
    /// <param name="labels">The outcomes.</param>
    /// <returns>The points.</returns>
    public static IReadOnlyList<(double Fpr, double Tpr)> RocPoints(IReadOnlyList<double> scores, IReadOnlyList<bool> labels)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(labels);
        return [.. MetricsCalculator.RocCurve([.. scores], [.. labels]).Select(p => (p.FalsePositiveRate, p.TruePositiveRate))];
    }

    /// <summary>The ROC chart: the curve (thinned to at most 1,000 of its exact points) and the diagonal.</summary>
    /// <param name="scores">The scores.</param>
    /// <param name="labels">The outcomes.</param>
    /// <param name="on">What the scores are and on how many customers, for the caption.</param>
    /// <returns>The chart.</returns>
    public static Chart Roc(IReadOnlyList<double> scores, IReadOnlyList<bool> labels, string on)
    {
        var points = Thin(RocPoints(scores, labels));
        var auc = MetricsCalculator.Auc([.. scores], [.. labels]);
        return new Chart("roc", string.Create(CultureInfo.InvariantCulture, $"ROC curve (AUC {auc:0.000})"), "False positive rate (share of stayers flagged)", "True positive rate (share of churners caught)",
            $"Each point is a cut-off: flag everyone scored above it. The dashed diagonal is a random ranking. {on}.",
            [
                new ChartSeries("model", [.. points.Select(p => p.Fpr)], [.. points.Select(p => p.Tpr)]),
                new ChartSeries("random", [0, 1], [0, 1]) { Dashed = true },
            ])
        { XRange = (0, 1), YRange = (0, 1.02) };
    }

    /// <summary>The precision–recall chart, with the churn rate as the random baseline.</summary>
    /// <param name="scores">The scores.</param>
    /// <param name="labels">The outcomes.</param>
    /// <param name="on">For the caption.</param>
    /// <returns>The chart.</returns>
    public static Chart PrecisionRecall(IReadOnlyList<double> scores, IReadOnlyList<bool> labels, string on)
    {
        var (order, positives, _) = Ranked(scores, labels);
        var points = new List<(double Recall, double Precision)>();
        long tp = 0, all = 0;
        for (var i = 0; i < order.Length;)
        {
            var j = i;
            while (j < order.Length && scores[order[j]] == scores[order[i]])
            {
                tp += labels[order[j]] ? 1 : 0;
                all++;
                j++;
            }

            points.Add((tp / (double)positives, tp / (double)all));
            i = j;
        }

        var thinned = Thin(points);
        var rate = positives / (double)scores.Count;
        var ap = MetricsCalculator.AveragePrecision([.. scores], [.. labels]);
        return new Chart("pr", string.Create(CultureInfo.InvariantCulture, $"Precision and recall (PR-AUC {ap:0.000})"), "Recall (share of churners caught)", "Precision (share of flagged who churn)",
            string.Create(CultureInfo.InvariantCulture, $"Flagging more customers catches more churners with less precision. The dashed line is the churn rate ({rate:P1}), the precision of a random pick. {on}."),
            [
                new ChartSeries("model", [.. thinned.Select(p => p.Recall)], [.. thinned.Select(p => p.Precision)]),
                new ChartSeries("random", [0, 1], [rate, rate]) { Dashed = true },
            ])
        { XRange = (0, 1), YRange = (0, 1.02) };
    }

    /// <summary>The reliability diagram: mean predicted probability against the observed churn rate per bin.</summary>
    /// <param name="metrics">The metrics (their reliability bins).</param>
    /// <param name="on">For the caption.</param>
    /// <returns>The chart.</returns>
    public static Chart Reliability(ClassificationMetrics metrics, string on)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var bins = metrics.Reliability.Where(b => b.Customers > 0).ToList();
        return new Chart("reliability", string.Create(CultureInfo.InvariantCulture, $"Reliability (ECE {metrics.Ece:0.0000})"), "Predicted probability (bin mean)", "Observed churn rate",
            $"Customers in 10 bins of predicted probability; on the dashed diagonal, predictions come true as often as they say. Bins: {string.Join(", ", bins.Select(b => b.Customers.ToString("N0", CultureInfo.InvariantCulture)))} customers. {on}.",
            [
                new ChartSeries("model", [.. bins.Select(b => b.MeanPredicted)], [.. bins.Select(b => b.ObservedRate)]),
                new ChartSeries("perfect", [0, 1], [0, 1]) { Dashed = true },
            ])
        { XRange = (0, 1), YRange = (0, 1.02) };
    }

    /// <summary>Cumulative gains by decile: the share of churners caught by targeting the top 10 %, 20 %, ….</summary>
    /// <param name="metrics">The metrics (their deciles).</param>
    /// <param name="on">For the caption.</param>
    /// <returns>The chart.</returns>
    public static Chart Gains(ClassificationMetrics metrics, string on)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        double[] x = [0, .. metrics.Deciles.Select(d => d.Decile / 10.0)];
        double[] y = [0, .. metrics.Deciles.Select(d => d.CumulativeGain)];
        return new Chart("gains", "Cumulative gains", "Share of customers targeted (highest scores first)", "Share of churners caught",
            $"Targeting the top 20 % catches {metrics.Deciles.ElementAtOrDefault(1)?.CumulativeGain.ToString("P0", CultureInfo.InvariantCulture) ?? "-"} of churners; the dashed line is a random pick. {on}.",
            [
                new ChartSeries("model", x, y),
                new ChartSeries("random", [0, 1], [0, 1]) { Dashed = true },
            ])
        { XRange = (0, 1), YRange = (0, 1.02) };
    }

    /// <summary>Lift by decile: each decile's churn rate over the base rate.</summary>
    /// <param name="metrics">The metrics (their deciles).</param>
    /// <param name="on">For the caption.</param>
    /// <returns>The chart.</returns>
    public static Chart Lift(ClassificationMetrics metrics, string on)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        return new Chart("lift", "Lift by decile", "Decile (1 = highest scores)", "Lift (churn rate / base rate)",
            $"A lift of 3 means the decile churns three times as often as the base. {on}.",
            [new ChartSeries("lift", [.. metrics.Deciles.Select(d => (double)d.Decile)], [.. metrics.Deciles.Select(d => d.Lift)]) { Style = SeriesStyle.Bars }])
        { Categories = [.. metrics.Deciles.Select(d => d.Decile.ToString(CultureInfo.InvariantCulture))] };
    }

    /// <summary>The profit curve: expected profit per customer against the share targeted, at the mean acceptance rate, with the EMPC-optimal share marked.</summary>
    /// <param name="scores">The scores.</param>
    /// <param name="labels">The outcomes.</param>
    /// <param name="profit">The economics.</param>
    /// <param name="metrics">The metrics (EMPC and its share).</param>
    /// <param name="on">For the caption.</param>
    /// <returns>The chart.</returns>
    public static Chart ProfitCurve(IReadOnlyList<double> scores, IReadOnlyList<bool> labels, ProfitParameters profit, ClassificationMetrics metrics, string on)
    {
        ArgumentNullException.ThrowIfNull(profit);
        ArgumentNullException.ThrowIfNull(metrics);
        var roc = RocPoints(scores, labels);
        var n0 = labels.Count(l => l);
        var pi0 = n0 / (double)labels.Count;
        var pi1 = 1 - pi0;
        var gamma = profit.Alpha / (profit.Alpha + profit.Beta);
        var delta = profit.IncentiveCost / profit.Clv;
        var phi = profit.ContactCost / profit.Clv;
        var a = profit.Clv * ((gamma * (1 - delta)) - phi) * pi0;
        var b = profit.Clv * (delta + phi) * pi1;
        var points = Thin(roc.Select(p => ((pi0 * p.Tpr) + (pi1 * p.Fpr), (a * p.Tpr) - (b * p.Fpr))).ToList());
        return new Chart("profit", "Expected profit of a retention campaign", "Share of customers targeted (highest scores first)", "Profit per customer in the base (currency)",
            string.Create(CultureInfo.InvariantCulture, $"CLV {profit.Clv:0.##}, incentive {profit.IncentiveCost:0.##}, contact {profit.ContactCost:0.##}, acceptance rate ~ Beta({profit.Alpha:0.##}, {profit.Beta:0.##}) (mean {gamma:P0}). EMPC {metrics.Profit.Empc:0.###} per customer when targeting {metrics.Profit.EmpcFraction:P1}. {on}."),
            [new ChartSeries("expected profit", [.. points.Select(p => p.Item1)], [.. points.Select(p => p.Item2)])])
        {
            XRange = (0, 1),
            Markers = [new ChartMarker(metrics.Profit.EmpcFraction, string.Create(CultureInfo.InvariantCulture, $"EMPC: target {metrics.Profit.EmpcFraction:P1}"))],
        };
    }

    /// <summary>Score distributions of churners and stayers (share of each class per bin).</summary>
    /// <param name="scores">The scores.</param>
    /// <param name="labels">The outcomes.</param>
    /// <param name="on">For the caption.</param>
    /// <returns>The chart.</returns>
    public static Chart Histogram(IReadOnlyList<double> scores, IReadOnlyList<bool> labels, string on)
    {
        const int bins = 20;
        var (min, max) = (scores.Min(), scores.Max());
        if (min >= 0 && max <= 1)
        {
            (min, max) = (0, 1);
        }

        var width = max > min ? (max - min) / bins : 1;
        var churned = new double[bins];
        var stayed = new double[bins];
        long nc = 0, ns = 0;
        for (var i = 0; i < scores.Count; i++)
        {
            var k = Math.Clamp((int)((scores[i] - min) / width), 0, bins - 1);
            if (labels[i])
            {
                churned[k]++;
                nc++;
            }
            else
            {
                stayed[k]++;
                ns++;
            }
        }

        var centres = Enumerable.Range(0, bins).Select(k => min + ((k + 0.5) * width)).ToArray();
        return new Chart("scores", "Scores of churners and stayers", "Score", "Share of the group",
            string.Create(CultureInfo.InvariantCulture, $"{bins} bins of width {width:0.###}; each group's bars add up to 100 %. The less they overlap, the better the model separates them. {on}."),
            [
                new ChartSeries("churned", centres, [.. churned.Select(c => c / Math.Max(1, nc))]) { Style = SeriesStyle.Bars },
                new ChartSeries("stayed", centres, [.. stayed.Select(c => c / Math.Max(1, ns))]) { Style = SeriesStyle.Bars },
            ])
        { BarWidth = width };
    }

    /// <summary>Input importance: the largest mean absolute contributions, as horizontal bars.</summary>
    /// <param name="importance">Each input's importance, largest first.</param>
    /// <param name="customers">How many customers it was measured on, for the caption.</param>
    /// <returns>The chart.</returns>
    public static Chart Importance(IReadOnlyList<(string Feature, double Importance)> importance, int customers)
    {
        ArgumentNullException.ThrowIfNull(importance);
        var top = importance.Take(15).Reverse().ToList();
        return new Chart("importance", "What drives the score", "Mean absolute contribution to the probability (points)", string.Empty,
            $"The {top.Count} inputs that move the probability most, on average over the customers measured (up to 5,000 of {customers:N0}).",
            [new ChartSeries("importance", [.. top.Select((_, i) => i + 1.0)], [.. top.Select(t => t.Importance * 100)]) { Style = SeriesStyle.Bars }])
        { Categories = [.. top.Select(t => t.Feature)], Horizontal = true };
    }

    /// <summary>ROC-AUC of each fold against the pooled AUC.</summary>
    /// <param name="scores">The scores.</param>
    /// <param name="labels">The outcomes.</param>
    /// <param name="folds">Each customer's fold.</param>
    /// <param name="pooled">The pooled AUC.</param>
    /// <returns>The chart.</returns>
    public static Chart FoldSpread(IReadOnlyList<double> scores, IReadOnlyList<bool> labels, IReadOnlyList<int> folds, double pooled)
    {
        ArgumentNullException.ThrowIfNull(folds);
        var ids = folds.Distinct().Order().ToList();
        var aucs = ids.Select(k =>
        {
            var rows = Enumerable.Range(0, scores.Count).Where(i => folds[i] == k).ToArray();
            return MetricsCalculator.Auc([.. rows.Select(i => scores[i])], [.. rows.Select(i => labels[i])]);
        }).ToArray();
        var valid = aucs.Where(double.IsFinite).ToArray();
        return new Chart("folds", "ROC-AUC by fold", "Fold", "ROC-AUC",
            string.Create(CultureInfo.InvariantCulture, $"Each fold's held-out customers scored by a model that did not see them: from {valid.DefaultIfEmpty().Min():0.000} to {valid.DefaultIfEmpty().Max():0.000}; pooled {pooled:0.000} (dashed)."),
            [
                new ChartSeries("fold", [.. ids.Select((_, i) => i + 1.0)], [.. aucs.Select(a => double.IsFinite(a) ? a : 0)]) { Style = SeriesStyle.Bars },
                new ChartSeries("pooled", [0.5, ids.Count + 0.5], [pooled, pooled]) { Dashed = true },
            ])
        { Categories = [.. ids.Select(k => (k + 1).ToString(CultureInfo.InvariantCulture))], YRange = (Math.Max(0, valid.DefaultIfEmpty(0.5).Min() - 0.05), Math.Min(1, valid.DefaultIfEmpty(1).Max() + 0.03)) };
    }

    private static IEnumerable<(string, string)> Metrics(ClassificationMetrics m, bool probabilities)
    {
        yield return ("ROC-AUC", m.Auc.ToString("0.0000", CultureInfo.InvariantCulture));
        yield return ("PR-AUC", m.PrAuc.ToString("0.0000", CultureInfo.InvariantCulture));
        if (probabilities)
        {
            yield return ("log-loss", m.LogLoss.ToString("0.0000", CultureInfo.InvariantCulture));
            yield return ("Brier score", m.Brier.ToString("0.0000", CultureInfo.InvariantCulture));
            yield return ("ECE", m.Ece.ToString("0.0000", CultureInfo.InvariantCulture));
        }

        yield return ("EMPC", m.Profit.Empc.ToString("0.####", CultureInfo.InvariantCulture));
        yield return ("top-decile lift", m.Deciles.Count > 0 ? m.Deciles[0].Lift.ToString("0.00", CultureInfo.InvariantCulture) : "-");
    }

    private static (int[] Order, long Positives, long Negatives) Ranked(IReadOnlyList<double> scores, IReadOnlyList<bool> labels)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(labels);
        if (scores.Count != labels.Count)
        {
            throw new ArgumentException($"{scores.Count} scores for {labels.Count} outcomes.", nameof(labels));
        }

        var keys = scores.Select(s => -s).ToArray();
        var order = Enumerable.Range(0, scores.Count).ToArray();
        Array.Sort(keys, order);
        var positives = labels.LongCount(l => l);
        return (order, positives, scores.Count - positives);
    }

    /// <summary>At most <see cref="MaxPlotted"/> of the points, evenly spaced, always the first and the last.</summary>
    private static List<T> Thin<T>(IReadOnlyList<T> points)
    {
        if (points.Count <= MaxPlotted)
        {
            return [.. points];
        }

        var result = new List<T>(MaxPlotted);
        for (var k = 0; k < MaxPlotted; k++)
        {
            result.Add(points[(int)((long)k * (points.Count - 1) / (MaxPlotted - 1))]);
        }

        return result;
    }
}
