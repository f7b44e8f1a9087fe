using System.Globalization;
using Churn.Abstractions;

namespace Churn.Segmentation;

/// <summary>A feature that sets a segment apart: its mean in the segment against the rest.</summary>
/// <param name="Feature">The feature.</param>
/// <param name="SegmentMean">Its mean in the segment.</param>
/// <param name="RestMean">Its mean over the other customers.</param>
/// <param name="Effect">The difference in standard deviations of the whole population (positive: higher in the segment).</param>
/// <param name="Text">In words, for example "days since the last purchase: 74 here against 21 elsewhere".</param>
public sealed record DefiningFeature(string Feature, double SegmentMean, double RestMean, double Effect, string Text);

/// <summary>A preferred channel and the share of a segment's customers (with a profile) who prefer it most.</summary>
/// <param name="Channel">The channel.</param>
/// <param name="Share">The share, 0–1.</param>
public sealed record ChannelShare(string Channel, double Share);

/// <summary>What a segment holds.</summary>
/// <param name="SchemeId">The scheme.</param>
/// <param name="SegmentId">The segment.</param>
/// <param name="Name">The segment's name.</param>
/// <param name="Customers">How many customers it holds.</param>
public sealed record SegmentProfile(string SchemeId, string SegmentId, string Name, int Customers)
{
    /// <summary>Gets the share of its customers who churned, among those whose outcome is known; null when none is.</summary>
    public double? ChurnRate { get; init; }

    /// <summary>Gets the mean value (<see cref="SegmentInput.Value"/>).</summary>
    public double MeanValue { get; init; }

    /// <summary>Gets the total value.</summary>
    public double TotalValue { get; init; }

    /// <summary>Gets the mean churn probability of its scored customers; null when none is scored.</summary>
    public double? MeanProbability { get; init; }

    /// <summary>Gets the value at risk: the sum over scored customers of probability × value.</summary>
    public double ValueAtRisk { get; init; }

    /// <summary>Gets the features whose mean differs most from the rest, strongest first (at most three, each at least 0.2 standard deviations apart).</summary>
    public IReadOnlyList<DefiningFeature> DefiningFeatures { get; init; } = [];

    /// <summary>Gets the channels its customers prefer most, commonest first.</summary>
    public IReadOnlyList<ChannelShare> PreferredChannels { get; init; } = [];
}

/// <summary>Computes segment profiles in one pass over the customers.</summary>
internal static class SegmentProfiler
{
    private const double MinEffect = 0.2;

