using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Churn.Abstractions;
using Churn.Segmentation;

namespace Churn.Benchmarks.Segmentation;

/// <summary>Assessed customers with ten features and a profile, seeded; the same for every benchmark.</summary>
internal static class SegmentData
{
    public static readonly string[] Features = ["recency_days", "frequency", "monetary", "tenure_days", "tickets_90d", "complaints_90d", "payment_failures_90d", "logins_30d", "spend_90d", "feedback_last"];

    private static readonly string[] Channels = ["email", "phone", "sms", "app"];
    private static readonly string[] Regions = ["north", "south", "east", "west"];

    public static SegmentInput[] Build(int n, int seed)
    {
        var schema = new FeatureSchema(Features.Select(f => new FeatureDefinition(f, FeatureKind.Number, f.Replace('_', ' '))));
        var asOf = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var rng = new Random(seed);
        var inputs = new SegmentInput[n];
        for (var i = 0; i < n; i++)
        {
            var id = new CustomerId("C" + i.ToString("D8", CultureInfo.InvariantCulture));
            var group = i % 4;
            var values = new double[Features.Length];
            for (var j = 0; j < values.Length; j++)
            {
                values[j] = (group * (j + 1)) + (rng.NextDouble() * 3);
            }

            var p = Math.Clamp((group / 4.0) + (rng.NextDouble() * 0.25), 0, 1);
            var assessment = new RiskAssessment(id, asOf, p, p > 0.3 ? RiskLevel.High : RiskLevel.Low)
            {
                Value = new CustomerValue((decimal)(rng.NextDouble() * 1000), (decimal)(rng.NextDouble() * 2000)),
            };
            var profile = new CustomerProfile(id)
            {
                PreferredChannels = [Channels[rng.Next(Channels.Length)]],
                Attributes = new Dictionary<string, string>(StringComparer.Ordinal) { ["region"] = Regions[rng.Next(Regions.Length)], ["plan"] = group == 3 ? "premium" : "basic" },
            };
            inputs[i] = new SegmentInput(assessment, new CustomerSnapshot(id, asOf, schema, values), profile) { Churned = rng.NextDouble() < p };
        }

        return inputs;
    }
}

/// <summary>
/// Segmenting 1M assessed customers (10 features, a profile each): fit (quantile cuts, RFM boundaries, rule compilation),
/// place every customer and profile every segment (size, churn rate, value, value at risk, defining features, channels).
/// Target: every scheme but k-means under 2 s. The baseline is one pass over the customers reading probability and value.
/// Run alone: <c>--filter *SegmentBenchmarks*</c>.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class SegmentBenchmarks
{
    private static readonly int Customers = BenchData.Smoke ? 5_000 : 1_000_000;
    private SegmentInput[] _inputs = [];
    private SegmentScheme[] _all = [];

    [GlobalSetup]
    public void Setup()
    {
        _inputs = SegmentData.Build(Customers, 42);
        _all =
        [
            new ValueRiskMatrix { CrossWith = [SegmentDimension.PreferredChannel()] },
            new RfmSegmentation(),
            new RuleSegmentation("rules", [new RuleSegment("vip", "VIP at risk", "probability >= 0.5 and value > 1500"), new RuleSegment("noisy", "Noisy", "tickets_90d >= 6 or complaints_90d >= 8"), new RuleSegment("premium", "Premium", "plan == \"premium\"")], new SegmentInfo("rest", "Rest")),
        ];
    }

    [Benchmark(Baseline = true, Description = "one pass reading probability and value (baseline)")]
    public double Scan()
    {
        double sum = 0;
        foreach (var i in _inputs)
        {
            sum += i.Probability * i.Value;
        }

        return sum;
    }

    [Benchmark(Description = "value x risk (median, 0.3), crossed with channel: fit, place, profile")]
    public int ValueRisk() => Run(_all[0]);

    [Benchmark(Description = "RFM segments: fit, place, profile")]
    public int Rfm() => Run(_all[1]);

    [Benchmark(Description = "three rule segments: compile, place, profile")]
    public int Rules() => Run(_all[2]);

    [Benchmark(Description = "all three schemes: fit, place, profile")]
    public int All() => Segmenter.Fit(_all, _inputs).Run(_inputs).Schemes.Sum(s => s.Profiles.Count);

    private int Run(SegmentScheme scheme) => Segmenter.Fit([scheme], _inputs).Run(_inputs).Schemes[0].Profiles.Count;
}

/// <summary>
/// k-means on 1M customers x 10 features, k chosen in 2..10 by silhouette on a 20,000-customer seeded sample, then the final
/// clusters on every customer. Target: under 30 s. The baseline is one Lloyd pass (assign every customer to the nearest of 10
/// centroids) on the same standardised matrix. Run alone: <c>--filter *ClusterBenchmarks*</c>.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 0, iterationCount: 3)]
public class ClusterBenchmarks
{
    private static readonly int Customers = BenchData.Smoke ? 5_000 : 1_000_000;
    private SegmentInput[] _inputs = [];
    private double[] _matrix = [];
    private double[] _centroids = [];

    [GlobalSetup]
    public void Setup()
    {
        _inputs = SegmentData.Build(Customers, 7);
        var d = SegmentData.Features.Length;
        _matrix = new double[Customers * d];
        for (var i = 0; i < Customers; i++)
        {
            _inputs[i].Snapshot!.Values.CopyTo(_matrix.AsSpan(i * d, d));
        }

        _centroids = _matrix[..(10 * d)];
    }

    [Benchmark(Baseline = true, Description = "one Lloyd pass, k = 10 (baseline)")]
    public double OnePass() => KMeansPass();

    [Benchmark(Description = "k-means, k chosen in 2..10 by silhouette, then all customers")]
    public int Fit() => new ClusterSegmentation("k", SegmentData.Features).Fit(_inputs).Segments.Count;

    private double KMeansPass()
    {
        var d = SegmentData.Features.Length;
        double cost = 0;
        for (var i = 0; i < Customers; i++)
        {
            var row = _matrix.AsSpan(i * d, d);
            var best = double.PositiveInfinity;
            for (var c = 0; c < 10; c++)
            {
                double dist = 0;
                for (var j = 0; j < d; j++)
                {
                    var t = row[j] - _centroids[(c * d) + j];
                    dist += t * t;
                }

                best = Math.Min(best, dist);
            }

            cost += best;
        }

        return cost;
    }
}
