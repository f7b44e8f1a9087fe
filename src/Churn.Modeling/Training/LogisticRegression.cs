using System.Runtime.CompilerServices;

namespace Churn.Modeling;

/// <summary>
/// A fitted logistic model on the encoded features: p = 1 / (1 + exp(−(bias + Σ weight · x))), the
/// weights already folded back from the standardised scale it was fitted on.
/// </summary>
/// <remarks>Immutable and thread-safe.</remarks>
internal sealed class LinearModel
{
    private const uint Magic = 0x4C4E5443; // "CTNL" little-endian: Churn linear model
    private const int Version = 1;
    private const string What = "the linear model";

    /// <summary>Initializes a new instance of the <see cref="LinearModel"/> class.</summary>
    /// <param name="weights">One weight per encoded feature.</param>
    /// <param name="bias">The intercept.</param>
    /// <param name="iterations">The optimiser's iterations (kept for diagnostics).</param>
    public LinearModel(double[] weights, double bias, int iterations = 0)
    {
        if (weights.Any(w => !double.IsFinite(w)) || !double.IsFinite(bias))
        {
            throw new ArgumentException("A weight or the bias is not finite.", nameof(weights));
        }

        (Weights, Bias, Iterations) = (weights, bias, iterations);
    }

    /// <summary>Gets the weights on the encoded (unstandardised) features.</summary>
    public double[] Weights { get; }

    /// <summary>Gets the intercept.</summary>
    public double Bias { get; }

    /// <summary>Gets how many L-BFGS iterations the fit took.</summary>
    public int Iterations { get; }

    /// <summary>The probability of each row (missing values already replaced by the training means).</summary>
    /// <param name="rows">Row-major encoded rows.</param>
    /// <returns>One probability per row.</returns>
    public double[] Probabilities(ReadOnlySpan<float> rows)
    {
        var d = Weights.Length;
        var n = d == 0 ? 0 : rows.Length / d;
        var result = new double[n];
        for (var r = 0; r < n; r++)
        {
            var row = rows.Slice(r * d, d);
            var m = Bias;
            for (var j = 0; j < d; j++)
            {
                m += Weights[j] * row[j];
            }

            result[r] = 1 / (1 + Math.Exp(-m));
        }

        return result;
    }

    /// <summary>Writes the model in a small little-endian binary form.</summary>
    /// <param name="stream">The target.</param>
    public void Write(Stream stream) => BinaryEntry.Write(stream, Magic, Version, w =>
    {
        w.Write(Iterations);
        w.Write(Bias);
        BinaryEntry.WriteArray(w, Weights, w.Write);
    });

    /// <summary>Reads a model written by <see cref="Write"/>.</summary>
    /// <param name="stream">The source.</param>
    /// <returns>The model.</returns>
    /// <exception cref="InvalidDataException">The bytes are not a valid model.</exception>
    public static LinearModel Read(Stream stream) => BinaryEntry.Read(stream, Magic, Version, What, r =>
    {
        var iterations = r.ReadInt32();
        var bias = r.ReadDouble();
        return new LinearModel(BinaryEntry.ReadArray(r, 8, r.ReadDouble, What), bias, iterations);
    });
}

/// <summary>
/// L2-regularised logistic regression by L-BFGS: minimises Σ wᵢ · log-loss(yᵢ, b + zᵢ·β) + λ/2 · ‖β‖²
/// over features standardised to unit variance (the intercept is not penalised), the objective of
/// ML.NET's L-BFGS logistic regression on mean-variance normalised features.
/// </summary>
/// <remarks>
/// Deterministic for any thread count: each pass over the rows sums fixed chunks of rows on their
/// own and adds the chunk sums in chunk order.
/// </remarks>
internal static class LogisticRegression
{
    private const int Chunk = 16_384;
    private const int Memory = 10;

