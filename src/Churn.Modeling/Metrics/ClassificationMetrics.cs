namespace Churn.Modeling;

/// <summary>One decile of a lift / gains table (decile 1 holds the highest scores).</summary>
/// <param name="Decile">1 to 10.</param>
/// <param name="Customers">Customers in the decile.</param>
/// <param name="Churners">Churners in the decile.</param>
/// <param name="ChurnRate">Churn rate in the decile.</param>
/// <param name="Lift">Churn rate relative to the overall rate.</param>
/// <param name="CumulativeGain">Share of all churners found in deciles 1 to this one.</param>
public sealed record DecileRow(int Decile, int Customers, int Churners, double ChurnRate, double Lift, double CumulativeGain);

/// <summary>One reliability bin: predicted against observed churn.</summary>
/// <param name="Lower">The bin's lower edge.</param>
/// <param name="Upper">The bin's upper edge.</param>
/// <param name="Customers">Customers whose score falls in the bin.</param>
/// <param name="MeanPredicted">Their mean score.</param>
/// <param name="ObservedRate">Their observed churn rate.</param>
public sealed record ReliabilityBin(double Lower, double Upper, int Customers, double MeanPredicted, double ObservedRate);

/// <summary>A point of the ROC curve.</summary>
/// <param name="FalsePositiveRate">The share of stayers scored at or above the threshold.</param>
/// <param name="TruePositiveRate">The share of churners scored at or above the threshold.</param>
/// <param name="Threshold">The score.</param>
public readonly record struct RocPoint(double FalsePositiveRate, double TruePositiveRate, double Threshold);

/// <summary>Every metric of a churn score against outcomes.</summary>
/// <param name="Count">Customers scored.</param>
/// <param name="Positives">Churners.</param>
/// <param name="Auc">ROC-AUC (ties count half).</param>
/// <param name="PrAuc">PR-AUC as average precision.</param>
/// <param name="LogLoss">Mean log-loss (scores clipped to [1e-15, 1 − 1e-15]).</param>
/// <param name="Brier">Mean squared error of the probabilities.</param>
/// <param name="Ece">Expected calibration error over 10 equal-width bins.</param>
/// <param name="Profit">The profit measures (EMPC, MPC).</param>
/// <param name="Deciles">The lift and gains table.</param>
/// <param name="Reliability">The reliability bins.</param>
public sealed record ClassificationMetrics(
    int Count,
    int Positives,
    double Auc,
    double PrAuc,
    double LogLoss,
    double Brier,
    double Ece,
    ProfitMetrics Profit,
    IReadOnlyList<DecileRow> Deciles,
    IReadOnlyList<ReliabilityBin> Reliability);

/// <summary>Computes ranking, probability and profit metrics of any score vector against binary outcomes.</summary>
/// <remarks>Stateless and thread-safe.</remarks>
public static class MetricsCalculator
{
    /// <summary>Computes every metric.</summary>
    /// <param name="scores">The scores; for log-loss, Brier and calibration they must be probabilities in [0, 1].</param>
    /// <param name="labels">The outcomes (true = churned).</param>
    /// <param name="profit">The EMPC / MPC parameters; the defaults of Verbraken et al. (2013) when null.</param>
    /// <returns>The metrics.</returns>
    /// <exception cref="ArgumentException">Lengths differ, a score is NaN, or there are no outcomes.</exception>
    public static ClassificationMetrics Compute(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels, ProfitParameters? profit = null)
    {
        Validate(scores, labels);
        var positives = 0;
        foreach (var l in labels)
        {
            positives += l ? 1 : 0;
        }

        var probabilities = true;
        foreach (var s in scores)
        {
            probabilities &= s >= 0 && s <= 1;
        }

        return new ClassificationMetrics(
            scores.Length,
            positives,
            Auc(scores, labels),
            AveragePrecision(scores, labels),
            probabilities ? LogLoss(scores, labels) : double.NaN,
            probabilities ? Brier(scores, labels) : double.NaN,
            probabilities ? Ece(scores, labels) : double.NaN,
            ProfitMeasures.Compute(scores, labels, profit ?? new ProfitParameters()),
            Deciles(scores, labels),
            probabilities ? Reliability(scores, labels) : []);
    }

