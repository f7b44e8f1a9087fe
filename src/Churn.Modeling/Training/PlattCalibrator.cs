namespace Churn.Modeling;

/// <summary>
/// Platt scaling on the logit of a score: p = 1 / (1 + exp(−(A·logit(s) + B))), fitted by
/// Newton's method on held-out (out-of-fold) scores with Platt's smoothed targets, so that a
/// probability of 0.3 means 30 %.
/// </summary>
/// <param name="A">The slope.</param>
/// <param name="B">The intercept.</param>
public sealed record PlattCalibrator(double A, double B)
{
    /// <summary>Gets the identity calibration.</summary>
    public static PlattCalibrator Identity { get; } = new(1, 0);

    // Logit of the clamp Apply puts on scores: log((1 − 1e-7) / 1e-7).
    private static readonly double MaxLogit = Math.Log((1 - 1e-7) / 1e-7);

    /// <summary>Fits the calibration.</summary>
    /// <param name="scores">Held-out scores in [0, 1].</param>
    /// <param name="labels">Their outcomes.</param>
    /// <returns>The calibrator (the identity when a class is missing).</returns>
    public static PlattCalibrator Fit(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels)
    {
        var n1 = 0;
        foreach (var l in labels)
        {
            n1 += l ? 1 : 0;
        }

        var n0 = labels.Length - n1;
        if (n0 == 0 || n1 == 0)
        {
            return Identity;
        }

        var hi = (n1 + 1.0) / (n1 + 2.0);
        var lo = 1.0 / (n0 + 2.0);
        var x = new double[scores.Length];
        var t = new double[scores.Length];
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = Logit(scores[i]);
            t[i] = labels[i] ? hi : lo;
        }

        double Loss(double a, double b)
        {
            double sum = 0;
            for (var i = 0; i < x.Length; i++)
            {
                var z = (a * x[i]) + b;

                // Cross-entropy with soft targets, written to stay finite for large |z|.
                sum += (Math.Max(z, 0) - (t[i] * z)) + Math.Log(1 + Math.Exp(-Math.Abs(z)));
            }

            return sum;
        }

        double a = 1, b = 0;
        var loss = Loss(a, b);
        for (var iteration = 0; iteration < 100; iteration++)
        {
            double g0 = 0, g1 = 0, h00 = 1e-9, h01 = 0, h11 = 1e-9;
            for (var i = 0; i < x.Length; i++)
            {
                var p = Sigmoid((a * x[i]) + b);
                var d = p - t[i];
                var w = p * (1 - p);
                g0 += d * x[i];
                g1 += d;
                h00 += w * x[i] * x[i];
                h01 += w * x[i];
                h11 += w;
            }

            var det = (h00 * h11) - (h01 * h01);
            if (Math.Abs(det) < 1e-300)
            {
                break;
            }

            var da = ((h11 * g0) - (h01 * g1)) / det;
            var db = ((h00 * g1) - (h01 * g0)) / det;

            // Damped Newton: halve the step until the loss does not grow.
            var step = 1.0;
            double next;
            while ((next = Loss(a - (step * da), b - (step * db))) > loss && step > 1e-10)
            {
                step /= 2;
            }

            a -= step * da;
            b -= step * db;
            var improvement = loss - next;
            loss = next;
            if (Math.Abs(step * da) + Math.Abs(step * db) < 1e-10 || improvement < 1e-12 * Math.Max(1, loss))
            {
                break;
            }
        }

        return double.IsFinite(a) && double.IsFinite(b) ? new PlattCalibrator(a, b) : Identity;
    }

    /// <summary>Calibrates one score.</summary>
    /// <param name="score">The score in [0, 1].</param>
    /// <returns>The probability.</returns>
    public double Apply(double score) => Sigmoid((A * Logit(score)) + B);

    /// <summary>Calibrates a score given as its logit, log(p / (1 − p)), clamped as <see cref="Apply"/> clamps the score.</summary>
    /// <param name="logit">The score's logit.</param>
    /// <returns>The probability.</returns>
    internal double ApplyLogit(double logit) => Sigmoid(Linear(logit));

    /// <summary>The argument of the calibration sigmoid for a score given as its logit.</summary>
    /// <param name="logit">The score's logit.</param>
    /// <returns>A·logit + B, the logit clamped as <see cref="Apply"/> clamps the score.</returns>
    internal double Linear(double logit) => (A * Math.Clamp(logit, -MaxLogit, MaxLogit)) + B;

    /// <summary>Calibrates scores in place, vectorised (equal to <see cref="Apply"/> up to the last bits of the logarithm and exponential).</summary>
    /// <param name="scores">Scores in [0, 1]; receive the probabilities.</param>
    internal void ApplyInPlace(Span<double> scores)
    {
        for (var i = 0; i < scores.Length; i++)
        {
            var q = Math.Clamp(scores[i], 1e-7, 1 - 1e-7);
            scores[i] = q / (1 - q);
        }

        Lanes.Apply(scores, values =>
        {
            System.Numerics.Tensors.TensorPrimitives.Log<double>(values, values);
            Linear(values);
        });
    }

    /// <summary>Calibrates scores given as logits in place, vectorised, as <see cref="ApplyLogit"/> does one.</summary>
    /// <param name="logits">The logits; receive the probabilities.</param>
    internal void ApplyLogitInPlace(Span<double> logits)
    {
        System.Numerics.Tensors.TensorPrimitives.Clamp<double>(logits, -MaxLogit, MaxLogit, logits);
        Lanes.Apply(logits, Linear);
    }

    /// <summary>values ← sigmoid(A · values + B).</summary>
    private void Linear(Span<double> values)
    {
        System.Numerics.Tensors.TensorPrimitives.Multiply<double>(values, A, values);
        System.Numerics.Tensors.TensorPrimitives.Add<double>(values, B, values);
        System.Numerics.Tensors.TensorPrimitives.Sigmoid<double>(values, values);
    }

    private static double Logit(double p)
    {
        var q = Math.Clamp(p, 1e-7, 1 - 1e-7);
        return Math.Log(q / (1 - q));
    }

    private static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));
}
