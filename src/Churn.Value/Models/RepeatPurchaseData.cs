using Churn.Value;

namespace Churn.Value;

/// <summary>
/// The (x, t_x, T) data of a repeat-purchase model, validated and grouped: customers that share
/// (x, t_x, T) become one weighted row. Rows are sorted, so a fit does the same arithmetic
/// whatever the customers' order.
/// </summary>
public sealed class RepeatPurchaseData
{
    private RepeatPurchaseData(int[] x, double[] tx, double[] t, double[] weight, int customers)
    {
        X = x;
        Tx = tx;
        T = t;
        Weight = weight;
        Customers = customers;
    }

    /// <summary>Gets the number of customers.</summary>
    public int Customers { get; }

    /// <summary>Gets the number of distinct groups.</summary>
    public int Groups => X.Length;

    internal int[] X { get; }

    internal double[] Tx { get; }

    internal double[] T { get; }

    internal double[] Weight { get; }

    /// <summary>Validates and groups summaries.</summary>
    /// <param name="summaries">The customers.</param>
    /// <returns>The data.</returns>
    /// <exception cref="ArgumentException">A customer's values are impossible (see <see cref="From(ReadOnlySpan{int}, ReadOnlySpan{double}, ReadOnlySpan{double})"/>).</exception>
    public static RepeatPurchaseData From(IEnumerable<CustomerSummary> summaries)
    {
        ArgumentNullException.ThrowIfNull(summaries);
        var list = summaries as IReadOnlyList<CustomerSummary> ?? [.. summaries];
        var x = new int[list.Count];
        var tx = new double[list.Count];
        var t = new double[list.Count];
        for (var i = 0; i < list.Count; i++)
        {
            (x[i], tx[i], t[i]) = (list[i].Frequency, list[i].Recency, list[i].T);
        }

        return From(x, tx, t, i => list[i].CustomerId.Value);
    }

    /// <summary>Validates and groups raw arrays.</summary>
    /// <param name="x">Repeat purchases.</param>
    /// <param name="tx">Recency.</param>
    /// <param name="t">Age T.</param>
    /// <returns>The data.</returns>
    /// <exception cref="ArgumentException">Lengths differ; a value is negative or not finite; t_x &gt; T; x = 0 with t_x ≠ 0.</exception>
    public static RepeatPurchaseData From(ReadOnlySpan<int> x, ReadOnlySpan<double> tx, ReadOnlySpan<double> t) =>
        From(x.ToArray(), tx.ToArray(), t.ToArray(), i => $"#{i + 1}");

    private static RepeatPurchaseData From(int[] x, double[] tx, double[] t, Func<int, string> name)
    {
        if (x.Length != tx.Length || x.Length != t.Length)
        {
            throw new ArgumentException($"x, t_x and T must have the same length ({x.Length}, {tx.Length}, {t.Length}).");
        }

        for (var i = 0; i < x.Length; i++)
        {
            var problem =
                x[i] < 0 ? $"a negative repeat count x = {x[i]}" :
                !double.IsFinite(tx[i]) || !double.IsFinite(t[i]) ? "a recency or T that is not a finite number" :
                tx[i] < 0 ? $"a negative recency t_x = {tx[i]}" :
                t[i] < 0 ? $"T = {t[i]}: T cannot be negative (it is the time from the first purchase to the end of calibration)" :
                tx[i] > t[i] * (1 + 1e-12) ? $"t_x = {tx[i]} > T = {t[i]}: the last purchase cannot come after the end of calibration" :
                x[i] == 0 && tx[i] != 0 ? $"x = 0 with t_x = {tx[i]}: without repeat purchases recency is 0" :
                null;
            if (problem is not null)
            {
                throw new ArgumentException($"Customer {name(i)} has {problem}.");
            }
        }

        var groups = new SortedDictionary<(int X, double Tx, double T), double>();
        for (var i = 0; i < x.Length; i++)
        {
            var key = (x[i], tx[i], Math.Max(t[i], tx[i]));
            groups[key] = groups.TryGetValue(key, out var w) ? w + 1 : 1;
        }

        var gx = new int[groups.Count];
        var gtx = new double[groups.Count];
        var gt = new double[groups.Count];
        var gw = new double[groups.Count];
        var k = 0;
        foreach (var ((a, b, c), w) in groups)
        {
            (gx[k], gtx[k], gt[k], gw[k]) = (a, b, c, w);
            k++;
        }

        return new RepeatPurchaseData(gx, gtx, gt, gw, x.Length);
    }

    internal void EnsureFittable(string model)
    {
        if (Customers < 2)
        {
            throw new ModelFitException($"{model} needs at least 2 customers; {Customers} given.");
        }

        if (X.All(v => v == 0))
        {
            throw new ModelFitException($"{model}: no customer made a repeat purchase, so the purchase process cannot be estimated.");
        }
    }
}
