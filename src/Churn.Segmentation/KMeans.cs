namespace Churn.Segmentation;

/// <summary>
/// Seeded k-means (k-means++ start, Lloyd iterations) on a flat row-major matrix. Work is split in
/// fixed blocks of rows whose partial sums are added in block order, so the result is the same on
/// any number of threads.
/// </summary>
internal static class KMeans
{
    private const int Block = 8192;

    /// <summary>Runs k-means from k-means++ starts and keeps the run with the least inertia.</summary>
    public static double[] Fit(double[] x, int n, int d, int k, ulong seed, int restarts, int maxIterations, CancellationToken ct)
    {
        double[]? best = null;
        var bestInertia = double.PositiveInfinity;
        for (var r = 0; r < restarts; r++)
        {
            var rng = new SplitMix(seed + (ulong)(r * 7919));
            var centroids = PlusPlus(x, n, d, k, ref rng);
            var inertia = Lloyd(x, n, d, k, centroids, maxIterations, ct);
            if (inertia < bestInertia)
            {
                (best, bestInertia) = (centroids, inertia);
            }
        }

        return best!;
    }

    /// <summary>Lloyd iterations from the given centroids (updated in place) until no row moves or the limit; returns the inertia.</summary>
    public static double Lloyd(double[] x, int n, int d, int k, double[] centroids, int maxIterations, CancellationToken ct)
    {
        var blocks = (n + Block - 1) / Block;
        var sums = new double[blocks][];
        var counts = new long[blocks][];
        var costs = new double[blocks];
        var labels = new int[n];
        Array.Fill(labels, -1);
        var moved = new long[blocks];
        var inertia = double.PositiveInfinity;
        for (var iteration = 0; iteration < maxIterations; iteration++)
        {
            ct.ThrowIfCancellationRequested();
            Parallel.For(0, blocks, new ParallelOptions { CancellationToken = ct }, b =>
            {
                var s = sums[b] ??= new double[k * d];
                var c = counts[b] ??= new long[k];
                Array.Clear(s);
                Array.Clear(c);
                double cost = 0;
                long m = 0;
                var end = Math.Min(n, (b + 1) * Block);
                for (var i = b * Block; i < end; i++)
                {
                    var row = x.AsSpan(i * d, d);
                    var (label, dist) = Nearest(row, centroids, k, d);
                    cost += dist;
                    if (labels[i] != label)
                    {
                        labels[i] = label;
                        m++;
                    }

                    c[label]++;
                    var target = s.AsSpan(label * d, d);
                    for (var j = 0; j < d; j++)
                    {
                        target[j] += row[j];
                    }
                }

                costs[b] = cost;
                moved[b] = m;
            });

            inertia = 0;
            long changed = 0;
            var total = new double[k * d];
            var count = new long[k];
            for (var b = 0; b < blocks; b++)
            {
                inertia += costs[b];
                changed += moved[b];
                for (var j = 0; j < total.Length; j++)
                {
                    total[j] += sums[b][j];
                }

                for (var c = 0; c < k; c++)
                {
                    count[c] += counts[b][c];
                }
            }

            if (changed == 0)
            {
                break;
            }

            for (var c = 0; c < k; c++)
            {
                if (count[c] == 0)
                {
                    // An empty cluster restarts at the row farthest from its centroid (the first such row).
                    var far = Farthest(x, n, d, k, centroids);
                    x.AsSpan(far * d, d).CopyTo(centroids.AsSpan(c * d, d));
                    continue;
                }

                for (var j = 0; j < d; j++)
                {
                    centroids[(c * d) + j] = total[(c * d) + j] / count[c];
                }
            }
        }

        return inertia;
    }

    /// <summary>The nearest centroid (the lowest index on ties) and the squared distance to it.</summary>
    public static (int Label, double Distance) Nearest(ReadOnlySpan<double> row, double[] centroids, int k, int d)
    {
        var best = 0;
        var bestDistance = double.PositiveInfinity;
        for (var c = 0; c < k; c++)
        {
            var centroid = centroids.AsSpan(c * d, d);
            double dist = 0;
            for (var j = 0; j < d; j++)
            {
                var t = row[j] - centroid[j];
                dist += t * t;
            }

            if (dist < bestDistance)
            {
                (best, bestDistance) = (c, dist);
            }
        }

        return (best, bestDistance);
    }

    /// <summary>Mean silhouette of a sample (exact, O(n² d)); rows are labelled by their nearest centroid.</summary>
    public static double Silhouette(double[] x, int n, int d, int k, double[] centroids, CancellationToken ct)
    {
        var labels = new int[n];
        var sizes = new int[k];
        for (var i = 0; i < n; i++)
        {
            labels[i] = Nearest(x.AsSpan(i * d, d), centroids, k, d).Label;
            sizes[labels[i]]++;
        }

        var scores = new double[n];
        Parallel.For(0, n, new ParallelOptions { CancellationToken = ct }, i =>
        {
            var sum = new double[k];
            var row = x.AsSpan(i * d, d);
            for (var o = 0; o < n; o++)
            {
                var other = x.AsSpan(o * d, d);
                double dist = 0;
                for (var j = 0; j < d; j++)
                {
                    var t = row[j] - other[j];
                    dist += t * t;
                }

                sum[labels[o]] += Math.Sqrt(dist);
            }

            var own = labels[i];
            if (sizes[own] <= 1)
            {
                scores[i] = 0;
                return;
            }

            var a = sum[own] / (sizes[own] - 1);
            var b = double.PositiveInfinity;
            for (var c = 0; c < k; c++)
            {
                if (c != own && sizes[c] > 0)
                {
                    b = Math.Min(b, sum[c] / sizes[c]);
                }
            }

            scores[i] = double.IsInfinity(b) ? 0 : (b - a) / Math.Max(a, b);
        });

        double total = 0;
        foreach (var s in scores)
        {
            total += s;
        }

        return total / n;
    }

