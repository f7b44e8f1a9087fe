namespace Churn.Evaluation;

/// <summary>A point of an uplift or Qini curve: after the <paramref name="Customers"/> of highest predicted uplift, the gain.</summary>
/// <param name="Customers">Customers targeted (treated and control).</param>
/// <param name="Gain">The Qini curve's incremental responders, or the uplift curve's uplift × customers.</param>
public readonly record struct UpliftPoint(int Customers, double Gain);

/// <summary>
/// How well a model ranks customers by uplift, on a randomised test set. Customers are sorted by predicted uplift (ties
/// kept together); after the top k: n_t, n_c treated and control customers, y_t, y_c responders.
/// The Qini curve is y_t − y_c · n_t / n_c (incremental responders), the uplift curve (y_t / n_t − y_c / n_c)(n_t + n_c).
/// The Qini coefficient and the AUUC are the areas between each curve and the random ranking's straight line, over the
/// same area for the perfect ranking (treated responders first, control responders last): 1 is perfect, 0 random.
/// Uplift at k % is y_t / n_t − y_c / n_c over the top k % of all customers.
/// </summary>
public static class UpliftMetrics
{
    /// <summary>The Qini curve.</summary>
    /// <param name="uplift">Predicted uplift per customer.</param>
    /// <param name="treated">Whether each was treated.</param>
    /// <param name="outcome">Each one's outcome.</param>
    /// <returns>The curve from (0, 0), one point per distinct predicted uplift.</returns>
    public static IReadOnlyList<UpliftPoint> QiniCurve(IReadOnlyList<double> uplift, IReadOnlyList<bool> treated, IReadOnlyList<bool> outcome) =>
        Curve(uplift, treated, outcome, qini: true);

    /// <summary>The uplift curve.</summary>
    /// <param name="uplift">Predicted uplift per customer.</param>
    /// <param name="treated">Whether each was treated.</param>
    /// <param name="outcome">Each one's outcome.</param>
    /// <returns>The curve from (0, 0), one point per distinct predicted uplift.</returns>
    public static IReadOnlyList<UpliftPoint> UpliftCurve(IReadOnlyList<double> uplift, IReadOnlyList<bool> treated, IReadOnlyList<bool> outcome) =>
        Curve(uplift, treated, outcome, qini: false);

    /// <summary>The Qini coefficient: the normalised area between the Qini curve and the random line.</summary>
    /// <param name="uplift">Predicted uplift per customer.</param>
    /// <param name="treated">Whether each was treated.</param>
    /// <param name="outcome">Each one's outcome.</param>
    /// <returns>The coefficient (1 perfect, 0 random, negative worse than random).</returns>
    public static double Qini(IReadOnlyList<double> uplift, IReadOnlyList<bool> treated, IReadOnlyList<bool> outcome) =>
        Normalised(uplift, treated, outcome, qini: true);

    /// <summary>The area under the uplift curve, normalised as <see cref="Qini"/> is.</summary>
    /// <param name="uplift">Predicted uplift per customer.</param>
    /// <param name="treated">Whether each was treated.</param>
    /// <param name="outcome">Each one's outcome.</param>
    /// <returns>The AUUC (1 perfect, 0 random).</returns>
    public static double Auuc(IReadOnlyList<double> uplift, IReadOnlyList<bool> treated, IReadOnlyList<bool> outcome) =>
        Normalised(uplift, treated, outcome, qini: false);

    /// <summary>The uplift among the top share of customers by predicted uplift: their treated response rate minus their control response rate.</summary>
    /// <param name="uplift">Predicted uplift per customer.</param>
    /// <param name="treated">Whether each was treated.</param>
    /// <param name="outcome">Each one's outcome.</param>
    /// <param name="share">The top share, in (0, 1].</param>
    /// <returns>The uplift (NaN when the top has no treated or no control customer).</returns>
    public static double UpliftAt(IReadOnlyList<double> uplift, IReadOnlyList<bool> treated, IReadOnlyList<bool> outcome, double share)
    {
        Check(uplift, treated, outcome);
        if (share is not (> 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(share), share, "The share lies in (0, 1].");
        }

        var order = Order(uplift);
        var k = (int)Math.Ceiling(share * uplift.Count);
        var top = default(Counts);
        for (var j = 0; j < k; j++)
        {
            top.Add(treated[order[j]], outcome[order[j]]);
        }

        var (nt, nc, yt, yc) = (top.Nt, top.Nc, top.Yt, top.Yc);

        return nt == 0 || nc == 0 ? double.NaN : ((double)yt / nt) - ((double)yc / nc);
    }