    /// <summary>Fits the model.</summary>
    /// <param name="rows">Row-major encoded rows, no missing values.</param>
    /// <param name="width">Features per row.</param>
    /// <param name="labels">Churned or not.</param>
    /// <param name="weights">Per-row weights, or null for 1.</param>
    /// <param name="l2">The L2 penalty λ on the standardised weights.</param>
    /// <param name="threads">Threads; 0 for all cores. The result does not depend on it.</param>
    /// <param name="cancellationToken">Checked between iterations.</param>
    /// <returns>The model, weights on the unstandardised features.</returns>
    /// <exception cref="ArgumentException">The sizes disagree.</exception>
    public static LinearModel Fit(float[] rows, int width, IReadOnlyList<bool> labels, float[]? weights, double l2 = 1, int threads = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(labels);
        var n = labels.Count;
        if (width < 0 || n == 0 || rows.Length != (long)n * width || (weights is not null && weights.Length != n))
        {
            throw new ArgumentException($"{rows.Length} values, {n} labels and {weights?.Length ?? n} weights do not make rows of {width} features.", nameof(rows));
        }

        var parallel = new ParallelOptions { MaxDegreeOfParallelism = threads == 0 ? Environment.ProcessorCount : threads, CancellationToken = cancellationToken };
        var y = labels.Select(l => l ? 1.0 : 0.0).ToArray();
        var problem = new Problem(rows, width, y, weights, l2, parallel);
        var theta = problem.Minimise(cancellationToken, out var iterations);

        // Fold the standardisation back: z = (x − μ) · s, so β·z + b = (β·s)·x + (b − Σ β·s·μ).
        var folded = new double[width];
        var bias = theta[width];
        for (var j = 0; j < width; j++)
        {
            folded[j] = theta[j] * problem.Scale[j];
            bias -= folded[j] * problem.Mean[j];
        }

        return new LinearModel(folded, bias, iterations);
    }

    /// <summary>The objective, its gradient and the optimiser.</summary>
    private sealed class Problem
    {
        private readonly float[] _rows;
        private readonly int _d;
        private readonly double[] _y;
        private readonly float[]? _w;
        private readonly double _l2;
        private readonly ParallelOptions _parallel;
        private readonly int _n;
        private readonly double _totalWeight;

        public Problem(float[] rows, int width, double[] y, float[]? weights, double l2, ParallelOptions parallel)
        {
            (_rows, _d, _y, _w, _l2, _parallel, _n) = (rows, width, y, weights, l2, parallel, y.Length);
            Mean = new double[width];
            Scale = new double[width];

            // Weighted mean and standard deviation of each feature, in fixed chunks.
            var chunks = (_n + Chunk - 1) / Chunk;
            var parts = new double[chunks][];
            Parallel.For(0, chunks, parallel, c =>
            {
                var part = new double[(2 * width) + 1];
                for (var i = c * Chunk; i < Math.Min(_n, (c + 1) * Chunk); i++)
                {
                    var w = _w?[i] ?? 1;
                    part[2 * width] += w;
                    var row = _rows.AsSpan(i * width, width);
                    for (var j = 0; j < width; j++)
                    {
                        part[j] += w * row[j];
                        part[width + j] += w * row[j] * row[j];
                    }
                }

                parts[c] = part;
            });
            var total = Sum(parts, (2 * width) + 1);
            _totalWeight = total[2 * width];
            for (var j = 0; j < width; j++)
            {
                Mean[j] = total[j] / _totalWeight;
                var variance = Math.Max(0, (total[width + j] / _totalWeight) - (Mean[j] * Mean[j]));
                Scale[j] = variance > 1e-24 ? 1 / Math.Sqrt(variance) : 0;
            }
        }

        public double[] Mean { get; }

        public double[] Scale { get; }

        /// <summary>L-BFGS with a backtracking (Armijo) line search, on the objective divided by the total weight.</summary>
        public double[] Minimise(CancellationToken cancellationToken, out int iterations)
        {
            var dimension = _d + 1;
            var theta = new double[dimension];
            var grad = new double[dimension];
            var f = Evaluate(theta, grad);
            var s = new List<double[]>();
            var yk = new List<double[]>();
            var next = new double[dimension];
            var nextGrad = new double[dimension];
            var direction = new double[dimension];
            for (iterations = 0; iterations < 500; iterations++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (MaxAbs(grad) < 1e-9)
                {
                    break;
                }

                TwoLoop(grad, s, yk, direction);
                var slope = Dot(grad, direction);
                if (slope >= 0)
                {
                    // Not a descent direction (curvature lost): restart from steepest descent.
                    s.Clear();
                    yk.Clear();
                    for (var k = 0; k < dimension; k++)
                    {
                        direction[k] = -grad[k];
                    }

                    slope = Dot(grad, direction);
                }

                if (!double.IsFinite(f) || !double.IsFinite(slope))
                {
                    throw new ArgumentException("The logistic learner met a value it cannot use (the objective is not finite): the training data holds numbers too large.");
                }

                var step = s.Count == 0 ? Math.Min(1, 1 / Math.Sqrt(-slope)) : 1;
                double fNext;

                // At most 60 halvings (step below 1e-18 of the first): the search always ends.
                for (var halvings = 0; ; halvings++)
                {
                    for (var k = 0; k < dimension; k++)
                    {
                        next[k] = theta[k] + (step * direction[k]);
                    }

                    fNext = Evaluate(next, nextGrad);
                    if (fNext <= f + (1e-4 * step * slope) || step < 1e-12 || halvings >= 60)
                    {
                        break;
                    }

                    step /= 2;
                }

                var sk = new double[dimension];
                var ykk = new double[dimension];
                for (var k = 0; k < dimension; k++)
                {
                    sk[k] = next[k] - theta[k];
                    ykk[k] = nextGrad[k] - grad[k];
                }

                if (Dot(sk, ykk) > 1e-16)
                {
                    s.Add(sk);
                    yk.Add(ykk);
                    if (s.Count > Memory)
                    {
                        s.RemoveAt(0);
                        yk.RemoveAt(0);
                    }
                }

                var improvement = f - fNext;
                (theta, next) = (next, theta);
                (grad, nextGrad) = (nextGrad, grad);
                f = fNext;
                if (improvement <= 1e-12 * Math.Max(1, Math.Abs(f)))
                {
                    iterations++;
                    break;
                }
            }

            return theta;
        }

