namespace Churn.Value.Numerics;

/// <summary>The result of a minimisation.</summary>
/// <param name="Point">The best point found.</param>
/// <param name="Value">The objective there.</param>
/// <param name="Iterations">Iterations used.</param>
/// <param name="Evaluations">Objective evaluations used.</param>
/// <param name="GradientNorm">The infinity norm of the gradient at the point (NaN for gradient-free methods).</param>
/// <param name="Converged">Whether the stopping rule was met, rather than the iteration limit or a failure.</param>
/// <param name="Message">What happened, in words.</param>
internal sealed record OptimizationResult(double[] Point, double Value, int Iterations, int Evaluations, double GradientNorm, bool Converged, string Message);

/// <summary>Unconstrained minimisers used on log-parameters.</summary>
internal static class Optimizers
{
    /// <summary>An objective that returns f(x) and writes ∇f(x) into the gradient span.</summary>
    public delegate double GradientFunction(ReadOnlySpan<double> x, Span<double> gradient);

    /// <summary>BFGS with a backtracking Armijo line search.</summary>
    public static OptimizationResult Bfgs(GradientFunction f, double[] start, double gradientTolerance, int maxIterations, CancellationToken cancellationToken)
    {
        var n = start.Length;
        var x = (double[])start.Clone();
        var g = new double[n];
        var fx = f(x, g);
        var evaluations = 1;
        if (!double.IsFinite(fx) || !AllFinite(g))
        {
            return new OptimizationResult(x, fx, 0, evaluations, double.NaN, false, "the objective is not finite at the starting point");
        }

        var h = Identity(n);
        var xNew = new double[n];
        var gNew = new double[n];
        var direction = new double[n];
        var s = new double[n];
        var y = new double[n];
        var stalls = 0;
        for (var iteration = 1; iteration <= maxIterations; iteration++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var norm = InfNorm(g);
            if (norm < gradientTolerance)
            {
                return new OptimizationResult(x, fx, iteration - 1, evaluations, norm, true, "converged: the gradient vanished");
            }

            MatVec(h, g, direction);
            for (var i = 0; i < n; i++)
            {
                direction[i] = -direction[i];
            }

            var slope = Dot(g, direction);
            if (slope >= 0)
            {
                // Not a descent direction: restart from steepest descent.
                h = Identity(n);
                for (var i = 0; i < n; i++)
                {
                    direction[i] = -g[i];
                }

                slope = -Dot(g, g);
            }

            // Keep steps in log-parameter space moderate.
            var maxStep = 0.0;
            for (var i = 0; i < n; i++)
            {
                maxStep = Math.Max(maxStep, Math.Abs(direction[i]));
            }

            var step = maxStep > 2 ? 2 / maxStep : 1.0;
            double fNew = double.NaN;
            var accepted = false;
            for (var tries = 0; tries < 60; tries++)
            {
                for (var i = 0; i < n; i++)
                {
                    xNew[i] = x[i] + (step * direction[i]);
                }

                fNew = f(xNew, gNew);
                evaluations++;
                if (double.IsFinite(fNew) && AllFinite(gNew) && fNew <= fx + (1e-4 * step * slope))
                {
                    accepted = true;
                    break;
                }

                step *= 0.5;
            }

            if (!accepted)
            {
                var gn = InfNorm(g);
                var ok = gn < gradientTolerance * 100;
                return new OptimizationResult(x, fx, iteration, evaluations, gn, ok, ok ? "converged: no further decrease possible at machine precision" : "stopped: the line search found no decrease");
            }

            for (var i = 0; i < n; i++)
            {
                s[i] = xNew[i] - x[i];
                y[i] = gNew[i] - g[i];
            }

            var relative = Math.Abs(fx - fNew) / Math.Max(1, Math.Abs(fx));
            stalls = relative < 1e-15 ? stalls + 1 : 0;
            Array.Copy(xNew, x, n);
            Array.Copy(gNew, g, n);
            fx = fNew;
            if (stalls >= 3)
            {
                var gn = InfNorm(g);
                var ok = gn < gradientTolerance * 100;
                return new OptimizationResult(x, fx, iteration, evaluations, gn, ok, ok ? "converged: the objective stopped changing" : "stopped: the objective stopped changing before the gradient vanished");
            }

            var sy = Dot(s, y);
            if (sy > 1e-12)
            {
                UpdateInverseHessian(h, s, y, sy);
            }
        }

        var final = InfNorm(g);
        return new OptimizationResult(x, fx, maxIterations, evaluations, final, false, $"stopped after {maxIterations} iterations with gradient {final:G3}");
    }

