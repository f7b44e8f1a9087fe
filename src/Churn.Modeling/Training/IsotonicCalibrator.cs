namespace Churn.Modeling;

/// <summary>How the model's scores are turned into probabilities.</summary>
public enum CalibrationMethod
{
    /// <summary>Platt scaling: a sigmoid on the logit of the score (two parameters; smooth, robust on small data).</summary>
    Platt = 0,

    /// <summary>Isotonic regression after Platt scaling: a monotone step-wise map fitted by pool-adjacent-violators and interpolated linearly (flexible; wants a few thousand rows).</summary>
    Isotonic,
}

/// <summary>
/// Isotonic calibration: the non-decreasing map from score to probability that fits the outcomes
/// best in squared error, found by pool-adjacent-violators (PAV), interpolated linearly between
/// the pooled blocks' mean scores and clamped beyond the first and last.
/// </summary>
public sealed class IsotonicCalibrator
{
    private readonly double[] _x;
    private readonly double[] _y;

    /// <summary>Initializes a new instance of the <see cref="IsotonicCalibrator"/> class from its knots.</summary>
    /// <param name="x">Ascending scores.</param>
    /// <param name="y">The probability at each score, non-decreasing, in [0, 1].</param>
    /// <exception cref="ArgumentException">The knots are empty, of different lengths, unordered or out of range.</exception>
    public IsotonicCalibrator(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Count == 0 || x.Count != y.Count)
        {
            throw new ArgumentException($"Isotonic knots need as many probabilities as scores, at least one; got {x.Count} and {y.Count}.", nameof(y));
        }

        for (var i = 0; i < x.Count; i++)
        {
            if (!double.IsFinite(x[i]) || y[i] is < 0 or > 1 || double.IsNaN(y[i]) || (i > 0 && (x[i] <= x[i - 1] || y[i] < y[i - 1])))
            {
                throw new ArgumentException($"Isotonic knot {i} ({x[i]}, {y[i]}) breaks the order or range.", nameof(x));
            }
        }

        _x = [.. x];
        _y = [.. y];
    }

    /// <summary>Gets the knots' scores, ascending.</summary>
    public IReadOnlyList<double> X => _x;

    /// <summary>Gets the knots' probabilities, non-decreasing.</summary>
    public IReadOnlyList<double> Y => _y;

    /// <summary>Fits the calibration by pool-adjacent-violators.</summary>
    /// <param name="scores">Held-out scores.</param>
    /// <param name="labels">Their outcomes.</param>
    /// <returns>The calibrator.</returns>
    /// <exception cref="ArgumentException">The spans differ in length or are empty.</exception>
    public static IsotonicCalibrator Fit(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels)
    {
        if (scores.Length != labels.Length || scores.Length == 0)
        {
            throw new ArgumentException($"{scores.Length} scores and {labels.Length} labels: they must be as many, and some.", nameof(labels));
        }

        var order = new int[scores.Length];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        var keys = scores.ToArray();
        Array.Sort(keys, order);

        // Equal scores first form one block each (ties share a value, whatever their order)...
        var sumX = new List<double>();
        var sumY = new List<double>();
        var count = new List<double>();
        for (var i = 0; i < keys.Length;)
        {
            var j = i;
            double positives = 0;
            for (; j < keys.Length && keys[j] == keys[i]; j++)
            {
                positives += labels[order[j]] ? 1 : 0;
            }

            sumX.Add(keys[i] * (j - i));
            sumY.Add(positives);
            count.Add(j - i);
            i = j;

            // ...then the last block is pooled while its mean falls below the one before it.
            while (sumX.Count > 1 && sumY[^1] / count[^1] < sumY[^2] / count[^2])
            {
                sumX[^2] += sumX[^1];
                sumY[^2] += sumY[^1];
                count[^2] += count[^1];
                sumX.RemoveAt(sumX.Count - 1);
                sumY.RemoveAt(sumY.Count - 1);
                count.RemoveAt(count.Count - 1);
            }
        }

        var xs = new List<double>();
        var ys = new List<double>();
        for (var b = 0; b < sumX.Count; b++)
        {
            var x = sumX[b] / count[b];
            var p = Math.Clamp(sumY[b] / count[b], 0, 1);
            if (xs.Count > 0 && x <= xs[^1])
            {
                // Rounding can make two block means equal: keep the later (higher) probability.
                ys[^1] = Math.Max(ys[^1], p);
                continue;
            }

            xs.Add(x);
            ys.Add(p);
        }

        return new IsotonicCalibrator(xs, ys);
    }

    /// <summary>Calibrates one score.</summary>
    /// <param name="score">The score.</param>
    /// <returns>The probability.</returns>
    public double Apply(double score)
    {
        if (!(score > _x[0]))
        {
            return _y[0];
        }

        if (score >= _x[^1])
        {
            return _y[^1];
        }

        var i = Array.BinarySearch(_x, score);
        if (i >= 0)
        {
            return _y[i];
        }

        var hi = ~i;
        var lo = hi - 1;
        var t = (score - _x[lo]) / (_x[hi] - _x[lo]);
        return _y[lo] + (t * (_y[hi] - _y[lo]));
    }

    /// <summary>Calibrates scores in place.</summary>
    /// <param name="scores">The scores, replaced by probabilities.</param>
    public void ApplyInPlace(Span<double> scores)
    {
        for (var i = 0; i < scores.Length; i++)
        {
            scores[i] = Apply(scores[i]);
        }
    }
}