        /// <summary>The objective at θ = (β, b) divided by the total weight, and its gradient into <paramref name="gradient"/>.</summary>
        public double Evaluate(double[] theta, double[] gradient)
        {
            var d = _d;

            // Margins on the raw features: γ = β · s, c = b − Σ γ · μ.
            var gamma = new double[d];
            var c0 = theta[d];
            for (var j = 0; j < d; j++)
            {
                gamma[j] = theta[j] * Scale[j];
                c0 -= gamma[j] * Mean[j];
            }

            var chunks = (_n + Chunk - 1) / Chunk;
            var parts = new double[chunks][];
            Parallel.For(0, chunks, _parallel, c => parts[c] = Pass(gamma, c0, c * Chunk, Math.Min(_n, (c + 1) * Chunk)));
            var total = Sum(parts, d + 2);

            // total = (Σ r·x, Σ r, loss) with r = w (p − y): back to the standardised scale, plus the penalty.
            double penalty = 0;
            for (var j = 0; j < d; j++)
            {
                gradient[j] = ((Scale[j] * (total[j] - (Mean[j] * total[d]))) + (_l2 * theta[j])) / _totalWeight;
                penalty += theta[j] * theta[j];
            }

            gradient[d] = total[d] / _totalWeight;
            return (total[d + 1] + (0.5 * _l2 * penalty)) / _totalWeight;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private double[] Pass(double[] gamma, double c0, int from, int to)
        {
            var d = _d;
            var part = new double[d + 2];
            for (var i = from; i < to; i++)
            {
                var row = _rows.AsSpan(i * d, d);
                var m = c0;
                for (var j = 0; j < row.Length; j++)
                {
                    m += gamma[j] * row[j];
                }

                var w = _w?[i] ?? 1;
                var y = _y[i];

                // log(1 + e^m) − y·m, stably.
                var softplus = m > 0 ? m + Math.Log(1 + Math.Exp(-m)) : Math.Log(1 + Math.Exp(m));
                part[d + 1] += w * (softplus - (y * m));
                var r = w * ((1 / (1 + Math.Exp(-m))) - y);
                part[d] += r;
                for (var j = 0; j < row.Length; j++)
                {
                    part[j] += r * row[j];
                }
            }

            return part;
        }

        private static double[] Sum(double[][] parts, int length)
        {
            var total = new double[length];
            foreach (var part in parts)
            {
                for (var k = 0; k < length; k++)
                {
                    total[k] += part[k];
                }
            }

            return total;
        }

        private static void TwoLoop(double[] grad, List<double[]> s, List<double[]> y, double[] direction)
        {
            var q = (double[])grad.Clone();
            var alpha = new double[s.Count];
            for (var k = s.Count - 1; k >= 0; k--)
            {
                alpha[k] = Dot(s[k], q) / Dot(y[k], s[k]);
                for (var i = 0; i < q.Length; i++)
                {
                    q[i] -= alpha[k] * y[k][i];
                }
            }

            var gammaScale = s.Count == 0 ? 1 : Dot(s[^1], y[^1]) / Dot(y[^1], y[^1]);
            for (var i = 0; i < q.Length; i++)
            {
                q[i] *= gammaScale;
            }

            for (var k = 0; k < s.Count; k++)
            {
                var beta = Dot(y[k], q) / Dot(y[k], s[k]);
                for (var i = 0; i < q.Length; i++)
                {
                    q[i] += (alpha[k] - beta) * s[k][i];
                }
            }

            for (var i = 0; i < q.Length; i++)
            {
                direction[i] = -q[i];
            }
        }

        private static double Dot(double[] a, double[] b)
        {
            double sum = 0;
            for (var i = 0; i < a.Length; i++)
            {
                sum += a[i] * b[i];
            }

            return sum;
        }

        private static double MaxAbs(double[] a) => a.Max(Math.Abs);
    }
}
