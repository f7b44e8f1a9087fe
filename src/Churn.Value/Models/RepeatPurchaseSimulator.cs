namespace Churn.Value;

/// <summary>
/// Draws customer histories (x, t_x, T) from a BG/NBD process with known parameters: for tests
/// that a fit recovers what was planted, for benchmarks, and for "what if" studies. Times are
/// rounded down to whole days (in the given unit), as real transaction logs are.
/// </summary>
/// <remarks>Deterministic for a seed; not thread-safe (one simulator per thread).</remarks>
public sealed class RepeatPurchaseSimulator
{
    private readonly Random _random;

    /// <summary>Initializes a new instance of the <see cref="RepeatPurchaseSimulator"/> class.</summary>
    /// <param name="seed">The seed.</param>
    public RepeatPurchaseSimulator(int seed) => _random = new Random(seed);

    /// <summary>Simulates BG/NBD customers.</summary>
    /// <param name="parameters">The planted parameters.</param>
    /// <param name="customers">How many customers.</param>
    /// <param name="minT">The shortest observation period T.</param>
    /// <param name="maxT">The longest observation period T (T is uniform in between, then rounded to days).</param>
    /// <param name="daysPerUnit">Days in one time unit (7 for weeks), for the rounding.</param>
    /// <returns>The customers' x, t_x and T.</returns>
    public (int[] X, double[] Tx, double[] T) SimulateBgNbd(BgNbdParameters parameters, int customers, double minT, double maxT, double daysPerUnit = 7)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(customers);
        var x = new int[customers];
        var tx = new double[customers];
        var t = new double[customers];
        for (var i = 0; i < customers; i++)
        {
            var T = Math.Max(1, Math.Floor((minT + (_random.NextDouble() * (maxT - minT))) * daysPerUnit)) / daysPerUnit;
            var rate = Gamma(parameters.R, 1 / parameters.Alpha);
            var ga = Gamma(parameters.A, 1);
            var dropout = ga / (ga + Gamma(parameters.B, 1));
            double now = 0, last = 0;
            var count = 0;
            while (true)
            {
                now += -Math.Log(1 - _random.NextDouble()) / rate;
                if (now > T)
                {
                    break;
                }

                count++;
                last = now;
                if (_random.NextDouble() < dropout)
                {
                    break;
                }
            }

            x[i] = count;
            tx[i] = count == 0 ? 0 : Math.Min(T, Math.Floor(last * daysPerUnit) / daysPerUnit);
            t[i] = T;
        }

        return (x, tx, t);
    }

    private double Gamma(double shape, double scale)
    {
        if (shape < 1)
        {
            return Gamma(shape + 1, scale) * Math.Pow(1 - _random.NextDouble(), 1 / shape);
        }

        var d = shape - (1.0 / 3);
        var c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double z, v;
            do
            {
                z = Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble());
                v = 1 + (c * z);
            }
            while (v <= 0);
            v = v * v * v;
            var u = 1 - _random.NextDouble();
            if (Math.Log(u) < (0.5 * z * z) + d - (d * v) + (d * Math.Log(v)))
            {
                return d * v * scale;
            }
        }
    }
}