    /// <summary>Nelder–Mead simplex, restarted once from its best point.</summary>
    public static OptimizationResult NelderMead(Func<double[], double> f, double[] start, double tolerance, int maxEvaluations, CancellationToken cancellationToken)
    {
        var evaluations = 0;
        var best = start;
        var bestValue = double.NaN;
        var iterations = 0;
        var converged = false;
        for (var round = 0; round < 3; round++)
        {
            var (point, value, used, its, ok) = NelderMeadOnce(f, best, tolerance, maxEvaluations - evaluations, cancellationToken);
            evaluations += used;
            iterations += its;
            var improved = double.IsNaN(bestValue) || value < bestValue - (tolerance * Math.Max(1, Math.Abs(value)));
            best = point;
            bestValue = value;
            converged = ok;
            if (!improved && round > 0)
            {
                break;
            }
        }

        return new OptimizationResult(best, bestValue, iterations, evaluations, double.NaN, converged && double.IsFinite(bestValue),
            converged ? "converged: the simplex collapsed" : $"stopped after {evaluations} evaluations");
    }

    private static (double[] Point, double Value, int Evaluations, int Iterations, bool Converged) NelderMeadOnce(
        Func<double[], double> f, double[] start, double tolerance, int maxEvaluations, CancellationToken cancellationToken)
    {
        var n = start.Length;
        var simplex = new double[n + 1][];
        var values = new double[n + 1];
        var evaluations = 0;
        double Eval(double[] p)
        {
            evaluations++;
            var v = f(p);
            return double.IsFinite(v) ? v : double.PositiveInfinity;
        }

        simplex[0] = (double[])start.Clone();
        values[0] = Eval(simplex[0]);
        for (var i = 0; i < n; i++)
        {
            var p = (double[])start.Clone();
            p[i] += 0.5;
            simplex[i + 1] = p;
            values[i + 1] = Eval(p);
        }

        var iterations = 0;
        while (evaluations < maxEvaluations)
        {
            cancellationToken.ThrowIfCancellationRequested();
            iterations++;
            var order = Enumerable.Range(0, n + 1).OrderBy(i => values[i]).ToArray();
            simplex = [.. order.Select(i => simplex[i])];
            values = [.. order.Select(i => values[i])];
            var spread = Math.Abs(values[n] - values[0]);
            var size = 0.0;
            for (var i = 1; i <= n; i++)
            {
                for (var j = 0; j < n; j++)
                {
                    size = Math.Max(size, Math.Abs(simplex[i][j] - simplex[0][j]));
                }
            }

            if (spread <= tolerance * Math.Max(1, Math.Abs(values[0])) && size < Math.Sqrt(tolerance))
            {
                return (simplex[0], values[0], evaluations, iterations, true);
            }

            var centroid = new double[n];
            for (var i = 0; i < n; i++)
            {
                for (var j = 0; j < n; j++)
                {
                    centroid[j] += simplex[i][j] / n;
                }
            }

            double[] Along(double t) => [.. Enumerable.Range(0, n).Select(j => centroid[j] + (t * (simplex[n][j] - centroid[j])))];
            var reflected = Along(-1);
            var fr = Eval(reflected);
            if (fr < values[0])
            {
                var expanded = Along(-2);
                var fe = Eval(expanded);
                (simplex[n], values[n]) = fe < fr ? (expanded, fe) : (reflected, fr);
            }
            else if (fr < values[n - 1])
            {
                (simplex[n], values[n]) = (reflected, fr);
            }
            else
            {
                var contracted = fr < values[n] ? Along(-0.5) : Along(0.5);
                var fc = Eval(contracted);
                if (fc < Math.Min(fr, values[n]))
                {
                    (simplex[n], values[n]) = (contracted, fc);
                }
                else
                {
                    for (var i = 1; i <= n; i++)
                    {
                        for (var j = 0; j < n; j++)
                        {
                            simplex[i][j] = simplex[0][j] + (0.5 * (simplex[i][j] - simplex[0][j]));
                        }

                        values[i] = Eval(simplex[i]);
                    }
                }
            }
        }

        var bestIndex = Array.IndexOf(values, values.Min());
        return (simplex[bestIndex], values[bestIndex], evaluations, iterations, false);
    }

    private static double[,] Identity(int n)
    {
        var m = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            m[i, i] = 1;
        }

        return m;
    }

    private static void MatVec(double[,] m, double[] v, double[] result)
    {
        var n = v.Length;
        for (var i = 0; i < n; i++)
        {
            var sum = 0.0;
            for (var j = 0; j < n; j++)
            {
                sum += m[i, j] * v[j];
            }

            result[i] = sum;
        }
    }

    private static void UpdateInverseHessian(double[,] h, double[] s, double[] y, double sy)
    {
        var n = s.Length;
        var hy = new double[n];
        MatVec(h, y, hy);
        var yhy = Dot(y, hy);
        var rho = 1 / sy;
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                h[i, j] += (((1 + (yhy * rho)) * s[i] * s[j]) - (hy[i] * s[j]) - (s[i] * hy[j])) * rho;
            }
        }
    }

    private static double Dot(double[] a, double[] b)
    {
        var sum = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    private static double InfNorm(double[] v)
    {
        var max = 0.0;
        foreach (var x in v)
        {
            max = Math.Max(max, Math.Abs(x));
        }

        return max;
    }

    private static bool AllFinite(double[] v)
    {
        foreach (var x in v)
        {
            if (!double.IsFinite(x))
            {
                return false;
            }
        }

        return true;
    }
}