    /// <summary>The exact ROC curve: (0, 0) at an infinite threshold, then one point per distinct score, highest first, ending at (1, 1).</summary>
    /// <param name="scores">The scores (higher = more likely to churn).</param>
    /// <param name="labels">The outcomes.</param>
    /// <returns>The points; a rate is 0 when its class is missing.</returns>
    public static IReadOnlyList<RocPoint> RocCurve(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels)
    {
        Validate(scores, labels);
        var order = SortedIndices(scores, descending: true);
        long positives = 0;
        foreach (var l in labels)
        {
            positives += l ? 1 : 0;
        }

        var negatives = scores.Length - positives;
        var points = new List<RocPoint> { new(0, 0, double.PositiveInfinity) };
        long tp = 0, fp = 0;
        for (var i = 0; i < order.Length;)
        {
            var j = i;
            while (j < order.Length && scores[order[j]] == scores[order[i]])
            {
                if (labels[order[j]])
                {
                    tp++;
                }
                else
                {
                    fp++;
                }

                j++;
            }

            points.Add(new RocPoint(negatives == 0 ? 0 : fp / (double)negatives, positives == 0 ? 0 : tp / (double)positives, scores[order[i]]));
            i = j;
        }

        return points;
    }

    /// <summary>ROC-AUC by the rank-sum (Mann–Whitney) statistic, ties averaged. NaN without both classes.</summary>
    /// <param name="scores">The scores.</param>
    /// <param name="labels">The outcomes.</param>
    /// <returns>The AUC.</returns>
    public static double Auc(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels)
    {
        Validate(scores, labels);
        var order = SortedIndices(scores, descending: false);
        double rankSum = 0;
        long positives = 0;
        for (var i = 0; i < order.Length;)
        {
            var j = i;
            while (j < order.Length && scores[order[j]] == scores[order[i]])
            {
                j++;
            }

            var rank = (i + j + 1) / 2.0;
            for (var k = i; k < j; k++)
            {
                if (labels[order[k]])
                {
                    rankSum += rank;
                    positives++;
                }
            }

            i = j;
        }

        long negatives = scores.Length - positives;
        return positives == 0 || negatives == 0 ? double.NaN : (rankSum - (positives * (positives + 1) / 2.0)) / ((double)positives * negatives);
    }

    /// <summary>Average precision: the area under the precision–recall curve, ties taken as one step.</summary>
    /// <param name="scores">The scores.</param>
    /// <param name="labels">The outcomes.</param>
    /// <returns>The PR-AUC; NaN without positives.</returns>
    public static double AveragePrecision(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels)
    {
        Validate(scores, labels);
        var order = SortedIndices(scores, descending: true);
        var total = 0;
        foreach (var l in labels)
        {
            total += l ? 1 : 0;
        }

        if (total == 0)
        {
            return double.NaN;
        }

        double ap = 0;
        int tp = 0, seen = 0;
        for (var i = 0; i < order.Length;)
        {
            var j = i;
            var groupTp = 0;
            while (j < order.Length && scores[order[j]] == scores[order[i]])
            {
                groupTp += labels[order[j]] ? 1 : 0;
                j++;
            }

            tp += groupTp;
            seen = j;
            ap += groupTp / (double)total * (tp / (double)seen);
            i = j;
        }

        return ap;
    }

    /// <summary>Mean log-loss, with probabilities clipped to [1e-15, 1 − 1e-15].</summary>
    /// <param name="p">The probabilities.</param>
    /// <param name="labels">The outcomes.</param>
    /// <returns>The log-loss.</returns>
    public static double LogLoss(ReadOnlySpan<double> p, ReadOnlySpan<bool> labels)
    {
        Validate(p, labels);
        double sum = 0;
        for (var i = 0; i < p.Length; i++)
        {
            var q = Math.Clamp(p[i], 1e-15, 1 - 1e-15);
            sum -= labels[i] ? Math.Log(q) : Math.Log(1 - q);
        }

        return sum / p.Length;
    }