    /// <summary>The Davies–Bouldin index (lower is better).</summary>
    public static double DaviesBouldin(double[] x, int n, int d, int k, double[] centroids)
    {
        var scatter = new double[k];
        var sizes = new int[k];
        for (var i = 0; i < n; i++)
        {
            var (label, dist) = Nearest(x.AsSpan(i * d, d), centroids, k, d);
            scatter[label] += Math.Sqrt(dist);
            sizes[label]++;
        }

        for (var c = 0; c < k; c++)
        {
            scatter[c] = sizes[c] == 0 ? 0 : scatter[c] / sizes[c];
        }

        double total = 0;
        var used = 0;
        for (var c = 0; c < k; c++)
        {
            if (sizes[c] == 0)
            {
                continue;
            }

            used++;
            var worst = 0.0;
            for (var o = 0; o < k; o++)
            {
                if (o == c || sizes[o] == 0)
                {
                    continue;
                }

                double dist = 0;
                for (var j = 0; j < d; j++)
                {
                    var t = centroids[(c * d) + j] - centroids[(o * d) + j];
                    dist += t * t;
                }

                worst = Math.Max(worst, dist == 0 ? double.MaxValue : (scatter[c] + scatter[o]) / Math.Sqrt(dist));
            }

            total += worst;
        }

        return used == 0 ? double.MaxValue : total / used;
    }

    /// <summary>Minimum-cost matching of rows to columns (Hungarian method, O(n³)); returns, per row, its column or -1.</summary>
    public static int[] Match(double[,] cost)
    {
        var rows = cost.GetLength(0);
        var cols = cost.GetLength(1);
        var size = Math.Max(rows, cols);
        var a = new double[size + 1, size + 1];
        for (var i = 0; i < rows; i++)
        {
            for (var j = 0; j < cols; j++)
            {
                a[i + 1, j + 1] = cost[i, j];
            }
        }

        var u = new double[size + 1];
        var v = new double[size + 1];
        var p = new int[size + 1];
        var way = new int[size + 1];
        for (var i = 1; i <= size; i++)
        {
            p[0] = i;
            var j0 = 0;
            var minv = new double[size + 1];
            var used = new bool[size + 1];
            Array.Fill(minv, double.PositiveInfinity);
            do
            {
                used[j0] = true;
                var i0 = p[j0];
                var delta = double.PositiveInfinity;
                var j1 = 0;
                for (var j = 1; j <= size; j++)
                {
                    if (!used[j])
                    {
                        var cur = a[i0, j] - u[i0] - v[j];
                        if (cur < minv[j])
                        {
                            (minv[j], way[j]) = (cur, j0);
                        }

                        if (minv[j] < delta)
                        {
                            (delta, j1) = (minv[j], j);
                        }
                    }
                }

                for (var j = 0; j <= size; j++)
                {
                    if (used[j])
                    {
                        u[p[j]] += delta;
                        v[j] -= delta;
                    }
                    else
                    {
                        minv[j] -= delta;
                    }
                }

                j0 = j1;
            }
            while (p[j0] != 0);

            do
            {
                var j1 = way[j0];
                p[j0] = p[j1];
                j0 = j1;
            }
            while (j0 != 0);
        }

        var result = new int[rows];
        Array.Fill(result, -1);
        for (var j = 1; j <= size; j++)
        {
            if (p[j] >= 1 && p[j] <= rows && j <= cols)
            {
                result[p[j] - 1] = j - 1;
            }
        }

        return result;
    }

    private static double[] PlusPlus(double[] x, int n, int d, int k, ref SplitMix rng)
    {
        var centroids = new double[k * d];
        var first = (int)(rng.NextDouble() * n);
        x.AsSpan(first * d, d).CopyTo(centroids);
        var closest = new double[n];
        for (var i = 0; i < n; i++)
        {
            closest[i] = Distance(x.AsSpan(i * d, d), centroids.AsSpan(0, d));
        }

        for (var c = 1; c < k; c++)
        {
            double total = 0;
            foreach (var v in closest)
            {
                total += v;
            }

            int pick;
            if (total <= 0)
            {
                pick = (int)(rng.NextDouble() * n);
            }
            else
            {
                var target = rng.NextDouble() * total;
                pick = n - 1;
                double acc = 0;
                for (var i = 0; i < n; i++)
                {
                    acc += closest[i];
                    if (acc > target)
                    {
                        pick = i;
                        break;
                    }
                }
            }

            x.AsSpan(pick * d, d).CopyTo(centroids.AsSpan(c * d, d));
            for (var i = 0; i < n; i++)
            {
                closest[i] = Math.Min(closest[i], Distance(x.AsSpan(i * d, d), centroids.AsSpan(c * d, d)));
            }
        }

        return centroids;
    }

    private static int Farthest(double[] x, int n, int d, int k, double[] centroids)
    {
        var far = 0;
        var farDistance = -1.0;
        for (var i = 0; i < n; i++)
        {
            var dist = Nearest(x.AsSpan(i * d, d), centroids, k, d).Distance;
            if (dist > farDistance)
            {
                (far, farDistance) = (i, dist);
            }
        }

        return far;
    }

    private static double Distance(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double dist = 0;
        for (var j = 0; j < a.Length; j++)
        {
            var t = a[j] - b[j];
            dist += t * t;
        }

        return dist;
    }

    /// <summary>A small seeded generator (SplitMix64).</summary>
    internal struct SplitMix(ulong seed)
    {
        private ulong _state = seed;

        public double NextDouble()
        {
            var z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            return (z >> 11) * (1.0 / (1UL << 53));
        }
    }
}
