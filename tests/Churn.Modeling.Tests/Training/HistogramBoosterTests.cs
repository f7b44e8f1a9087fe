using Churn.Modeling;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Churn.Modeling.MLNet;

namespace Churn.Modeling.Tests.Training;

public sealed class HistogramBoosterTests
{
    private static readonly TreeSettings Small = new(60, 8, 0.1, 20);

    [Fact]
    public void Fit_GivesTheSameTreesForEveryThreadCount()
    {
        // Enough rows that histograms are built on several threads, and low-cardinality features that take the interleaved path.
        var (x, y) = Data(40_000, seed: 3, width: 12);

        var one = Fit(x, y, 12, threads: 1);
        var two = Fit(x, y, 12, threads: 2);
        var three = Fit(x, y, 12, threads: 3);

        foreach (var other in new[] { two, three })
        {
            Assert.Equal(one.Roots, other.Roots);
            Assert.Equal(one.Feature, other.Feature);
            Assert.Equal(one.Threshold, other.Threshold);
            Assert.Equal(one.Leaves, other.Leaves);
            Assert.Equal(one.Bias, other.Bias);
        }
    }

    [Fact]
    public void Fit_ApproachesThePlantedProbabilities_AsWellAsFastTree()
    {
        var (x, y, _) = Planted(20_000, seed: 5);
        var (tx, ty, ttruth) = Planted(20_000, seed: 6);

        var trees = HistogramBooster.Fit(x, 10, y, null, new BoostingOptions(new TreeSettings(200, 8, 0.05, 20), 42, 0), TestContext.Current.CancellationToken);
        var fastTree = MLNetLearners.FastTree.Fit(new LearnerData(x, 10, y, null), new LearnerSettings(new TreeSettings(200, 8, 0.05, 20), 42, 1), TestContext.Current.CancellationToken);

        var auc = MetricsCalculator.Auc(trees.Probabilities(tx), ty);
        var fastTreeAuc = MetricsCalculator.Auc(fastTree.Probabilities(tx, 10), ty);
        var truthAuc = MetricsCalculator.Auc(ttruth, ty);
        Assert.True(auc >= truthAuc - 0.02, $"AUC {auc:F4} vs planted {truthAuc:F4}");
        Assert.True(auc >= fastTreeAuc - 0.005, $"AUC {auc:F4} vs FastTree {fastTreeAuc:F4}");

        // Uncalibrated, the boosted log-odds are already close to the truth on average.
        var p = trees.Probabilities(tx);
        Assert.Equal(ttruth.Average(), p.Average(), 0.02);
    }

    [Fact]
    public void Fit_EveryLeafHoldsAtLeastTheMinimumRows_WhenTheTreesAreWalkedOnTheRawValues()
    {
        // The thresholds written into the trees must split the raw values exactly as the bins did while fitting.
        var (x, y) = Data(6_000, seed: 8, width: 6);
        var trees = Fit(x, y, 6, threads: 2);

        var counts = new int[trees.Leaves.Length];
        for (var r = 0; r < y.Length; r++)
        {
            var row = x.AsSpan(r * 6, 6);
            foreach (var root in trees.Roots)
            {
                var n = root;
                while (n >= 0)
                {
                    n = row[trees.Feature[n]] > trees.Threshold[n] ? trees.Right[n] : trees.Left[n];
                }

                counts[~n]++;
            }
        }

        Assert.All(counts, c => Assert.True(c >= Small.MinLeafCount, $"a leaf holds {c} rows"));
        Assert.Equal(y.Length * trees.Roots.Length, counts.Sum());
    }

    [Fact]
    public void Fit_MissingValues_GoWithTheLowest_AndLeafValuesAreFinite()
    {
        var random = new Random(4);
        var n = 5000;
        var x = new float[n * 2];
        var y = new bool[n];
        for (var i = 0; i < n; i++)
        {
            var missing = random.NextDouble() < 0.3;
            x[2 * i] = missing ? float.NaN : (float)random.NextDouble();
            x[(2 * i) + 1] = (float)random.NextDouble();
            y[i] = random.NextDouble() < (missing ? 0.8 : 0.1);
        }

        var trees = Fit(x, y, 2, threads: 1);
        var p = trees.Probabilities(x);

        Assert.All(trees.Leaves, v => Assert.True(double.IsFinite(v)));
        var missingRisk = Enumerable.Range(0, n).Where(i => float.IsNaN(x[2 * i])).Average(i => p[i]);
        var presentRisk = Enumerable.Range(0, n).Where(i => !float.IsNaN(x[2 * i])).Average(i => p[i]);
        Assert.InRange(missingRisk, 0.7, 0.9);
        Assert.InRange(presentRisk, 0.05, 0.15);
    }

