namespace Churn.Value.Numerics;

/// <summary>Numerical Hessians from analytic gradients, and the small matrix inverse that turns them into standard errors.</summary>
internal static class Hessian
{
    /// <summary>Central differences of the gradient, symmetrised.</summary>
    public static double[,] FromGradient(Optimizers.GradientFunction f, double[] x, double step = 1e-5)
    {
        var n = x.Length;
        var h = new double[n, n];
        var gPlus = new double[n];
        var gMinus = new double[n];
        var p = (double[])x.Clone();
        for (var j = 0; j < n; j++)
        {
            p[j] = x[j] + step;
            f(p, gPlus);
            p[j] = x[j] - step;
            f(p, gMinus);
            p[j] = x[j];
            for (var i = 0; i < n; i++)
            {
                h[i, j] = (gPlus[i] - gMinus[i]) / (2 * step);
            }
        }

        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < i; j++)
            {
                var m = 0.5 * (h[i, j] + h[j, i]);
                h[i, j] = m;
                h[j, i] = m;
            }
        }

        return h;
    }

    /// <summary>Second differences of a scalar function.</summary>
    public static double[,] FromValues(Func<double[], double> f, double[] x, double step = 1e-4)
    {
        var n = x.Length;
        var h = new double[n, n];
        var p = (double[])x.Clone();
        var f0 = f(x);
        for (var i = 0; i < n; i++)
        {
            for (var j = i; j < n; j++)
            {
                double V(double di, double dj)
                {
                    Array.Copy(x, p, n);
                    p[i] += di;
                    p[j] += dj;
                    return f(p);
                }

                var value = i == j
                    ? (V(step, 0) - (2 * f0) + V(-step, 0)) / (step * step)
                    : (V(step, step) - V(step, -step) - V(-step, step) + V(-step, -step)) / (4 * step * step);
                h[i, j] = value;
                h[j, i] = value;
            }
        }

        return h;
    }

    /// <summary>Inverts a small symmetric matrix by Gauss–Jordan with partial pivoting; null when singular.</summary>
    public static double[,]? Invert(double[,] m)
    {
        var n = m.GetLength(0);
        var a = (double[,])m.Clone();
        var inv = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            inv[i, i] = 1;
        }

        for (var col = 0; col < n; col++)
        {
            var pivot = col;
            for (var r = col + 1; r < n; r++)
            {
                if (Math.Abs(a[r, col]) > Math.Abs(a[pivot, col]))
                {
                    pivot = r;
                }
            }

            if (Math.Abs(a[pivot, col]) < 1e-300 || !double.IsFinite(a[pivot, col]))
            {
                return null;
            }

            for (var k = 0; k < n; k++)
            {
                (a[col, k], a[pivot, k]) = (a[pivot, k], a[col, k]);
                (inv[col, k], inv[pivot, k]) = (inv[pivot, k], inv[col, k]);
            }

            var d = a[col, col];
            for (var k = 0; k < n; k++)
            {
                a[col, k] /= d;
                inv[col, k] /= d;
            }

            for (var r = 0; r < n; r++)
            {
                if (r == col)
                {
                    continue;
                }

                var factor = a[r, col];
                for (var k = 0; k < n; k++)
                {
                    a[r, k] -= factor * a[col, k];
                    inv[r, k] -= factor * inv[col, k];
                }
            }
        }

        return inv;
    }

    /// <summary>
    /// Standard errors of natural parameters θ = exp(u) from the Hessian of the total log-likelihood
    /// in u: Var(u) = (−H)⁻¹ and SE(θ) = θ·SE(u) (delta method). NaN entries when −H is not positive definite.
    /// </summary>
    public static double[] StandardErrorsFromLogSpace(double[,] hessianOfLogLikelihood, double[] logParameters)
    {
        var n = logParameters.Length;
        var negative = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                negative[i, j] = -hessianOfLogLikelihood[i, j];
            }
        }

        var cov = Invert(negative);
        var se = new double[n];
        for (var i = 0; i < n; i++)
        {
            se[i] = cov is not null && cov[i, i] > 0 ? Math.Exp(logParameters[i]) * Math.Sqrt(cov[i, i]) : double.NaN;
        }

        return se;
    }
}
