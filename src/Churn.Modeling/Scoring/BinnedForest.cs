using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Churn.Modeling;

/// <summary>
/// A forest of small trees laid out so that one customer costs a few vector instructions per
/// feature. QuickScorer (Lucchese et al. 2015) clears, for every split a value goes right at, the
/// leaves of that split's left subtree; the exit leaf of each tree is then its lowest remaining
/// leaf bit. Here those clearings are folded ahead of time: for each feature, its distinct split
/// thresholds cut the axis into bins, and for each bin one row holds every tree's leaf mask after
/// all the feature's splits below the bin have cleared their bits. Scoring a customer is then,
/// per feature, a vector count of thresholds below the value (the bin) and an AND of that row
/// into the running masks (one byte per tree for trees of up to 8 leaves, four bytes up to 32);
/// the exit leaves come out sixteen trees at a time by a leading-zero count and a gather.
/// </summary>
/// <remarks>
/// The table has one row per distinct threshold and feature, so it is used only while it stays
/// small enough to live in a core's cache (<see cref="MaxTableBytes"/>); larger forests keep the
/// split-by-split layout. Needs AVX-512 (F, BW, CD) and AVX2.
/// </remarks>
internal sealed class BinnedForest
{
    /// <summary>The largest table used (bytes): about a core's L2 cache.</summary>
    public const int MaxTableBytes = 1 << 20;

    private readonly bool _bytes;
    private readonly int _vectors;
    private readonly int _rowBytes;
    private readonly int _groups;
    private readonly FeatureBins[] _bins;
    private readonly float[] _thresholds;
    private readonly byte[] _table;
    private readonly int _tableOffset;
    private readonly double[] _leaves;
    private readonly int[] _leafBase;

    private BinnedForest(bool bytes, int vectors, FeatureBins[] bins, float[] thresholds, byte[] table, int tableOffset, double[] leaves, int[] leafBase)
    {
        (_bytes, _vectors, _bins, _thresholds, _table, _tableOffset, _leaves, _leafBase) =
            (bytes, vectors, bins, thresholds, table, tableOffset, leaves, leafBase);
        _rowBytes = vectors * 64;
        _groups = leafBase.Length / 16;
    }

    /// <summary>Gets a value indicating whether the machine has the instructions this layout needs.</summary>
    public static bool IsSupported => Avx512F.IsSupported && Avx512BW.IsSupported && Avx512CD.IsSupported && Avx2.IsSupported && Vector512.IsHardwareAccelerated;

    /// <summary>Gets the size of the bin table in bytes.</summary>
    public int TableBytes => _table.Length - 64;

