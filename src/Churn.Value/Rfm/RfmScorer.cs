using Churn.Abstractions;

namespace Churn.Value;

/// <summary>The named RFM segments (from the recency and frequency scores).</summary>
public enum RfmSegment
{
    /// <summary>Bought recently and often (R 4–5, F 4–5).</summary>
    Champions,

    /// <summary>Buy often, a little less recently (R 3, F 4–5).</summary>
    Loyal,

    /// <summary>Recent, buying a few times (R 4–5, F 2–3).</summary>
    PotentialLoyalist,

    /// <summary>Bought for the first time very recently (R 5, F 1).</summary>
    NewCustomer,

    /// <summary>Recent one-time buyers (R 4, F 1).</summary>
    Promising,

    /// <summary>Middling recency and frequency (R 3, F 3).</summary>
    NeedAttention,

    /// <summary>Slipping, with few purchases (R 3, F 1–2).</summary>
    AboutToSleep,

    /// <summary>Used to buy regularly, not lately (R 1–2, F 3–4).</summary>
    AtRisk,

    /// <summary>The best customers once, gone quiet (R 1–2, F 5).</summary>
    CannotLose,

    /// <summary>Long ago and rarely (R 2, F 1–2).</summary>
    Hibernating,

    /// <summary>Longest ago and rarely (R 1, F 1–2).</summary>
    Lost,
}

/// <summary>A customer's recency, frequency and monetary inputs.</summary>
/// <param name="CustomerId">The customer.</param>
/// <param name="RecencyDays">Days since the last purchase (lower is better).</param>
/// <param name="Frequency">Number of purchases.</param>
/// <param name="Monetary">Total (or average) spend.</param>
public readonly record struct RfmInput(CustomerId CustomerId, double RecencyDays, double Frequency, double Monetary);

/// <summary>Options of the <see cref="RfmScorer"/>.</summary>
public sealed class RfmOptions
{
    /// <summary>Gets or sets the number of score levels.</summary>
    /// <value>The default is 5.</value>
    [System.ComponentModel.DataAnnotations.Range(2, 10)]
    public int Bins { get; set; } = 5;
}

[Microsoft.Extensions.Options.OptionsValidator]
internal sealed partial class RfmOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<RfmOptions>
{
}

/// <summary>A customer's RFM scores (1–5, 5 best) and segment.</summary>
/// <param name="CustomerId">The customer.</param>
/// <param name="R">Recency score (5 = most recent).</param>
/// <param name="F">Frequency score.</param>
/// <param name="M">Monetary score.</param>
/// <param name="Segment">The named segment.</param>
public readonly record struct RfmScore(CustomerId CustomerId, int R, int F, int M, RfmSegment Segment)
{
    /// <summary>Gets the classic three-digit code, for example "545".</summary>
    public string Code => $"{R}{F}{M}";
}

/// <summary>
/// Quantile RFM scoring: each of R, F and M is split into <c>bins</c> groups of (nearly) equal size
/// by rank. Ties are handled deterministically: equal values always get the same score, the score
/// of the first position the value takes in sorted order, so the result does not depend on the
/// customers' order.
/// </summary>
/// <remarks>Stateless and thread-safe.</remarks>
public sealed class RfmScorer
{
    /// <summary>Initializes a new instance of the <see cref="RfmScorer"/> class.</summary>
    /// <param name="bins">The number of score levels (2–10).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bins"/> is outside 2–10.</exception>
    public RfmScorer(int bins = 5)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bins, 10);
        Bins = bins;
    }

    /// <summary>Initializes a new instance of the <see cref="RfmScorer"/> class from validated options.</summary>
    /// <param name="options">The options.</param>
    public RfmScorer(Microsoft.Extensions.Options.IOptions<RfmOptions> options)
        : this((options ?? throw new ArgumentNullException(nameof(options))).Value.Bins)
    {
    }

    /// <summary>Gets the number of score levels.</summary>
    public int Bins { get; }

    /// <summary>Names the segment of an (R, F) pair of 1–5 scores.</summary>
    /// <param name="r">The recency score.</param>
    /// <param name="f">The frequency score.</param>
    /// <returns>The segment.</returns>
    public static RfmSegment SegmentOf(int r, int f) => (r, f) switch
    {
        ( >= 4, >= 4) => RfmSegment.Champions,
        (3, >= 4) => RfmSegment.Loyal,
        ( >= 4, >= 2) => RfmSegment.PotentialLoyalist,
        (5, _) => RfmSegment.NewCustomer,
        (4, _) => RfmSegment.Promising,
        (3, 3) => RfmSegment.NeedAttention,
        (3, _) => RfmSegment.AboutToSleep,
        ( <= 2, 5) => RfmSegment.CannotLose,
        ( <= 2, >= 3) => RfmSegment.AtRisk,
        (2, _) => RfmSegment.Hibernating,
        _ => RfmSegment.Lost,
    };

    /// <summary>Scores customers.</summary>
    /// <param name="inputs">The customers' inputs (NaN values are not allowed).</param>
    /// <returns>The scores, in input order.</returns>
    /// <exception cref="ArgumentException">An input is NaN.</exception>
    public IReadOnlyList<RfmScore> Score(IReadOnlyList<RfmInput> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        for (var i = 0; i < inputs.Count; i++)
        {
            var v = inputs[i];
            if (double.IsNaN(v.RecencyDays) || double.IsNaN(v.Frequency) || double.IsNaN(v.Monetary))
            {
                throw new ArgumentException($"Customer '{v.CustomerId}' has a missing (NaN) recency, frequency or monetary value.", nameof(inputs));
            }
        }

        var r = Scores(inputs, v => -v.RecencyDays);
        var f = Scores(inputs, v => v.Frequency);
        var m = Scores(inputs, v => v.Monetary);
        var result = new RfmScore[inputs.Count];
        for (var i = 0; i < result.Length; i++)
        {
            var r5 = ToFive(r[i]);
            var f5 = ToFive(f[i]);
            result[i] = new RfmScore(inputs[i].CustomerId, r[i], f[i], m[i], SegmentOf(r5, f5));
        }

        return result;
    }

    private int ToFive(int score) => Bins == 5 ? score : 1 + (int)Math.Floor((score - 1) * 5.0 / Bins);

    private int[] Scores(IReadOnlyList<RfmInput> inputs, Func<RfmInput, double> key)
    {
        var n = inputs.Count;
        var values = new double[n];
        for (var i = 0; i < n; i++)
        {
            values[i] = key(inputs[i]);
        }

        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        var firstPosition = new Dictionary<double, int>();
        for (var i = n - 1; i >= 0; i--)
        {
            // The first position of a value in sorted order decides its score, so ties share a score.
            firstPosition[sorted[i]] = i;
        }

        var scores = new int[n];
        for (var i = 0; i < n; i++)
        {
            scores[i] = 1 + (int)((long)firstPosition[values[i]] * Bins / n);
        }

        return scores;
    }
}