    public static IReadOnlyList<SegmentProfile> Profile(FittedScheme scheme, IReadOnlyList<SegmentInput> inputs, string[] labels, CancellationToken ct)
    {
        // Segment order: the scheme's own segments first (empty ones too, when not crossed), then crossed ids.
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var ids = new List<string>();
        if (scheme.Scheme.CrossWith.Count == 0)
        {
            foreach (var info in scheme.Segments)
            {
                index[info.Id] = ids.Count;
                ids.Add(info.Id);
            }
        }

        foreach (var label in labels.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            if (index.TryAdd(label, ids.Count))
            {
                ids.Add(label);
            }
        }

        // Features: the first snapshot's schema (customers with another schema are read by name), plus probability and value.
        var schema = inputs.FirstOrDefault(i => i.Snapshot is not null)?.Snapshot!.Schema;
        var featureNames = new List<string> { "probability", "value" };
        var descriptions = new List<string> { "churn probability", "value" };
        foreach (var f in schema?.Features ?? [])
        {
            if (f.Name is not "probability" and not "value")
            {
                featureNames.Add(f.Name);
                descriptions.Add(f.Description);
            }
        }

        var s = ids.Count;
        var fCount = featureNames.Count;
        var featureIndex = featureNames.Select(n => schema?.IndexOf(n) ?? -1).ToArray();
        var size = new int[s];
        var known = new int[s];
        var churners = new int[s];
        var value = new double[s];
        var scored = new int[s];
        var probability = new double[s];
        var atRisk = new double[s];
        var sum = new double[s * fCount];
        var count = new long[s * fCount];
        var totalSum = new double[fCount];
        var totalSq = new double[fCount];
        var totalCount = new long[fCount];
        var channels = new Dictionary<string, int>[s];
        var withProfile = new int[s];
        var row = new double[fCount];
        for (var i = 0; i < inputs.Count; i++)
        {
            if ((i & 0xFFFF) == 0)
            {
                ct.ThrowIfCancellationRequested();
            }

            var input = inputs[i];
            var g = index[labels[i]];
            size[g]++;
            if (input.Churned is { } churned)
            {
                known[g]++;
                churners[g] += churned ? 1 : 0;
            }

            var v = input.Value;
            value[g] += v;
            var p = input.Probability;
            if (!double.IsNaN(p))
            {
                scored[g]++;
                probability[g] += p;
                atRisk[g] += p * v;
            }

            if (input.Profile is { } profile)
            {
                withProfile[g]++;
                if (profile.PreferredChannels.Count > 0)
                {
                    var map = channels[g] ??= new Dictionary<string, int>(StringComparer.Ordinal);
                    map[profile.PreferredChannels[0]] = map.GetValueOrDefault(profile.PreferredChannels[0]) + 1;
                }
            }

            row[0] = p;
            row[1] = v;
            var snapshot = input.Snapshot;
            if (snapshot is not null && ReferenceEquals(snapshot.Schema, schema))
            {
                var values = snapshot.Values;
                for (var f = 2; f < fCount; f++)
                {
                    row[f] = values[featureIndex[f]];
                }
            }
            else
            {
                for (var f = 2; f < fCount; f++)
                {
                    row[f] = input.Number(featureNames[f]);
                }
            }

            for (var f = 0; f < fCount; f++)
            {
                var x = row[f];
                if (double.IsFinite(x))
                {
                    sum[(g * fCount) + f] += x;
                    count[(g * fCount) + f]++;
                    totalSum[f] += x;
                    totalSq[f] += x * x;
                    totalCount[f]++;
                }
            }
        }

        var sd = new double[fCount];
        for (var f = 0; f < fCount; f++)
        {
            var n = totalCount[f];
            var mean = n == 0 ? 0 : totalSum[f] / n;
            sd[f] = n > 1 ? Math.Sqrt(Math.Max(0, (totalSq[f] - (n * mean * mean)) / (n - 1))) : 0;
        }

        var profiles = new SegmentProfile[s];
        for (var g = 0; g < s; g++)
        {
            var defining = new List<DefiningFeature>();
            for (var f = 0; f < fCount; f++)
            {
                var inside = count[(g * fCount) + f];
                var outside = totalCount[f] - inside;
                if (inside == 0 || outside == 0 || !(sd[f] > 0))
                {
                    continue;
                }

                var segmentMean = sum[(g * fCount) + f] / inside;
                var restMean = (totalSum[f] - sum[(g * fCount) + f]) / outside;
                var effect = (segmentMean - restMean) / sd[f];
                if (Math.Abs(effect) >= MinEffect)
                {
                    defining.Add(new DefiningFeature(featureNames[f], segmentMean, restMean, effect,
                        $"{descriptions[f]}: {Show(segmentMean)} here against {Show(restMean)} elsewhere"));
                }
            }

            var id = ids[g];
            profiles[g] = new SegmentProfile(scheme.Id, id, scheme.NameOf(id), size[g])
            {
                ChurnRate = known[g] == 0 ? null : (double)churners[g] / known[g],
                MeanValue = size[g] == 0 ? 0 : value[g] / size[g],
                TotalValue = value[g],
                MeanProbability = scored[g] == 0 ? null : probability[g] / scored[g],
                ValueAtRisk = atRisk[g],
                DefiningFeatures = [.. defining.OrderByDescending(d => Math.Abs(d.Effect)).ThenBy(d => d.Feature, StringComparer.Ordinal).Take(3)],
                PreferredChannels = channels[g] is { } map
                    ? [.. map.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Select(p => new ChannelShare(p.Key, (double)p.Value / withProfile[g]))]
                    : [],
            };
        }

        return profiles;
    }