    /// <summary>Builds the layout, or returns null when a tree has more than 32 leaves or the table would be too large.</summary>
    /// <param name="trees">The number of trees.</param>
    /// <param name="leafCounts">The number of leaves of each tree.</param>
    /// <param name="splits">Every split: its feature, threshold (a value goes right when greater), tree and the mask of leaves a right turn keeps.</param>
    /// <param name="leafValues">Leaf values, tree t's leaf i (numbered left to right) at [t * 64 + i].</param>
    /// <param name="maxTableBytes">The largest table allowed.</param>
    public static BinnedForest? TryBuild(int trees, IReadOnlyList<int> leafCounts, IReadOnlyList<(int Feature, float Threshold, int Tree, ulong Mask)> splits, double[] leafValues, int maxTableBytes = MaxTableBytes)
    {
        if (!IsSupported || trees == 0 || leafCounts.Any(c => c > 32))
        {
            return null;
        }

        var bytes = leafCounts.All(c => c <= 8);
        var width = bytes ? 1 : 4;
        var vectors = ((trees * width) + 63) / 64;
        var rowBytes = vectors * 64;
        var byFeature = splits.GroupBy(s => s.Feature).OrderBy(g => g.Key).ToArray();
        var distinctThresholds = byFeature.Select(g => g.Select(s => s.Threshold).Distinct().Order().ToArray()).ToArray();
        long rows = distinctThresholds.Sum(d => d.Length + 1L);
        if (rows * rowBytes > maxTableBytes)
        {
            return null;
        }

        var table = GC.AllocateArray<byte>((int)(rows * rowBytes) + 64, pinned: true);
        int offset;
        unsafe
        {
            fixed (byte* p = table)
            {
                offset = (int)((64 - ((nuint)p % 64)) % 64);
            }
        }

        var bins = new FeatureBins[byFeature.Length];
        var thresholds = new List<float>();
        var row = 0;
        var masks = new uint[trees];
        for (var k = 0; k < byFeature.Length; k++)
        {
            var distinct = distinctThresholds[k];
            var chunks = (distinct.Length + 15) / 16;
            bins[k] = new FeatureBins(byFeature[k].Key, thresholds.Count, chunks, row * rowBytes);
            thresholds.AddRange(distinct);
            thresholds.AddRange(Enumerable.Repeat(float.PositiveInfinity, (chunks * 16) - distinct.Length));

            // Row b: the masks once every split at one of the b lowest thresholds has sent the value right.
            Array.Fill(masks, uint.MaxValue);
            var sorted = byFeature[k].OrderBy(s => s.Threshold).ToArray();
            var next = 0;
            for (var b = 0; b <= distinct.Length; b++, row++)
            {
                if (b > 0)
                {
                    for (; next < sorted.Length && sorted[next].Threshold == distinct[b - 1]; next++)
                    {
                        masks[sorted[next].Tree] &= (uint)sorted[next].Mask;
                    }
                }

                var target = table.AsSpan(offset + (row * rowBytes), rowBytes);
                target.Fill(byte.MaxValue);
                for (var t = 0; t < trees; t++)
                {
                    if (bytes)
                    {
                        target[t] = (byte)masks[t];
                    }
                    else
                    {
                        MemoryMarshal.Write(target[(t * 4)..], masks[t]);
                    }
                }
            }
        }

        // Leaf values at [tree * 32 + leaf]; trees past the last (vector padding) have value 0 at
        // leaf 0, which is where their untouched all-ones mask exits.
        var groups = (trees + 15) / 16;
        var leaves = new double[groups * 16 * 32];
        for (var t = 0; t < trees; t++)
        {
            for (var i = 0; i < leafCounts[t]; i++)
            {
                leaves[(t * 32) + i] = leafValues[(t * 64) + i];
            }
        }

        // The lowest set bit b of a 32-bit lane has 31 - b leading zeros: index = t * 32 + 31 - lzcnt.
        var leafBase = Enumerable.Range(0, groups * 16).Select(t => (t * 32) + 31).ToArray();
        return new BinnedForest(bytes, vectors, bins, [.. thresholds], table, offset, leaves, leafBase);
    }

