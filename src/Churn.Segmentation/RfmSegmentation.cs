using System.Text.Json;
using Churn.Value;

namespace Churn.Segmentation;

/// <summary>
/// The eleven named RFM segments of Churn.Value (<see cref="RfmScorer.SegmentOf"/>): recency and
/// frequency scored by quantiles of the population, with ties sharing a score exactly as
/// <see cref="RfmScorer"/> does, so fitted boundaries place the population where the scorer would
/// and place any later customer consistently. Customers without a purchase are in <c>no-purchases</c>.
/// </summary>
public sealed class RfmSegmentation : SegmentScheme
{
    private static readonly SegmentInfo[] Named =
    [
        .. Enum.GetValues<RfmSegment>().Select(s => new SegmentInfo(IdOf(s), NameOf(s))),
        new SegmentInfo("no-purchases", "No purchase yet"),
    ];

    /// <summary>Initializes a new instance of the <see cref="RfmSegmentation"/> class.</summary>
    /// <param name="id">The scheme's id.</param>
    public RfmSegmentation(string id = "rfm")
        : base(id)
    {
    }

    /// <summary>Gets the number of score levels (2–10).</summary>
    /// <value>The default is 5.</value>
    public int Bins
    {
        get;
        init => field = value is >= 2 and <= 10 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "Bins lie in 2–10.");
    } = 5;

    /// <summary>Gets the feature holding the days since the last purchase.</summary>
    /// <value>The default is <c>recency_days</c> (the feature builder's name).</value>
    public string RecencyFeature { get; init; } = "recency_days";

    /// <summary>Gets the feature holding the number of purchases.</summary>
    /// <value>The default is <c>frequency</c>.</value>
    public string FrequencyFeature { get; init; } = "frequency";

    /// <inheritdoc />
    public override string Kind => "rfm";

    /// <summary>Gets the segment id of a named RFM segment, for example <c>cannot-lose</c>.</summary>
    /// <param name="segment">The segment.</param>
    /// <returns>The id.</returns>
    public static string IdOf(RfmSegment segment) => segment switch
    {
        RfmSegment.Champions => "champions",
        RfmSegment.Loyal => "loyal",
        RfmSegment.PotentialLoyalist => "potential-loyalist",
        RfmSegment.NewCustomer => "new-customer",
        RfmSegment.Promising => "promising",
        RfmSegment.NeedAttention => "need-attention",
        RfmSegment.AboutToSleep => "about-to-sleep",
        RfmSegment.AtRisk => "at-risk",
        RfmSegment.CannotLose => "cannot-lose",
        RfmSegment.Hibernating => "hibernating",
        _ => "lost",
    };

    /// <inheritdoc />
    public override FittedScheme Fit(IReadOnlyList<SegmentInput> population, FittedScheme? previous = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(population);
        var recency = new List<double>();
        var frequency = new List<double>();
        foreach (var input in population)
        {
            if (Read(input, out var r, out var f))
            {
                recency.Add(-r);
                frequency.Add(f);
            }
        }

        if (recency.Count == 0)
        {
            throw new ArgumentException($"Scheme '{Id}': no customer has '{RecencyFeature}' and '{FrequencyFeature}' with a purchase; RFM segments need the customers' features (snapshots, or a features file).", nameof(population));
        }

        cancellationToken.ThrowIfCancellationRequested();
        return new Fitted(this, Boundaries(recency), Boundaries(frequency));
    }

    internal override void WriteDefinition(Utf8JsonWriter writer)
    {
        writer.WriteNumber("bins", Bins);
        writer.WriteString("recency", RecencyFeature);
        writer.WriteString("frequency", FrequencyFeature);
    }

    internal override FittedScheme ReadFitted(JsonElement fitted)
    {
        var r = SchemeJson.Numbers(fitted, "recencyBoundaries");
        var f = SchemeJson.Numbers(fitted, "frequencyBoundaries");
        return r.Length == Bins - 1 && f.Length == Bins - 1
            ? new Fitted(this, r, f)
            : throw new ArgumentException($"Scheme '{Id}': {Bins} bins need {Bins - 1} boundaries on recency and on frequency.");
    }

    private static string NameOf(RfmSegment segment) => segment switch
    {
        RfmSegment.PotentialLoyalist => "Potential loyalist",
        RfmSegment.NewCustomer => "New customer",
        RfmSegment.NeedAttention => "Need attention",
        RfmSegment.AboutToSleep => "About to sleep",
        RfmSegment.AtRisk => "At risk",
        RfmSegment.CannotLose => "Cannot lose them",
        _ => segment.ToString(),
    };

    /// <summary>The score boundaries: a value above the k-th one scores at least k + 1 (the scorer's rank rule, as values).</summary>
    private double[] Boundaries(List<double> keys)
    {
        keys.Sort();
        var n = keys.Count;
        var result = new double[Bins - 1];
        for (var k = 1; k < Bins; k++)
        {
            var m = (int)(((long)k * n + Bins - 1) / Bins);
            result[k - 1] = m == 0 ? double.NegativeInfinity : keys[m - 1];
        }

        return result;
    }

    private bool Read(SegmentInput input, out double recency, out double frequency)
    {
        recency = input.Number(RecencyFeature);
        frequency = input.Number(FrequencyFeature);
        return double.IsFinite(recency) && double.IsFinite(frequency) && frequency > 0;
    }

    private sealed class Fitted(RfmSegmentation rfm, double[] recency, double[] frequency) : FittedScheme(rfm)
    {
        public override IReadOnlyList<SegmentInfo> Segments => Named;

        public override string BaseSegment(SegmentInput input)
        {
            if (!rfm.Read(input, out var r, out var f))
            {
                return "no-purchases";
            }

            return IdOf(RfmScorer.SegmentOf(ToFive(Score(recency, -r)), ToFive(Score(frequency, f))));
        }

        internal override void WriteFitted(Utf8JsonWriter writer)
        {
            SchemeJson.WriteNumbers(writer, "recencyBoundaries", recency);
            SchemeJson.WriteNumbers(writer, "frequencyBoundaries", frequency);
        }

        private static int Score(double[] boundaries, double key)
        {
            var score = 1;
            foreach (var b in boundaries)
            {
                if (key > b)
                {
                    score++;
                }
            }

            return score;
        }

        private int ToFive(int score) => rfm.Bins == 5 ? score : 1 + (int)Math.Floor((score - 1) * 5.0 / rfm.Bins);
    }
}