    /// <summary>The Brier score: the mean of (p − y)².</summary>
    /// <param name="p">The probabilities.</param>
    /// <param name="labels">The outcomes.</param>
    /// <returns>The Brier score.</returns>
    public static double Brier(ReadOnlySpan<double> p, ReadOnlySpan<bool> labels)
    {
        Validate(p, labels);
        double sum = 0;
        for (var i = 0; i < p.Length; i++)
        {
            var d = p[i] - (labels[i] ? 1 : 0);
            sum += d * d;
        }

        return sum / p.Length;
    }

    /// <summary>Expected calibration error: the customer-weighted mean gap between predicted and observed churn over equal-width bins.</summary>
    /// <param name="p">The probabilities.</param>
    /// <param name="labels">The outcomes.</param>
    /// <param name="bins">The number of bins.</param>
    /// <returns>The ECE.</returns>
    public static double Ece(ReadOnlySpan<double> p, ReadOnlySpan<bool> labels, int bins = 10) =>
        Reliability(p, labels, bins).Sum(b => b.Customers * Math.Abs(b.MeanPredicted - b.ObservedRate)) / p.Length;

    /// <summary>Reliability bins over [0, 1].</summary>
    /// <param name="p">The probabilities.</param>
    /// <param name="labels">The outcomes.</param>
    /// <param name="bins">The number of bins.</param>
    /// <returns>The non-empty bins.</returns>
    public static IReadOnlyList<ReliabilityBin> Reliability(ReadOnlySpan<double> p, ReadOnlySpan<bool> labels, int bins = 10)
    {
        Validate(p, labels);
        var count = new int[bins];
        var sum = new double[bins];
        var pos = new int[bins];
        for (var i = 0; i < p.Length; i++)
        {
            var b = Math.Clamp((int)(p[i] * bins), 0, bins - 1);
            count[b]++;
            sum[b] += p[i];
            pos[b] += labels[i] ? 1 : 0;
        }

        var result = new List<ReliabilityBin>();
        for (var b = 0; b < bins; b++)
        {
            if (count[b] > 0)
            {
                result.Add(new ReliabilityBin(b / (double)bins, (b + 1) / (double)bins, count[b], sum[b] / count[b], pos[b] / (double)count[b]));
            }
        }

        return result;
    }

    /// <summary>The lift and gains table by decile of score (highest first).</summary>
    /// <param name="scores">The scores.</param>
    /// <param name="labels">The outcomes.</param>
    /// <returns>Ten rows (fewer for fewer than ten customers).</returns>
    public static IReadOnlyList<DecileRow> Deciles(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels)
    {
        Validate(scores, labels);
        var order = SortedIndices(scores, descending: true);
        var n = order.Length;
        var total = 0;
        foreach (var l in labels)
        {
            total += l ? 1 : 0;
        }

        var overall = total / (double)n;
        var rows = new List<DecileRow>();
        var cumulative = 0;
        for (var d = 0; d < 10; d++)
        {
            var start = (int)((long)d * n / 10);
            var end = (int)((long)(d + 1) * n / 10);
            if (end <= start)
            {
                continue;
            }

            var churners = 0;
            for (var i = start; i < end; i++)
            {
                churners += labels[order[i]] ? 1 : 0;
            }

            cumulative += churners;
            var rate = churners / (double)(end - start);
            rows.Add(new DecileRow(d + 1, end - start, churners, rate, overall > 0 ? rate / overall : double.NaN, total > 0 ? cumulative / (double)total : double.NaN));
        }

        return rows;
    }

    internal static void Validate(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels)
    {
        if (scores.Length != labels.Length)
        {
            throw new ArgumentException($"There are {scores.Length} scores but {labels.Length} labels.");
        }

        if (scores.Length == 0)
        {
            throw new ArgumentException("There are no scores to evaluate.");
        }

        for (var i = 0; i < scores.Length; i++)
        {
            if (double.IsNaN(scores[i]))
            {
                throw new ArgumentException($"Score #{i + 1} is missing (NaN).");
            }
        }
    }

    internal static int[] SortedIndices(ReadOnlySpan<double> scores, bool descending)
    {
        var keys = scores.ToArray();
        var order = new int[keys.Length];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        // Ties are treated as groups by every caller, so their order inside a group does not matter.
        var copy = (double[])keys.Clone();
        Array.Sort(copy, order);
        if (descending)
        {
            Array.Reverse(order);
            Array.Reverse(copy);
        }

        return order;
    }
}