    private static double Normalised(IReadOnlyList<double> uplift, IReadOnlyList<bool> treated, IReadOnlyList<bool> outcome, bool qini)
    {
        Check(uplift, treated, outcome);
        var model = Curve(uplift, treated, outcome, qini);
        var perfectScore = Enumerable.Range(0, uplift.Count).Select(i => outcome[i] ? (treated[i] ? 1.0 : -1.0) : 0.0).ToArray();
        var perfect = Curve(perfectScore, treated, outcome, qini);
        var random = model[^1].Gain * model[^1].Customers / 2.0;
        var denominator = Area(perfect) - random;
        return denominator == 0 ? 0 : (Area(model) - random) / denominator;
    }

    private static double Area(List<UpliftPoint> curve)
    {
        var area = 0.0;
        for (var i = 1; i < curve.Count; i++)
        {
            area += (curve[i].Customers - curve[i - 1].Customers) * (curve[i].Gain + curve[i - 1].Gain) / 2;
        }

        return area;
    }

    private static List<UpliftPoint> Curve(IReadOnlyList<double> uplift, IReadOnlyList<bool> treated, IReadOnlyList<bool> outcome, bool qini)
    {
        Check(uplift, treated, outcome);
        var order = Order(uplift);
        var points = new List<UpliftPoint> { new(0, 0) };
        var counts = default(Counts);
        for (var j = 0; j < order.Length; j++)
        {
            var i = order[j];
            counts.Add(treated[i], outcome[i]);
            var (nt, nc, yt, yc) = (counts.Nt, counts.Nc, counts.Yt, counts.Yc);

            // A point where the predicted uplift changes (ties stay together) and at the end.
            if (j == order.Length - 1 || uplift[order[j + 1]] != uplift[i])
            {
                var gain = qini
                    ? yt - (nc == 0 ? 0 : yc * (double)nt / nc)
                    : ((nt == 0 ? 0 : (double)yt / nt) - (nc == 0 ? 0 : (double)yc / nc)) * (nt + nc);
                points.Add(new UpliftPoint(j + 1, gain));
            }
        }

        return points;
    }

    /// <summary>Customers by predicted uplift, highest first; ties by position (a stable sort), so the curve is deterministic.</summary>
    private static int[] Order(IReadOnlyList<double> uplift) =>
        [.. Enumerable.Range(0, uplift.Count).OrderByDescending(i => uplift[i]).ThenBy(i => i)];

    /// <summary>Treated and control customers and responders so far.</summary>
    private struct Counts
    {
        public long Nt;
        public long Nc;
        public long Yt;
        public long Yc;

        public void Add(bool treated, bool responded)
        {
            if (treated)
            {
                Nt++;
                Yt += responded ? 1 : 0;
            }
            else
            {
                Nc++;
                Yc += responded ? 1 : 0;
            }
        }
    }

    private static void Check(IReadOnlyList<double> uplift, IReadOnlyList<bool> treated, IReadOnlyList<bool> outcome)
    {
        ArgumentNullException.ThrowIfNull(uplift);
        ArgumentNullException.ThrowIfNull(treated);
        ArgumentNullException.ThrowIfNull(outcome);
        if (uplift.Count != treated.Count || uplift.Count != outcome.Count || uplift.Count == 0)
        {
            throw new ArgumentException("One predicted uplift, treatment flag and outcome per customer, and at least one customer.", nameof(uplift));
        }

        if (uplift.Any(u => !double.IsFinite(u)))
        {
            throw new ArgumentException("A predicted uplift is not a finite number.", nameof(uplift));
        }
    }
}