    /// <summary>Sums the exit-leaf values of every tree for one customer.</summary>
    /// <param name="coded">The customer's features, no NaN.</param>
    /// <returns>The sum of the leaf values (without the forest's bias).</returns>
    [SkipLocalsInit]
    public unsafe double Sum(ReadOnlySpan<float> coded)
    {
        var features = _bins.Length;
        var rowBytes = (nint)_rowBytes;
        var offsets = stackalloc nint[features];
        var acc = stackalloc Vector512<byte>[_vectors];
        ref var value = ref MemoryMarshal.GetReference(coded);
        fixed (byte* table = _table)
        fixed (float* thresholds = _thresholds)
        fixed (FeatureBins* bins = _bins)
        {
            // Each feature's bin, as the byte offset of its table row.
            var first = table + _tableOffset;
            for (var k = 0; k < features; k++)
            {
                // Thresholds ascend (padded with +∞): the bin is the number below x, counted without
                // branches so that no customer's values cost a misprediction.
                var feature = bins + k;
                var x = Vector512.Create(Unsafe.Add(ref value, feature->Feature));
                var p = thresholds + feature->ThresholdStart;
                var bin = BitOperations.PopCount((uint)Vector512.LessThan(Vector512.Load(p), x).ExtractMostSignificantBits());
                for (var c = feature->Chunks - 1; c > 0; c--)
                {
                    p += 16;
                    bin += BitOperations.PopCount((uint)Vector512.LessThan(Vector512.Load(p), x).ExtractMostSignificantBits());
                }

                offsets[k] = feature->RowStart + (bin * rowBytes);
            }

            // AND the rows, up to four vectors of trees at a time held in registers (a running
            // mask kept in memory would wait on store-to-load forwarding at every feature).
            for (var v = 0; v < _vectors; v += 4)
            {
                var column = first + (v * 64);
                var a0 = Vector512<byte>.AllBitsSet;
                var a1 = a0;
                var a2 = a0;
                var a3 = a0;
                switch (Math.Min(4, _vectors - v))
                {
                    case 1:
                        for (var k = 0; k < features; k++)
                        {
                            a0 &= Vector512.LoadAligned(column + offsets[k]);
                        }

                        break;
                    case 2:
                        for (var k = 0; k < features; k++)
                        {
                            var row = column + offsets[k];
                            a0 &= Vector512.LoadAligned(row);
                            a1 &= Vector512.LoadAligned(row + 64);
                        }

                        break;
                    case 3:
                        for (var k = 0; k < features; k++)
                        {
                            var row = column + offsets[k];
                            a0 &= Vector512.LoadAligned(row);
                            a1 &= Vector512.LoadAligned(row + 64);
                            a2 &= Vector512.LoadAligned(row + 128);
                        }

                        break;
                    default:
                        for (var k = 0; k < features; k++)
                        {
                            var row = column + offsets[k];
                            a0 &= Vector512.LoadAligned(row);
                            a1 &= Vector512.LoadAligned(row + 64);
                            a2 &= Vector512.LoadAligned(row + 128);
                            a3 &= Vector512.LoadAligned(row + 192);
                        }

                        break;
                }

                acc[v] = a0;
                if (v + 1 < _vectors)
                {
                    acc[v + 1] = a1;
                }

                if (v + 2 < _vectors)
                {
                    acc[v + 2] = a2;
                }

                if (v + 3 < _vectors)
                {
                    acc[v + 3] = a3;
                }
            }
        }

        var lo = Vector256<double>.Zero;
        var hi = Vector256<double>.Zero;
        var masks = (byte*)acc;
        fixed (double* leaves = _leaves)
        fixed (int* leafBase = _leafBase)
        {
            for (var g = 0; g < _groups; g++)
            {
                var m = _bytes
                    ? Avx512F.ConvertToVector512UInt32(Vector128.Load(masks + (g * 16)))
                    : Vector512.Load((uint*)masks + (g * 16));
                var lowest = m & (Vector512<uint>.Zero - m);
                var index = Vector512.Load(leafBase + (g * 16)) - Avx512CD.LeadingZeroCount(lowest).AsInt32();
                var low = index.GetLower();
                var high = index.GetUpper();
                lo += Avx2.GatherVector256(leaves, low.GetLower(), 8);
                hi += Avx2.GatherVector256(leaves, low.GetUpper(), 8);
                lo += Avx2.GatherVector256(leaves, high.GetLower(), 8);
                hi += Avx2.GatherVector256(leaves, high.GetUpper(), 8);
            }
        }

        return Vector256.Sum(lo + hi);
    }

    /// <summary>Where one feature's thresholds and table rows are.</summary>
    /// <param name="Feature">The feature's index in a row.</param>
    /// <param name="ThresholdStart">The first of its thresholds (a multiple of 16).</param>
    /// <param name="Chunks">How many 16-threshold chunks it has (padded with +∞).</param>
    /// <param name="RowStart">The byte offset of its first table row.</param>
    private readonly record struct FeatureBins(int Feature, int ThresholdStart, int Chunks, nint RowStart);
}
