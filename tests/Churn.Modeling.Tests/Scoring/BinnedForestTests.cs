using Churn.Modeling;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Churn.Modeling.Tests.Scoring;

public sealed class BinnedForestTests
{
    [Property(MaxTest = 200)]
    public Property Sum_EqualsWalkingEveryTree() =>
        Prop.ForAll(Gen.Zip(Gen.Choose(0, int.MaxValue), Gen.Zip(Gen.Choose(1, 80), Gen.Choose(2, 32))).ToArbitrary(), input =>
        {
            var (seed, (trees, maxLeaves)) = input;
            var forest = RandomForest.Create(seed, trees, maxLeaves, features: 7);
            var binned = BinnedForest.TryBuild(trees, forest.LeafCounts, forest.Splits, forest.LeafValues64);
            if (!BinnedForest.IsSupported)
            {
                return binned is null;
            }

            var random = new Random(seed);
            for (var r = 0; r < 40; r++)
            {
                // Values on the thresholds themselves, between them and beyond both ends.
                var row = Enumerable.Range(0, 7).Select(_ => random.Next(4) == 0 ? random.Next(-1, 12) : (float)(random.NextDouble() * 12) - 1).Select(v => (float)v).ToArray();
                if (Math.Abs(binned!.Sum(row) - forest.Walk(row)) > 1e-9)
                {
                    return false;
                }
            }

            return true;
        });

    [Fact]
    public void TryBuild_DeclinesTreesWithMoreThan32Leaves_AndTablesOverTheCap()
    {
        var large = RandomForest.Create(3, 5, 40, 4, exactLeaves: true);
        var small = RandomForest.Create(3, 50, 8, 30, exactLeaves: true);

        Assert.Null(BinnedForest.TryBuild(5, large.LeafCounts, large.Splits, large.LeafValues64));
        Assert.Null(BinnedForest.TryBuild(50, small.LeafCounts, small.Splits, small.LeafValues64, maxTableBytes: 4096));
        Assert.Equal(BinnedForest.IsSupported, BinnedForest.TryBuild(50, small.LeafCounts, small.Splits, small.LeafValues64) is not null);
    }

    /// <summary>Random trees with their splits in the QuickScorer form and a reference walk.</summary>
    private sealed class RandomForest
    {
        private readonly List<Node> _roots = [];

        public List<(int Feature, float Threshold, int Tree, ulong Mask)> Splits { get; } = [];

        public List<int> LeafCounts { get; } = [];

        public double[] LeafValues64 { get; private set; } = [];

        public static RandomForest Create(int seed, int trees, int maxLeaves, int features, bool exactLeaves = false)
        {
            var random = new Random(seed);
            var forest = new RandomForest { LeafValues64 = new double[trees * 64] };
            for (var t = 0; t < trees; t++)
            {
                var leaves = exactLeaves ? maxLeaves : random.Next(1, maxLeaves + 1);
                var order = 0;
                Node Build(int budget)
                {
                    if (budget == 1)
                    {
                        var value = Math.Round((random.NextDouble() * 2) - 1, 3);
                        if (order < 64)
                        {
                            forest.LeafValues64[(t * 64) + order] = value;
                        }

                        return new Node(-1, 0, null, null, value, 1UL << Math.Min(order++, 63));
                    }

                    var left = random.Next(1, budget);
                    var feature = random.Next(features);

                    // Few distinct thresholds, so that trees share them and values hit them exactly.
                    var threshold = random.Next(0, 11);
                    var l = Build(left);
                    var r = Build(budget - left);
                    forest.Splits.Add((feature, threshold, t, ~l.Leaves));
                    return new Node(feature, threshold, l, r, 0, l.Leaves | r.Leaves);
                }

                forest._roots.Add(Build(leaves));
                forest.LeafCounts.Add(leaves);
            }

            return forest;
        }

        public double Walk(float[] row)
        {
            double sum = 0;
            foreach (var root in _roots)
            {
                var n = root;
                while (n.Left is not null)
                {
                    n = row[n.Feature] > n.Threshold ? n.Right! : n.Left;
                }

                sum += n.Value;
            }

            return sum;
        }

        private sealed record Node(int Feature, float Threshold, Node? Left, Node? Right, double Value, ulong Leaves);
    }
}
