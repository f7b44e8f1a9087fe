namespace Churn.Value.Numerics;

/// <summary>Log-gamma, digamma and the Gauss hypergeometric function, accurate to about 1e-14 relative for the arguments CLV models use.</summary>
internal static class SpecialFunctions
{
    private const double HalfLog2Pi = 0.91893853320467274178032973640562;

    private static readonly double[] Lanczos =
    [
        0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
        -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
        1.5056327351493116e-7,
    ];

    /// <summary>ln Γ(x) for x &gt; 0.</summary>
    public static double LogGamma(double x)
    {
        if (x < 0.5)
        {
            // Reflection: Γ(x)Γ(1-x) = π / sin(πx).
            return Math.Log(Math.PI / Math.Abs(Math.Sin(Math.PI * x))) - LogGamma(1 - x);
        }

        if (x > 1e7)
        {
            // Stirling with two correction terms.
            return ((x - 0.5) * Math.Log(x)) - x + HalfLog2Pi + (1.0 / (12 * x));
        }

        x -= 1;
        var a = Lanczos[0];
        var t = x + 7.5;
        for (var i = 1; i < 9; i++)
        {
            a += Lanczos[i] / (x + i);
        }

        return HalfLog2Pi + ((x + 0.5) * Math.Log(t)) - t + Math.Log(a);
    }

    /// <summary>ψ(x), the derivative of ln Γ, for x &gt; 0.</summary>
    public static double Digamma(double x)
    {
        var result = 0.0;
        while (x < 10)
        {
            result -= 1 / x;
            x += 1;
        }

        var inv = 1 / x;
        var inv2 = inv * inv;
        return result + Math.Log(x) - (0.5 * inv)
            - (inv2 * ((1.0 / 12) - (inv2 * ((1.0 / 120) - (inv2 * ((1.0 / 252) - (inv2 * ((1.0 / 240) - (inv2 / 132)))))))));
    }

    /// <summary>ln B(a, b).</summary>
    public static double LogBeta(double a, double b) => LogGamma(a) + LogGamma(b) - LogGamma(a + b);

    /// <summary>ln(exp(a) + exp(b)) without overflow.</summary>
    public static double LogAddExp(double a, double b)
    {
        if (double.IsNegativeInfinity(a))
        {
            return b;
        }

        if (double.IsNegativeInfinity(b))
        {
            return a;
        }

        var max = Math.Max(a, b);
        return max + Math.Log(1 + Math.Exp(-Math.Abs(a - b)));
    }

    /// <summary>ln(1 - exp(x)) for x ≤ 0, accurate near 0 and for very negative x.</summary>
    public static double Log1MinusExp(double x) =>
        x > -0.6931471805599453 ? Math.Log(-double.ExpM1(x)) : Math.Log(-Math.Exp(x) + 1);

    /// <summary>
    /// ln ₂F₁(a, b; c; z) for a, b, c &gt; 0 and 0 ≤ z &lt; 1, by its power series summed with
    /// running rescaling so that large parameters neither overflow nor lose the sum.
    /// </summary>
    /// <returns>The log of the value, or NaN when the series did not converge in 200,000 terms.</returns>
    public static double LogHyp2F1(double a, double b, double c, double z)
    {
        if (z == 0)
        {
            return 0;
        }

        if (!(z > 0 && z < 1) || a <= 0 || b <= 0 || c <= 0)
        {
            return double.NaN;
        }

        // Terms t_n = (a)_n (b)_n / ((c)_n n!) z^n; sum kept as sum * exp(logScale).
        double term = 1, sum = 1, logScale = 0;
        for (var n = 0; n < 200_000; n++)
        {
            term *= (a + n) * (b + n) / ((c + n) * (n + 1)) * z;
            sum += term;
            if (sum > 1e250)
            {
                logScale += Math.Log(sum);
                term /= sum;
                sum = 1;
            }

            if (term < sum * 1e-17 && n > 2 && (a + n) * (b + n) / ((c + n) * (n + 1)) * z < 1)
            {
                return logScale + Math.Log(sum);
            }
        }

        return double.NaN;
    }
}