/// <summary>An uplift model's scores on the held-back test customers of a randomised experiment.</summary>
/// <param name="Method">How the model was built.</param>
/// <param name="Train">Customers it learnt from.</param>
/// <param name="Test">Customers it was scored on.</param>
/// <param name="Qini">The Qini coefficient on the test customers.</param>
/// <param name="Auuc">The normalised area under the uplift curve.</param>
/// <param name="UpliftAt">Uplift among the top 10 %, 20 %, ... 100 % by predicted uplift (keys 10 ... 100).</param>
/// <param name="AverageEffect">The test customers' average effect (treated rate minus control rate): uplift at 100 %.</param>
public sealed record UpliftReport(UpliftMethod Method, int Train, int Test, double Qini, double Auuc, IReadOnlyDictionary<int, double> UpliftAt, double AverageEffect)
{
    /// <summary>Gets the Qini curve on the test customers.</summary>
    public IReadOnlyList<UpliftPoint> QiniCurve { get; init; } = [];
}

/// <summary>Fits an uplift model on part of a randomised experiment and scores it on the rest.</summary>
public static class UpliftEvaluation
{
    /// <summary>Splits customers at random: a seeded permutation, the last <paramref name="testShare"/> of it held back.</summary>
    /// <param name="count">Customers.</param>
    /// <param name="testShare">The share held back, in (0, 1).</param>
    /// <param name="seed">The seed: the same seed gives the same split on any machine.</param>
    /// <returns>The training and test customers, each in ascending order.</returns>
    public static (int[] Train, int[] Test) Split(int count, double testShare, long seed)
    {
        if (testShare is not (> 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(testShare), testShare, "The test share lies in (0, 1).");
        }

        var order = Enumerable.Range(0, count).ToArray();
        var rng = Churn.Data.Rng.ForStream(seed, 0);
        for (var i = order.Length - 1; i > 0; i--)
        {
            var j = (int)(rng.NextUInt64() % (ulong)(i + 1));
            (order[i], order[j]) = (order[j], order[i]);
        }

        var test = (int)Math.Round(count * testShare);
        return ([.. order.Skip(test).Order()], [.. order.Take(test).Order()]);
    }

    /// <summary>Splits, fits on the training customers and scores on the test customers.</summary>
    /// <param name="features">Every customer's features.</param>
    /// <param name="treated">Whether each was treated.</param>
    /// <param name="outcome">Each one's outcome.</param>
    /// <param name="method">The uplift method.</param>
    /// <param name="testShare">The share held back for scoring (default 0.3).</param>
    /// <param name="seed">The split's and the learner's seed.</param>
    /// <param name="options">The classifier and its settings (its seed is replaced by <paramref name="seed"/>).</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The report.</returns>
    public static UpliftReport Run(Churn.Modeling.ModelTable features, IReadOnlyList<bool> treated, IReadOnlyList<bool> outcome, UpliftMethod method = UpliftMethod.TLearner, double testShare = 0.3, int seed = 42, UpliftOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(treated);
        ArgumentNullException.ThrowIfNull(outcome);
        var (train, test) = Split(features.Count, testShare, seed);
        var model = UpliftModel.Fit(features.Subset(train), [.. train.Select(i => treated[i])], [.. train.Select(i => outcome[i])], method, (options ?? new UpliftOptions()) with { Seed = seed }, cancellationToken);
        var predicted = model.Predict(features.Subset(test));
        bool[] t = [.. test.Select(i => treated[i])], y = [.. test.Select(i => outcome[i])];
        var at = Enumerable.Range(1, 10).ToDictionary(k => k * 10, k => UpliftMetrics.UpliftAt(predicted, t, y, k / 10.0));
        return new UpliftReport(method, train.Length, test.Length, UpliftMetrics.Qini(predicted, t, y), UpliftMetrics.Auuc(predicted, t, y), at, at[100])
        {
            QiniCurve = UpliftMetrics.QiniCurve(predicted, t, y),
        };
    }
}