    [Fact]
    public void Fit_Weighted_MovesTheBaseRate_AndChecksItsInputs()
    {
        var (x, y) = Data(4000, seed: 2, width: 4);
        var balanced = HistogramBooster.Fit(x, 4, y, ChurnModelTrainer.BalancedWeights(y), new BoostingOptions(Small, 1, 1), TestContext.Current.CancellationToken);

        Assert.Equal(0, balanced.Bias, 5);
        Assert.Throws<ArgumentException>(() => HistogramBooster.Fit(x, 4, y, new float[3], new BoostingOptions(Small, 1, 1)));
        Assert.Throws<ArgumentException>(() => HistogramBooster.Fit(x, 5, y, null, new BoostingOptions(Small, 1, 1)));
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => HistogramBooster.Fit(x, 4, y, null, new BoostingOptions(Small, 1, 1), cancelled.Token));
    }

    [Fact]
    public void WriteRead_RoundTrips_AndDamageIsReported()
    {
        var (x, y) = Data(3000, seed: 1, width: 5);
        var trees = Fit(x, y, 5, threads: 1);
        using var stream = new MemoryStream();
        trees.Write(stream);
        var bytes = stream.ToArray();

        var back = BoostedTrees.Read(new MemoryStream(bytes));
        Assert.Equal(trees.Probabilities(x), back.Probabilities(x));
        Assert.Equal(trees.Gains, back.Gains);

        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => BoostedTrees.Read(new MemoryStream(bytes[..(bytes.Length - 9)]))).Message, StringComparison.Ordinal);
        var header = (byte[])bytes.Clone();
        header[0] ^= 0xFF;
        Assert.Contains("header", Assert.Throws<InvalidDataException>(() => BoostedTrees.Read(new MemoryStream(header))).Message, StringComparison.Ordinal);

        // A child that points back to its parent would make scoring loop forever: refused.
        Assert.Throws<ArgumentException>(() => new BoostedTrees(1, 0, [0], [0], [0.5f], [0], [~0], [1.0], [0]));
        Assert.Throws<ArgumentException>(() => new BoostedTrees(1, 0, [0], [3], [0.5f], [~0], [~1], [1.0, 2.0], [0]));
    }

    [Property(MaxTest = 300)]
    public Property BinOf_CountsTheBoundariesBelow_SoThresholdsSplitAsTheBins() =>
        Prop.ForAll(Gen.Zip(Gen.Choose(0, int.MaxValue), Gen.Choose(1, 400)).ToArbitrary(), input =>
        {
            var (seed, size) = input;
            var random = new Random(seed);
            var sample = Enumerable.Range(0, size).Select(_ => random.Next(5) == 0 ? (float)random.Next(-3, 4) : (float)((random.NextDouble() * 20) - 10)).ToArray();
            var edges = BinnedFeatures.ChooseEdges((float[])sample.Clone(), maxBins: 1 + random.Next(255));
            for (var k = 1; k < edges.Length; k++)
            {
                if (!(edges[k - 1] < edges[k]))
                {
                    return false;
                }
            }

            foreach (var v in sample.Concat([float.NegativeInfinity, float.PositiveInfinity, -0f]))
            {
                var bin = BinnedFeatures.BinOf(edges, v);
                for (var k = 0; k < edges.Length; k++)
                {
                    // Left of split k (value <= edge k) exactly when the bin is at most k.
                    if ((v <= edges[k]) != (bin <= k))
                    {
                        return false;
                    }
                }
            }

            return BinnedFeatures.BinOf(edges, float.NaN) == 0;
        });

    [Fact]
    public void ChooseEdges_FewDistinctValuesEachGetABin_ManyGetAtMostMaxBins_AndAHeavyValueStandsAlone()
    {
        var few = BinnedFeatures.ChooseEdges([3, 1, 2, 2, 1, 3, 3], 255);
        Assert.Equal([1.5f, 2.5f], few);

        var random = new Random(1);
        var many = Enumerable.Range(0, 10_000).Select(_ => (float)random.NextDouble()).ToArray();
        Assert.True(BinnedFeatures.ChooseEdges(many, 255).Length <= 254);

        // 40% zeros: zero is a bin of its own.
        var heavy = Enumerable.Range(0, 10_000).Select(i => i % 5 < 2 ? 0f : (float)random.NextDouble() + 0.001f).ToArray();
        var edges = BinnedFeatures.ChooseEdges(heavy, 32);
        Assert.Equal(0, BinnedFeatures.BinOf(edges, 0));
        Assert.Equal(1, BinnedFeatures.BinOf(edges, 0.0011f));
    }

    [Property(MaxTest = 200)]
    public Property RadixSort_SortsLikeArraySort(float[] values)
    {
        var clean = values.Select(v => float.IsNaN(v) ? 0 : v).ToArray();
        var expected = (float[])clean.Clone();
        Array.Sort(expected);
        BinnedFeatures.RadixSort(clean);
        return (expected.Length == clean.Length && expected.Zip(clean).All(p => p.First == p.Second)).ToProperty();
    }

    [Property(MaxTest = 200)]
    public Property Pack_BlockSumsUnpackToTheExactTotals() =>
        Prop.ForAll(Gen.Zip(Gen.Choose(0, int.MaxValue), Gen.Choose(1, 65_535)).ToArbitrary(), input =>
        {
            var (seed, count) = input;
            var random = new Random(seed);
            ulong packed = 0;
            long g = 0, h = 0;
            var extreme = random.Next(3);
            for (var i = 0; i < count; i++)
            {
                // The extremes of both ranges, or anything in them.
                var qg = extreme == 0 ? -127 : extreme == 1 ? 127 : random.Next(-127, 128);
                var qh = extreme < 2 ? 255 : random.Next(0, 256);
                packed += HistogramBooster.Pack(qg, qh);
                g += qg;
                h += qh;
            }

            var stat = default(HistogramBooster.Stat);
            stat.Add(packed);
            return stat.G == g && stat.H == h && stat.C == count;
        });

    private static BoostedTrees Fit(float[] x, bool[] y, int width, int threads)
        => HistogramBooster.Fit(x, width, y, null, new BoostingOptions(Small, 7, threads), TestContext.Current.CancellationToken);

    /// <summary>Rows with a threshold effect, a smooth effect, a three-level feature and noise; the rest of the features are noise (some of few levels).</summary>
    private static (float[] X, bool[] Y) Data(int n, int seed, int width)
    {
        var random = new Random(seed);
        var x = new float[n * width];
        var y = new bool[n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < width; j++)
            {
                x[(i * width) + j] = j % 3 == 2 ? random.Next(3) : (float)(random.NextDouble() * 10);
            }

            var logit = -2 + (x[i * width] > 5 ? 1.5 : 0) + (0.2 * x[(i * width) + 1]) + (0.5 * x[(i * width) + 2]);
            y[i] = random.NextDouble() < 1 / (1 + Math.Exp(-logit));
        }

        return (x, y);
    }

    /// <summary>Ten features, an interaction and a step in the planted log-odds; returns the true probabilities too.</summary>
    private static (float[] X, bool[] Y, double[] Truth) Planted(int n, int seed)
    {
        var random = new Random(seed);
        var x = new float[n * 10];
        var y = new bool[n];
        var truth = new double[n];
        for (var i = 0; i < n; i++)
        {
            var f = x.AsSpan(i * 10, 10);
            for (var j = 0; j < 10; j++)
            {
                f[j] = (float)(random.NextDouble() * 10);
            }

            var logit = -2.5 + (0.4 * f[0]) - (0.2 * f[1]) + (f[2] > 5 && f[3] > 5 ? 1.5 : 0) + (0.3 * Math.Sin(f[4]));
            truth[i] = 1 / (1 + Math.Exp(-logit));
            y[i] = random.NextDouble() < truth[i];
        }

        return (x, y, truth);
    }
}
