using System.Globalization;
using System.Text.Json;

namespace Churn.Segmentation;

/// <summary>How the number of clusters is chosen.</summary>
public enum ClusterCriterion
{
    /// <summary>The highest mean silhouette (computed exactly on a seeded sample).</summary>
    Silhouette = 0,

    /// <summary>The lowest Davies–Bouldin index.</summary>
    DaviesBouldin,
}

/// <summary>
/// k-means clusters on standardised inputs, with k chosen by silhouette or Davies–Bouldin within a
/// range. The fit is seeded and independent of the customers' order (rows are put in a canonical
/// order first) and of the thread count. Ids are <c>cluster-1</c>, <c>cluster-2</c>, … (largest
/// first); fitted with the previous run, clusters found again keep their previous ids (centroids
/// matched by the Hungarian method), so labels do not get renumbered between runs.
/// A missing input counts as the population's mean.
/// </summary>
public sealed class ClusterSegmentation : SegmentScheme
{
    /// <summary>Initializes a new instance of the <see cref="ClusterSegmentation"/> class.</summary>
    /// <param name="id">The scheme's id.</param>
    /// <param name="inputs">The numbers to cluster on (names as <see cref="SegmentInput.Number"/> reads them).</param>
    /// <exception cref="ArgumentException">No input, or one named twice.</exception>
    public ClusterSegmentation(string id, IEnumerable<string> inputs)
        : base(id)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        Inputs = [.. inputs];
        if (Inputs.Count == 0 || Inputs.Distinct(StringComparer.Ordinal).Count() != Inputs.Count || Inputs.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException($"Scheme '{id}': name at least one input, each once.", nameof(inputs));
        }
    }

    /// <summary>Gets the numbers clustered on.</summary>
    public IReadOnlyList<string> Inputs { get; }

    /// <summary>Gets the smallest k tried (at least 2).</summary>
    /// <value>The default is 2.</value>
    public int MinClusters { get; init; } = 2;

    /// <summary>Gets the largest k tried (at most 50).</summary>
    /// <value>The default is 10.</value>
    public int MaxClusters { get; init; } = 10;

    /// <summary>Gets how k is chosen.</summary>
    public ClusterCriterion Criterion { get; init; }

    /// <summary>Gets the seed.</summary>
    /// <value>The default is 42.</value>
    public long Seed { get; init; } = 42;

    /// <summary>Gets how many customers (a seeded sample) k is chosen on; the final clusters use every customer.</summary>
    /// <value>The default is 20,000.</value>
    public int SampleSize { get; init; } = 20_000;

    /// <summary>Gets how many k-means++ starts are tried for each k.</summary>
    /// <value>The default is 3.</value>
    public int Restarts { get; init; } = 3;

    /// <summary>Gets the iteration limit of each k-means run.</summary>
    /// <value>The default is 100.</value>
    public int MaxIterations { get; init; } = 100;

    /// <inheritdoc />
    public override string Kind => "kmeans";

    /// <inheritdoc />
    public override FittedScheme Fit(IReadOnlyList<SegmentInput> population, FittedScheme? previous = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(population);
        if (MinClusters < 2 || MaxClusters > 50 || MinClusters > MaxClusters)
        {
            throw new ArgumentException($"Scheme '{Id}': the range of k is {MinClusters}..{MaxClusters}; use 2 <= min <= max <= 50.", nameof(population));
        }

        if (SampleSize < 100 || Restarts < 1 || MaxIterations < 1)
        {
            throw new ArgumentException($"Scheme '{Id}': the sample size is at least 100, restarts and iterations at least 1.", nameof(population));
        }

        var d = Inputs.Count;
        var n = population.Count;
        if (n < MinClusters)
        {
            throw new ArgumentException($"Scheme '{Id}': {n} customers cannot make {MinClusters} clusters.", nameof(population));
        }

        // Raw values, then mean and standard deviation of each input over the customers who have it.
        var raw = new double[n * d];
        Parallel.For(0, n, new ParallelOptions { CancellationToken = cancellationToken }, i =>
        {
            for (var j = 0; j < d; j++)
            {
                raw[(i * d) + j] = population[i].Number(Inputs[j]);
            }
        });
        var means = new double[d];
        var sds = new double[d];
        for (var j = 0; j < d; j++)
        {
            double sum = 0;
            double sq = 0;
            long count = 0;
            for (var i = 0; i < n; i++)
            {
                var v = raw[(i * d) + j];
                if (double.IsFinite(v))
                {
                    sum += v;
                    count++;
                }
            }

            means[j] = count == 0 ? 0 : sum / count;
            for (var i = 0; i < n; i++)
            {
                var v = raw[(i * d) + j];
                if (double.IsFinite(v))
                {
                    sq += (v - means[j]) * (v - means[j]);
                }
            }

            var sd = count > 1 ? Math.Sqrt(sq / (count - 1)) : 0;
            sds[j] = sd > 0 && double.IsFinite(sd) ? sd : 1;
        }

        var z = new double[n * d];
        for (var i = 0; i < n; i++)
        {
            Standardise(raw.AsSpan(i * d, d), means, sds, z.AsSpan(i * d, d));
        }

        // Canonical order: by the standardised row, then the customer id, so the input order does not matter.
        var order = new int[n];
        for (var i = 0; i < n; i++)
        {
            order[i] = i;
        }

        Array.Sort(order, (a, b) =>
        {
            for (var j = 0; j < d; j++)
            {
                var c = z[(a * d) + j].CompareTo(z[(b * d) + j]);
                if (c != 0)
                {
                    return c;
                }
            }

            return string.CompareOrdinal(population[a].CustomerId.Value, population[b].CustomerId.Value);
        });
        var x = new double[n * d];
        for (var i = 0; i < n; i++)
        {
            z.AsSpan(order[i] * d, d).CopyTo(x.AsSpan(i * d, d));
        }

        // Choose k on a seeded sample of the canonical rows.
        var sampleRows = Sample(n, Math.Min(n, SampleSize), (ulong)Seed);
        var sample = new double[sampleRows.Length * d];
        for (var i = 0; i < sampleRows.Length; i++)
        {
            x.AsSpan(sampleRows[i] * d, d).CopyTo(sample.AsSpan(i * d, d));
        }

        var ns = sampleRows.Length;
        var scoreRows = Math.Min(ns, 3000);
        var scores = new SortedDictionary<int, double>();
        double[]? bestCentroids = null;
        var bestK = 0;
        var bestScore = double.NaN;
        for (var k = MinClusters; k <= Math.Min(MaxClusters, ns); k++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var centroids = KMeans.Fit(sample, ns, d, k, (ulong)Seed + (ulong)k, Restarts, MaxIterations, cancellationToken);
            var score = Criterion == ClusterCriterion.Silhouette
                ? KMeans.Silhouette(sample, scoreRows, d, k, centroids, cancellationToken)
                : KMeans.DaviesBouldin(sample, ns, d, k, centroids);
            scores[k] = score;
            var better = bestCentroids is null || (Criterion == ClusterCriterion.Silhouette ? score > bestScore : score < bestScore);
            if (better)
            {
                (bestCentroids, bestK, bestScore) = (centroids, k, score);
            }
        }

        // The final clusters on every customer, from the sample's centroids.
        KMeans.Lloyd(x, n, d, bestK, bestCentroids!, MaxIterations, cancellationToken);
        var sizes = new long[bestK];
        for (var i = 0; i < n; i++)
        {
            sizes[KMeans.Nearest(x.AsSpan(i * d, d), bestCentroids!, bestK, d).Label]++;
        }

        var ranked = Enumerable.Range(0, bestK).OrderByDescending(c => sizes[c]).ThenBy(c => c).ToArray();
        var centroidsOut = new double[bestK * d];
        for (var r = 0; r < bestK; r++)
        {
            bestCentroids!.AsSpan(ranked[r] * d, d).CopyTo(centroidsOut.AsSpan(r * d, d));
        }

        var ids = Ids(centroidsOut, bestK, means, sds, previous as Fitted);
        return new Fitted(this, means, sds, centroidsOut, ids, scores);
    }

    internal override void WriteDefinition(Utf8JsonWriter writer)
    {
        writer.WriteStartArray("inputs");
        foreach (var name in Inputs)
        {
            writer.WriteStringValue(name);
        }

        writer.WriteEndArray();
        writer.WriteStartObject("k");
        writer.WriteNumber("min", MinClusters);
        writer.WriteNumber("max", MaxClusters);
        writer.WriteEndObject();
        writer.WriteString("criterion", Criterion == ClusterCriterion.Silhouette ? "silhouette" : "davies-bouldin");
        writer.WriteNumber("seed", Seed);
        writer.WriteNumber("sampleSize", SampleSize);
        writer.WriteNumber("restarts", Restarts);
        writer.WriteNumber("maxIterations", MaxIterations);
    }

    internal override FittedScheme ReadFitted(JsonElement fitted)
    {
        var means = SchemeJson.Numbers(fitted, "means");
        var sds = SchemeJson.Numbers(fitted, "sds");
        var d = Inputs.Count;
        var clusters = fitted.GetProperty("clusters").EnumerateArray().ToList();
        var centroids = new double[clusters.Count * d];
        var ids = new string[clusters.Count];
        for (var c = 0; c < clusters.Count; c++)
        {
            ids[c] = clusters[c].GetProperty("id").GetString() ?? throw new ArgumentException($"Scheme '{Id}': cluster {c + 1} has no id.");
            var centre = SchemeJson.Numbers(clusters[c], "centroid");
            if (centre.Length != d)
            {
                throw new ArgumentException($"Scheme '{Id}': cluster '{ids[c]}' has {centre.Length} coordinates for {d} inputs.");
            }

            centre.CopyTo(centroids.AsSpan(c * d, d));
        }

        return means.Length == d && sds.Length == d && clusters.Count >= 1 && sds.All(s => s > 0)
            ? new Fitted(this, means, sds, centroids, ids, new SortedDictionary<int, double>())
            : throw new ArgumentException($"Scheme '{Id}': the fitted means and standard deviations must have one positive entry per input ({d}).");
    }

    private static void Standardise(ReadOnlySpan<double> raw, double[] means, double[] sds, Span<double> into)
    {
        for (var j = 0; j < raw.Length; j++)
        {
            into[j] = double.IsFinite(raw[j]) ? (raw[j] - means[j]) / sds[j] : 0;
        }
    }

    /// <summary>A seeded sample of row positions, in ascending order (a partial Fisher–Yates shuffle).</summary>
    private static int[] Sample(int n, int size, ulong seed)
    {
        if (size >= n)
        {
            return [.. Enumerable.Range(0, n)];
        }

        var all = new int[n];
        for (var i = 0; i < n; i++)
        {
            all[i] = i;
        }

        var rng = new KMeans.SplitMix(seed ^ 0x5EED);
        for (var i = 0; i < size; i++)
        {
            var j = i + (int)(rng.NextDouble() * (n - i));
            (all[i], all[j]) = (all[j], all[i]);
        }

        var result = all[..size];
        Array.Sort(result);
        return result;
    }

    /// <summary>Ids: the previous run's id for each cluster matched to one of its centroids, new ids for the rest.</summary>
    private string[] Ids(double[] centroids, int k, double[] means, double[] sds, Fitted? previous)
    {
        var ids = new string[k];
        var d = Inputs.Count;
        var next = 1;
        if (previous is not null && previous.Scheme.Id == Id && previous.InputNames.SequenceEqual(Inputs))
        {
            // Previous centroids in this run's standardised units.
            var pk = previous.Ids.Length;
            var cost = new double[k, pk];
            for (var c = 0; c < k; c++)
            {
                for (var p = 0; p < pk; p++)
                {
                    double dist = 0;
                    for (var j = 0; j < d; j++)
                    {
                        var original = (previous.Centroids[(p * d) + j] * previous.Sds[j]) + previous.Means[j];
                        var t = centroids[(c * d) + j] - ((original - means[j]) / sds[j]);
                        dist += t * t;
                    }

                    cost[c, p] = dist;
                }
            }

            var match = KMeans.Match(cost);
            for (var c = 0; c < k; c++)
            {
                if (match[c] >= 0)
                {
                    ids[c] = previous.Ids[match[c]];
                }
            }

            next = 1 + previous.Ids.Select(NumberOf).DefaultIfEmpty(0).Max();
        }

        for (var c = 0; c < k; c++)
        {
            ids[c] ??= "cluster-" + (next++).ToString(CultureInfo.InvariantCulture);
        }

        return ids;
    }

    private static int NumberOf(string id) =>
        id.StartsWith("cluster-", StringComparison.Ordinal) && int.TryParse(id.AsSpan("cluster-".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;

    internal sealed class Fitted : FittedScheme
    {
        private readonly ClusterSegmentation _scheme;

        public Fitted(ClusterSegmentation scheme, double[] means, double[] sds, double[] centroids, string[] ids, SortedDictionary<int, double> scores)
            : base(scheme)
        {
            _scheme = scheme;
            Means = means;
            Sds = sds;
            Centroids = centroids;
            Ids = ids;
            Scores = scores;
            var d = scheme.Inputs.Count;
            Segments = [.. ids.Select((id, c) => new SegmentInfo(id, Describe(centroids.AsSpan(c * d, d))))];
        }

        public IReadOnlyList<string> InputNames => _scheme.Inputs;

        public double[] Means { get; }

        public double[] Sds { get; }

        public double[] Centroids { get; }

        public string[] Ids { get; }

        /// <summary>Gets the criterion's value for each k tried (empty when loaded from a file).</summary>
        public SortedDictionary<int, double> Scores { get; }

        public override IReadOnlyList<SegmentInfo> Segments { get; }

        public override string BaseSegment(SegmentInput input)
        {
            var d = _scheme.Inputs.Count;
            Span<double> z = stackalloc double[d];
            for (var j = 0; j < d; j++)
            {
                var v = input.Number(_scheme.Inputs[j]);
                z[j] = double.IsFinite(v) ? (v - Means[j]) / Sds[j] : 0;
            }

            return Ids[KMeans.Nearest(z, Centroids, Ids.Length, d).Label];
        }

        internal override void WriteFitted(Utf8JsonWriter writer)
        {
            SchemeJson.WriteNumbers(writer, "means", Means);
            SchemeJson.WriteNumbers(writer, "sds", Sds);
            writer.WriteStartArray("clusters");
            var d = _scheme.Inputs.Count;
            for (var c = 0; c < Ids.Length; c++)
            {
                writer.WriteStartObject();
                writer.WriteString("id", Ids[c]);
                writer.WriteString("name", Segments[c].Name);
                SchemeJson.WriteNumbers(writer, "centroid", Centroids.AsSpan(c * d, d).ToArray());
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            if (Scores.Count > 0)
            {
                writer.WriteStartObject("scores");
                foreach (var (k, s) in Scores)
                {
                    writer.WriteNumber(k.ToString(CultureInfo.InvariantCulture), s);
                }

                writer.WriteEndObject();
            }
        }

        /// <summary>Names a cluster by its most distinctive inputs, for example "High probability, low value".</summary>
        private string Describe(ReadOnlySpan<double> centroid)
        {
            var parts = new List<(double Size, string Text)>();
            for (var j = 0; j < centroid.Length; j++)
            {
                if (Math.Abs(centroid[j]) >= 0.5)
                {
                    parts.Add((Math.Abs(centroid[j]), (centroid[j] > 0 ? "high " : "low ") + _scheme.Inputs[j]));
                }
            }

            if (parts.Count == 0)
            {
                return "Typical on every input";
            }

            var text = string.Join(", ", parts.OrderByDescending(p => p.Size).Take(3).Select(p => p.Text));
            return char.ToUpperInvariant(text[0]) + text[1..];
        }
    }
}