    private static string Show(double x) => Math.Abs(x) >= 100 ? x.ToString("N0", CultureInfo.InvariantCulture) : x.ToString("0.##", CultureInfo.InvariantCulture);
}

/// <summary>How customers moved between the segments of one scheme from one instant to another.</summary>
public sealed class SegmentTransitions
{
    /// <summary>The row or column of customers absent at one of the two instants.</summary>
    public const string None = "(none)";

    private readonly Dictionary<(string From, string To), long> _counts;

    private SegmentTransitions(IReadOnlyList<string> from, IReadOnlyList<string> to, Dictionary<(string, string), long> counts, IReadOnlyList<SegmentMove> moves)
    {
        From = from;
        To = to;
        _counts = counts;
        Moves = moves;
    }

    /// <summary>Gets the segments at the first instant (rows), <see cref="None"/> last when some customers are new.</summary>
    public IReadOnlyList<string> From { get; }

    /// <summary>Gets the segments at the second instant (columns), <see cref="None"/> last when some customers left.</summary>
    public IReadOnlyList<string> To { get; }

    /// <summary>Gets every customer whose segment changed (including those who appeared or left), in customer-id order.</summary>
    public IReadOnlyList<SegmentMove> Moves { get; }

    /// <summary>Gets how many customers stayed in their segment.</summary>
    public long Stayed => _counts.Where(p => p.Key.From == p.Key.To && p.Key.From != None).Sum(p => p.Value);

    /// <summary>Gets how many customers there are at either instant.</summary>
    public long Customers => _counts.Values.Sum();

    /// <summary>Gets how many customers went from one segment to another.</summary>
    /// <param name="from">The segment at the first instant (or <see cref="None"/>).</param>
    /// <param name="to">The segment at the second instant (or <see cref="None"/>).</param>
    /// <returns>The count.</returns>
    public long this[string from, string to] => _counts.GetValueOrDefault((from, to));

    /// <summary>Computes the moves between two placements of the same scheme.</summary>
    /// <param name="before">Each customer's segment at the first instant.</param>
    /// <param name="after">Each customer's segment at the second instant.</param>
    /// <returns>The transitions.</returns>
    /// <exception cref="ArgumentException">A customer appears twice in one placement.</exception>
    public static SegmentTransitions Between(IEnumerable<KeyValuePair<CustomerId, string>> before, IEnumerable<KeyValuePair<CustomerId, string>> after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var first = ToMap(before, nameof(before));
        var second = ToMap(after, nameof(after));
        var counts = new Dictionary<(string, string), long>();
        var moves = new List<SegmentMove>();
        foreach (var id in first.Keys.Union(second.Keys).Order())
        {
            var a = first.GetValueOrDefault(id) ?? None;
            var b = second.GetValueOrDefault(id) ?? None;
            counts[(a, b)] = counts.GetValueOrDefault((a, b)) + 1;
            if (a != b)
            {
                moves.Add(new SegmentMove(id, a == None ? null : a, b == None ? null : b));
            }
        }

        static List<string> Axis(IEnumerable<string> ids, bool none) =>
            [.. ids.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal), .. none ? new[] { None } : []];
        return new SegmentTransitions(
            Axis(first.Values, second.Keys.Any(k => !first.ContainsKey(k))),
            Axis(second.Values, first.Keys.Any(k => !second.ContainsKey(k))),
            counts,
            moves);
    }

    private static Dictionary<CustomerId, string> ToMap(IEnumerable<KeyValuePair<CustomerId, string>> pairs, string name)
    {
        var map = new Dictionary<CustomerId, string>();
        foreach (var (id, segment) in pairs)
        {
            ArgumentNullException.ThrowIfNull(segment, name);
            if (!map.TryAdd(id, segment))
            {
                throw new ArgumentException($"Customer '{id}' appears twice.", name);
            }
        }

        return map;
    }
}

/// <summary>A customer who changed segment.</summary>
/// <param name="CustomerId">The customer.</param>
/// <param name="From">The segment at the first instant; null when the customer was not there.</param>
/// <param name="To">The segment at the second instant; null when the customer was gone.</param>
public sealed record SegmentMove(CustomerId CustomerId, string? From, string? To);
