using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Churn.Modeling;

/// <summary>
/// Gradient-boosted trees for the logistic loss, grown leaf by leaf on binned features (the
/// histogram method of LightGBM and scikit-learn's HistGradientBoosting): every feature is cut
/// into at most 255 bins once; each node's split is found from per-bin sums of gradients,
/// hessians and counts; a child's histogram is its parent's minus its smaller sibling's.
/// </summary>
/// <remarks>
/// <para>The histograms add quantised gradients (Shi et al. 2022, "Quantized training of gradient
/// boosting decision trees"): each tree, gradients become integers in [−127, 127] and hessians in
/// [0, 255] by unbiased stochastic rounding with seeded noise, and a row's gradient, hessian and
/// count are packed into one 64-bit integer, so a histogram update is one integer addition.
/// Integer sums are exact, so a child's histogram by subtraction is exact too. Splits are chosen on
/// these sums; leaf values are Newton steps with L2 shrinkage on the exact gradients.</para>
/// <para>Deterministic for any thread count: threads share out features, never the rows of one
/// feature; integer sums do not depend on their order anyway; the rounding noise of a row depends
/// only on the seed, the tree and the row; and elementwise work runs in chunks of a fixed size. The
/// same data, settings and seed give the same trees on one core or many.</para>
/// </remarks>
internal static class HistogramBooster
{
    /// <summary>Rows packed into one block histogram before it is unpacked (each field must not overflow).</summary>
    private const int Block = 65_535;

    /// <summary>Elementwise work is split into chunks of this many rows, whatever the thread count.</summary>
    private const int Chunk = 8_192;

    private const int GradientLevels = 127;
    private const int HessianLevels = 255;

    /// <summary>Size of the table of seeded uniform noise the stochastic rounding reads (a power of two).</summary>
    private const int NoiseSize = 1 << 16;

    /// <summary>Fits an ensemble.</summary>
    /// <param name="rows">Row-major encoded features (missing values NaN or coded below the data).</param>
    /// <param name="width">Features per row.</param>
    /// <param name="labels">Churned or not, per row.</param>
    /// <param name="weights">Per-row weights, or null for 1.</param>
    /// <param name="options">The settings.</param>
    /// <param name="cancellationToken">Checked between trees.</param>
    /// <returns>The ensemble.</returns>
    /// <exception cref="ArgumentException">The sizes disagree.</exception>
    public static BoostedTrees Fit(float[] rows, int width, IReadOnlyList<bool> labels, float[]? weights, BoostingOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(options);
        var n = labels.Count;
        if (width <= 0 || n == 0 || rows.Length != (long)n * width)
        {
            throw new ArgumentException($"{rows.Length} values do not make {n} rows of {width} features.", nameof(rows));
        }

        if (weights is not null && weights.Length != n)
        {
            throw new ArgumentException($"{weights.Length} weights for {n} rows.", nameof(weights));
        }

        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Threads == 0 ? Environment.ProcessorCount : options.Threads, CancellationToken = cancellationToken };
        var binned = BinnedFeatures.Build(rows, n, width, options.MaxBins, options.BinningSample, parallel);
        return new State(binned, labels, weights, options, parallel).Boost(cancellationToken);
    }

    /// <summary>Packs a quantised gradient (−127..127), hessian (0..255) and a count of 1: gradient + 128 in bits 40–63, hessian in bits 16–39, count in bits 0–15.</summary>
    internal static ulong Pack(int gradient, int hessian) => ((ulong)(gradient + 128) << 40) | ((ulong)hessian << 16) | 1UL;

    /// <summary>Integer per-bin sums of one node: quantised gradient, quantised hessian, row count.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Stat
    {
        public long G;
        public long H;
        public long C;

        /// <summary>Adds a block sum of packed values.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Add(ulong packed)
        {
            var c = (long)(packed & 0xFFFF);
            C += c;
            H += (long)((packed >> 16) & 0xFF_FFFF);
            G += (long)(packed >> 40) - (128 * c);
        }
    }

    /// <summary>A leaf being grown: its rows (a range of the row order), sums, histogram and best split.</summary>
    private sealed class Leaf
    {
        public int Start;
        public int Count;
        public long G;
        public long H;
        public Stat[] Histogram = [];

        // Where the node that points here keeps the pointer: node index * 2 + side, or -1 for the root.
        public int Slot = -1;

        public int SplitFeature = -1;
        public int SplitBin;
        public double SplitGain;
        public long LeftG;
        public long LeftH;
    }

    /// <summary>The held-out rows' scores, updated tree by tree, and their mean log-loss after each tree.</summary>
    private sealed class Watcher(BoostingValidation validation, int width, double bias)
    {
        private readonly double[] _score = Enumerable.Repeat(bias, validation.Labels.Count).ToArray();
        private double _best = double.PositiveInfinity;
        private int _bestTree;

        public List<double> Path { get; } = [];

        /// <summary>Adds the newest tree to the scores; true when the loss has not improved for the patience.</summary>
        public bool Watch(int root, List<int> feature, List<float> threshold, List<int> children, List<double> leafValues, int tree)
        {
            var rows = validation.Rows;
            var loss = 0.0;
            for (var j = 0; j < _score.Length; j++)
            {
                var node = root;
                while (node >= 0)
                {
                    node = rows[(j * width) + feature[node]] > threshold[node] ? children[(2 * node) + 1] : children[2 * node];
                }

                var z = _score[j] += leafValues[~node];

                // −log σ(z) for a churner, −log(1 − σ(z)) otherwise, computed stably.
                var m = validation.Labels[j] ? -z : z;
                loss += (validation.Weights?[j] ?? 1) * (m > 0 ? m + Math.Log(1 + Math.Exp(-m)) : Math.Log(1 + Math.Exp(m)));
            }

            loss /= Math.Max(1, _score.Length);
            Path.Add(loss);
            if (loss < _best)
            {
                (_best, _bestTree) = (loss, tree);
            }

            return tree - _bestTree >= validation.Patience;
        }
    }

    /// <summary>The boosting state: scores, gradients, the row order and histogram buffers.</summary>
    private sealed class State
    {
        private readonly BinnedFeatures _x;
        private readonly float[] _y;
        private readonly float[]? _w;
        private readonly BoostingOptions _o;
        private readonly ParallelOptions _parallel;
        private readonly int _n;
        private readonly double[] _score;
        private readonly float[] _g;
        private readonly float[] _h;
        private readonly ulong[] _packed;
        private readonly ulong[] _gathered;
        private readonly int[] _order;
        private readonly int[] _scratch;
        private readonly Stack<Stat[]> _pool = new();
        private readonly Random _random;
        private readonly int[] _features;
        private readonly float[] _noise;
        private readonly double _maxWeight;
        private readonly double _gScale;
        private readonly double _hScale;

        public State(BinnedFeatures x, IReadOnlyList<bool> labels, float[]? weights, BoostingOptions options, ParallelOptions parallel)
        {
            (_x, _o, _parallel, _n, _w) = (x, options, parallel, x.Rows, weights);
            _y = new float[_n];
            for (var i = 0; i < _n; i++)
            {
                _y[i] = labels[i] ? 1 : 0;
            }

            _score = new double[_n];
            _g = new float[_n];
            _h = new float[_n];
            _packed = new ulong[_n];
            _gathered = new ulong[_n];
            _order = new int[_n];
            _scratch = new int[_n + 1];
            _random = new Random(options.Seed);
            _noise = new float[NoiseSize];
            for (var i = 0; i < NoiseSize; i++)
            {
                _noise[i] = (float)_random.NextDouble();
            }

            _maxWeight = weights is null ? 1 : Math.Max(weights.Max(), 1e-12);
            _gScale = _maxWeight / GradientLevels;
            _hScale = 0.25 * _maxWeight / HessianLevels;
            _features = [.. Enumerable.Range(0, x.Features)];
        }

        public BoostedTrees Boost(CancellationToken cancellationToken)
        {
            double positive = 0, total = 0;
            for (var i = 0; i < _n; i++)
            {
                var w = _w?[i] ?? 1;
                positive += w * _y[i];
                total += w;
            }

            var rate = Math.Clamp(positive / total, 1e-6, 1 - 1e-6);
            var bias = Math.Log(rate / (1 - rate));
            Array.Fill(_score, bias);

            var roots = new List<int>();
            var feature = new List<int>();
            var threshold = new List<float>();
            var children = new List<int>();
            var leafValues = new List<double>();
            var gains = new double[_x.Features];
            var settings = _o.Trees;
            var leaves = new List<Leaf>(settings.Leaves);
            var validation = _o.Validation is { } v ? new Watcher(v, _x.Features, bias) : null;
            for (var t = 0; t < settings.Trees; t++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Gradients();
                var used = ChooseFeatures();
                var nodeBase = feature.Count;
                Grow(leaves, used, feature, threshold, children, gains);

                // Leaf values: Newton steps on the exact gradients, with L2 shrinkage and the learning rate.
                var leafBase = leafValues.Count;
                roots.Add(feature.Count > nodeBase ? nodeBase : ~leafBase);
                var values = new double[leaves.Count];
                for (var l = 0; l < leaves.Count; l++)
                {
                    var leaf = leaves[l];
                    double g = 0, h = 0;
                    foreach (var i in _order.AsSpan(leaf.Start, leaf.Count))
                    {
                        g += _g[i];
                        h += _h[i];
                    }

                    values[l] = -g / (h + _o.L2) * settings.LearningRate;
                    leafValues.Add(values[l]);
                    if (leaf.Slot >= 0)
                    {
                        children[leaf.Slot] = ~(leafBase + l);
                    }

                    _pool.Push(leaf.Histogram);
                }

                Parallel.For(0, leaves.Count, _parallel, l =>
                {
                    var value = values[l];
                    foreach (var i in _order.AsSpan(leaves[l].Start, leaves[l].Count))
                    {
                        _score[i] += value;
                    }
                });

                if (validation is not null && validation.Watch(roots[^1], feature, threshold, children, leafValues, t))
                {
                    break;
                }
            }

            var left = new int[feature.Count];
            var right = new int[feature.Count];
            for (var k = 0; k < feature.Count; k++)
            {
                (left[k], right[k]) = (children[2 * k], children[(2 * k) + 1]);
            }

            return new BoostedTrees(_x.Features, bias, [.. roots], [.. feature], [.. threshold], left, right, [.. leafValues], gains) { ValidationLoss = validation?.Path.ToArray() };
        }

        /// <summary>Gradients and hessians of the (weighted) logistic loss at the current scores, exact (for leaf values) and quantised (for histograms).</summary>
        /// <remarks>The quantisation scales are fixed by the loss: |g| ≤ w and h ≤ w / 4 for weight w, so no pass over the data is needed to find them.</remarks>
        private void Gradients()
        {
            var chunks = (_n + Chunk - 1) / Chunk;
            var gInverse = GradientLevels / _maxWeight;
            var hInverse = HessianLevels / (0.25 * _maxWeight);
            var offset = _random.Next(NoiseSize);
            Parallel.For(0, chunks, _parallel, c => GradientChunk(c * Chunk, Math.Min(_n, (c + 1) * Chunk), gInverse, hInverse, offset));
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void GradientChunk(int from, int to, double gInverse, double hInverse, int offset)
        {
            Span<double> p = stackalloc double[Chunk];
            p = p[..(to - from)];
            TensorPrimitives.Sigmoid(_score.AsSpan(from, to - from), p);
            var ys = _y.AsSpan(from, p.Length);
            var gs = _g.AsSpan(from, p.Length);
            var hs = _h.AsSpan(from, p.Length);
            var target = _packed.AsSpan(from, p.Length);
            var weights = _w;
            ref var noise = ref MemoryMarshal.GetArrayDataReference(_noise);
            for (var j = 0; j < p.Length; j++)
            {
                var w = weights is null ? 1f : weights[from + j];
                var pj = p[j];
                var g = (float)((pj - ys[j]) * w);
                var h = (float)(Math.Max(pj * (1 - pj), 1e-16) * w);
                gs[j] = g;
                hs[j] = h;

                // Unbiased stochastic rounding with seeded noise: the same for any thread count.
                var k = (from + j + offset) & (NoiseSize - 1);
                var qg = (int)Math.Floor((g * gInverse) + Unsafe.Add(ref noise, k));
                var qh = (int)((h * hInverse) + Unsafe.Add(ref noise, k ^ (NoiseSize / 2)));
                target[j] = Pack(Math.Clamp(qg, -GradientLevels, GradientLevels), Math.Clamp(qh, 0, HessianLevels));
            }
        }

        private int[] ChooseFeatures()
        {
            if (_o.FeatureFraction >= 1)
            {
                return _features;
            }

            var k = Math.Max(1, (int)Math.Round(_o.FeatureFraction * _features.Length));
            var shuffled = (int[])_features.Clone();
            for (var i = 0; i < k; i++)
            {
                var j = i + _random.Next(shuffled.Length - i);
                (shuffled[i], shuffled[j]) = (shuffled[j], shuffled[i]);
            }

            var chosen = shuffled[..k];
            Array.Sort(chosen);
            return chosen;
        }

        /// <summary>Grows one tree leaf by leaf: always splits the leaf whose best split gains most.</summary>
        private void Grow(List<Leaf> leaves, int[] used, List<int> feature, List<float> threshold, List<int> children, double[] gains)
        {
            leaves.Clear();
            for (var i = 0; i < _n; i++)
            {
                _order[i] = i;
            }

            var root = new Leaf { Start = 0, Count = _n, Histogram = Rent() };
            Build(root, used, all: true);
            foreach (var s in root.Histogram.AsSpan(_x.Offsets[used[0]], _x.Bins(used[0])))
            {
                root.G += s.G;
                root.H += s.H;
            }

            FindSplit(root, used);
            leaves.Add(root);
            while (leaves.Count < _o.Trees.Leaves)
            {
                // The leaf whose split gains most; ties go to the earlier leaf.
                Leaf? best = null;
                foreach (var leaf in leaves)
                {
                    if (leaf.SplitFeature >= 0 && (best is null || leaf.SplitGain > best.SplitGain))
                    {
                        best = leaf;
                    }
                }

                if (best is null)
                {
                    break;
                }

                var f = best.SplitFeature;
                var node = feature.Count;
                feature.Add(f);
                threshold.Add(_x.Edges[f][best.SplitBin]);
                children.Add(0);
                children.Add(0);
                if (best.Slot >= 0)
                {
                    children[best.Slot] = node;
                }

                gains[f] += best.SplitGain;
                var leftCount = Partition(best, f, best.SplitBin);
                var right = new Leaf
                {
                    Start = best.Start + leftCount,
                    Count = best.Count - leftCount,
                    G = best.G - best.LeftG,
                    H = best.H - best.LeftH,
                    Slot = (2 * node) + 1,
                };
                var parentHistogram = best.Histogram;
                best.Count = leftCount;
                best.G = best.LeftG;
                best.H = best.LeftH;
                best.Slot = 2 * node;

                // Build the smaller child's histogram; the larger one's is the parent's minus it.
                var (small, large) = best.Count <= right.Count ? (best, right) : (right, best);
                small.Histogram = Rent();
                Build(small, used, all: false);
                large.Histogram = parentHistogram;
                Subtract(large.Histogram, small.Histogram, used);
                FindSplit(best, used);
                FindSplit(right, used);
                leaves.Add(right);
            }
        }

        private Stat[] Rent() => _pool.Count > 0 ? _pool.Pop() : new Stat[_x.Offsets[^1]];

        /// <summary>The per-bin sums of a leaf, for the features in use. Threads share out the features (never the rows of one), so the result does not depend on their number.</summary>
        private void Build(Leaf leaf, int[] used, bool all)
        {
            var histogram = leaf.Histogram;
            var start = leaf.Start;
            var count = leaf.Count;
            if (!all)
            {
                // Gather the leaf's packed gradients once, so that every feature reads them in sequence.
                var order = _order.AsSpan(start, count);
                var gathered = _gathered.AsSpan(0, count);
                for (var j = 0; j < order.Length; j++)
                {
                    gathered[j] = _packed[order[j]];
                }
            }

            var tasks = Math.Min(used.Length, (long)count * used.Length < 200_000 ? 1 : _parallel.MaxDegreeOfParallelism);
            Parallel.For(0, tasks, _parallel, task => BuildPart(histogram, used, task, tasks, start, count, all));
        }

        /// <summary>One thread's share of a histogram, features task, task + tasks, ...: rows a cache-sized block at a time, every feature of the share per block.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void BuildPart(Stat[] histogram, int[] used, int task, int tasks, int start, int count, bool all)
        {
            const int rowsPerBlock = 16_384;
            var mine = (used.Length - task + tasks - 1) / tasks;
            var sums = System.Buffers.ArrayPool<ulong>.Shared.Rent(mine * 256);
            try
            {
                sums.AsSpan(0, mine * 256).Clear();
                for (var k = task; k < used.Length; k += tasks)
                {
                    histogram.AsSpan(_x.Offsets[used[k]], _x.Bins(used[k])).Clear();
                }

                var pending = 0;
                for (var from = 0; from < count; from += rowsPerBlock)
                {
                    var length = Math.Min(rowsPerBlock, count - from);
                    if (pending + length > Block)
                    {
                        Flush(histogram, used, task, tasks, sums);
                        pending = 0;
                    }

                    for (int k = task, slot = 0; k < used.Length; k += tasks, slot++)
                    {
                        var bins = _x.Column(used[k]);
                        var target = sums.AsSpan(slot * 256, 256);
                        var interleave = _x.Bins(used[k]) <= 64;
                        if (all)
                        {
                            AccumulateAll(bins.Slice(start + from, length), _packed.AsSpan(start + from, length), target, interleave);
                        }
                        else
                        {
                            AccumulateSome(bins, _order.AsSpan(start + from, length), _gathered.AsSpan(from, length), target, interleave);
                        }
                    }

                    pending += length;
                }

                Flush(histogram, used, task, tasks, sums);
            }
            finally
            {
                System.Buffers.ArrayPool<ulong>.Shared.Return(sums);
            }
        }

        /// <summary>Unpacks one thread's block sums into the histogram and clears them.</summary>
        private void Flush(Stat[] histogram, int[] used, int task, int tasks, ulong[] sums)
        {
            for (int k = task, slot = 0; k < used.Length; k += tasks, slot++)
            {
                var target = histogram.AsSpan(_x.Offsets[used[k]], _x.Bins(used[k]));
                var source = sums.AsSpan(slot * 256, 256);
                if (target.Length <= 64)
                {
                    // Four interleaved copies (see Accumulate): their packed sums add without overflow, a block being at most 65,535 rows.
                    for (var b = 0; b < target.Length; b++)
                    {
                        target[b].Add(source[4 * b] + source[(4 * b) + 1] + source[(4 * b) + 2] + source[(4 * b) + 3]);
                    }
                }
                else
                {
                    for (var b = 0; b < target.Length; b++)
                    {
                        target[b].Add(source[b]);
                    }
                }

                source.Clear();
            }
        }

        /// <summary>Adds rows' packed values to their bins. With few bins, consecutive rows often hit the same bin and each addition would wait for the previous one, so four interleaved copies of each bin (row i into copy i mod 4) are kept instead.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void AccumulateAll(ReadOnlySpan<byte> bins, ReadOnlySpan<ulong> packed, Span<ulong> sums, bool interleave)
        {
            ref var target = ref MemoryMarshal.GetReference(sums);
            ref var b = ref MemoryMarshal.GetReference(bins);
            ref var v = ref MemoryMarshal.GetReference(packed);
            var i = 0;
            if (interleave)
            {
                for (; i + 4 <= bins.Length; i += 4)
                {
                    Unsafe.Add(ref target, Unsafe.Add(ref b, i) << 2) += Unsafe.Add(ref v, i);
                    Unsafe.Add(ref target, (Unsafe.Add(ref b, i + 1) << 2) + 1) += Unsafe.Add(ref v, i + 1);
                    Unsafe.Add(ref target, (Unsafe.Add(ref b, i + 2) << 2) + 2) += Unsafe.Add(ref v, i + 2);
                    Unsafe.Add(ref target, (Unsafe.Add(ref b, i + 3) << 2) + 3) += Unsafe.Add(ref v, i + 3);
                }

                for (; i < bins.Length; i++)
                {
                    Unsafe.Add(ref target, Unsafe.Add(ref b, i) << 2) += Unsafe.Add(ref v, i);
                }

                return;
            }

            for (; i < bins.Length; i++)
            {
                Unsafe.Add(ref target, Unsafe.Add(ref b, i)) += Unsafe.Add(ref v, i);
            }
        }

        /// <summary>As <see cref="AccumulateAll"/>, for the rows listed (their packed values gathered in the same order).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void AccumulateSome(ReadOnlySpan<byte> bins, ReadOnlySpan<int> rows, ReadOnlySpan<ulong> packed, Span<ulong> sums, bool interleave)
        {
            ref var target = ref MemoryMarshal.GetReference(sums);
            ref var b = ref MemoryMarshal.GetReference(bins);
            ref var r = ref MemoryMarshal.GetReference(rows);
            ref var v = ref MemoryMarshal.GetReference(packed);
            var i = 0;
            if (interleave)
            {
                for (; i + 4 <= rows.Length; i += 4)
                {
                    Unsafe.Add(ref target, Unsafe.Add(ref b, Unsafe.Add(ref r, i)) << 2) += Unsafe.Add(ref v, i);
                    Unsafe.Add(ref target, (Unsafe.Add(ref b, Unsafe.Add(ref r, i + 1)) << 2) + 1) += Unsafe.Add(ref v, i + 1);
                    Unsafe.Add(ref target, (Unsafe.Add(ref b, Unsafe.Add(ref r, i + 2)) << 2) + 2) += Unsafe.Add(ref v, i + 2);
                    Unsafe.Add(ref target, (Unsafe.Add(ref b, Unsafe.Add(ref r, i + 3)) << 2) + 3) += Unsafe.Add(ref v, i + 3);
                }

                for (; i < rows.Length; i++)
                {
                    Unsafe.Add(ref target, Unsafe.Add(ref b, Unsafe.Add(ref r, i)) << 2) += Unsafe.Add(ref v, i);
                }

                return;
            }

            for (; i < rows.Length; i++)
            {
                Unsafe.Add(ref target, Unsafe.Add(ref b, Unsafe.Add(ref r, i))) += Unsafe.Add(ref v, i);
            }
        }

        private void Subtract(Stat[] larger, Stat[] smaller, int[] used)
        {
            foreach (var f in used)
            {
                var target = larger.AsSpan(_x.Offsets[f], _x.Bins(f));
                var source = smaller.AsSpan(_x.Offsets[f], _x.Bins(f));
                for (var b = 0; b < target.Length; b++)
                {
                    target[b].G -= source[b].G;
                    target[b].H -= source[b].H;
                    target[b].C -= source[b].C;
                }
            }
        }

        /// <summary>The best split of a leaf over the features in use: the bin boundary that most reduces the regularised loss.</summary>
        private void FindSplit(Leaf leaf, int[] used)
        {
            leaf.SplitFeature = -1;
            leaf.SplitGain = 0;
            var minCount = _o.Trees.MinLeafCount;
            if (leaf.Count < 2 * minCount)
            {
                return;
            }

            // Gains in the units of the real gradients: G = gScale · ΣG, H = hScale · ΣH.
            var lambda = _o.L2;
            var gs = _gScale;
            var hs = _hScale;
            var minHessian = _o.MinHessian;
            double totalG = leaf.G * gs, totalH = leaf.H * hs;
            var parent = totalG * totalG / (totalH + lambda);
            foreach (var f in used)
            {
                var histogram = leaf.Histogram.AsSpan(_x.Offsets[f], _x.Bins(f));
                long gl = 0, hl = 0, cl = 0;
                for (var b = 0; b < histogram.Length - 1; b++)
                {
                    gl += histogram[b].G;
                    hl += histogram[b].H;
                    cl += histogram[b].C;
                    if (cl < minCount)
                    {
                        continue;
                    }

                    if (leaf.Count - cl < minCount)
                    {
                        break;
                    }

                    double g = gl * gs, h = hl * hs;
                    var hr = totalH - h;
                    if (h < minHessian || hr < minHessian)
                    {
                        continue;
                    }

                    var gr = totalG - g;
                    var gain = (g * g / (h + lambda)) + (gr * gr / (hr + lambda)) - parent;
                    if (gain > leaf.SplitGain + 1e-12)
                    {
                        leaf.SplitGain = gain;
                        leaf.SplitFeature = f;
                        leaf.SplitBin = b;
                        leaf.LeftG = gl;
                        leaf.LeftH = hl;
                    }
                }
            }
        }

        /// <summary>Stable, branch-free partition of the leaf's rows: those in bins up to <paramref name="bin"/> first.</summary>
        private int Partition(Leaf leaf, int f, int bin)
        {
            var bins = _x.Column(f);
            var order = _order.AsSpan(leaf.Start, leaf.Count);
            var right = _scratch.AsSpan(0, leaf.Count + 1);
            int l = 0, r = 0;
            for (var j = 0; j < order.Length; j++)
            {
                var i = order[j];
                var left = bins[i] <= bin ? 1 : 0;
                order[l] = i;
                right[r] = i;
                l += left;
                r += 1 - left;
            }

            right[..r].CopyTo(order[l..]);
            return l;
        }
    }
}

/// <summary>Settings of <see cref="HistogramBooster"/>.</summary>
/// <param name="Trees">Trees, leaves per tree, learning rate and minimum rows per leaf.</param>
/// <param name="Seed">Seed of the feature sampling.</param>
/// <param name="Threads">Threads; 0 for all cores. The result does not depend on it.</param>
internal sealed record BoostingOptions(TreeSettings Trees, int Seed, int Threads)
{
    /// <summary>Gets the L2 shrinkage of leaf values (added to each leaf's hessian sum): <see cref="TreeSettings.L2"/>.</summary>
    public double L2 => Trees.L2;

    /// <summary>Gets the most bins a feature is cut into.</summary>
    public int MaxBins { get; init; } = 255;

    /// <summary>Gets how many rows (evenly spaced) the bin boundaries are chosen from.</summary>
    public int BinningSample { get; init; } = 200_000;

    /// <summary>Gets the least hessian sum a child may have.</summary>
    public double MinHessian { get; init; } = 1e-3;

    /// <summary>Gets the share of features each tree may split on (seeded choice per tree).</summary>
    public double FeatureFraction { get; init; } = 1;

    /// <summary>Gets rows held out from the fit whose mean log-loss is measured after each tree (<see cref="BoostedTrees.ValidationLoss"/>); boosting stops once it has not improved for <see cref="BoostingValidation.Patience"/> trees.</summary>
    public BoostingValidation? Validation { get; init; }
}

/// <summary>Held-out rows watched while boosting.</summary>
/// <param name="Rows">The rows, encoded as the fitted ones (row-major).</param>
/// <param name="Labels">Their labels.</param>
/// <param name="Weights">Their weights (as the fitted rows are weighted), or null for 1 each.</param>
/// <param name="Patience">Trees without a better loss before boosting stops.</param>
internal sealed record BoostingValidation(float[] Rows, IReadOnlyList<bool> Labels, float[]? Weights, int Patience);

/// <summary>Features cut into bins, stored a feature at a time, one byte per value.</summary>
internal sealed class BinnedFeatures
{
    private readonly byte[] _bins;

    private BinnedFeatures(int rows, int features, byte[] bins, float[][] edges)
    {
        (Rows, Features, _bins, Edges) = (rows, features, bins, edges);
        Offsets = new int[features + 1];
        for (var f = 0; f < features; f++)
        {
            Offsets[f + 1] = Offsets[f] + edges[f].Length + 1;
        }
    }

    /// <summary>Gets the number of rows.</summary>
    public int Rows { get; }

    /// <summary>Gets the number of features.</summary>
    public int Features { get; }

    /// <summary>Gets, per feature, the ascending bin boundaries: bin k holds the values above boundary k − 1 and at most boundary k.</summary>
    public float[][] Edges { get; }

    /// <summary>Gets where each feature's bins start in a histogram; the last entry is the histogram's length.</summary>
    public int[] Offsets { get; }

    /// <summary>The number of bins of a feature.</summary>
    public int Bins(int feature) => Edges[feature].Length + 1;

    /// <summary>The bins of one feature, row by row.</summary>
    public ReadOnlySpan<byte> Column(int feature) => _bins.AsSpan(feature * Rows, Rows);

    /// <summary>Chooses each feature's bins from an evenly spaced sample of rows, then bins every value.</summary>
    public static BinnedFeatures Build(float[] rows, int n, int width, int maxBins, int sample, ParallelOptions parallel)
    {
        var m = Math.Min(n, sample);
        var values = new float[width][];
        for (var f = 0; f < width; f++)
        {
            values[f] = new float[m];
        }

        for (var k = 0; k < m; k++)
        {
            var r = (int)((long)k * n / m);
            var row = rows.AsSpan(r * width, width);
            for (var f = 0; f < width; f++)
            {
                values[f][k] = row[f];
            }
        }

        var edges = new float[width][];
        Parallel.For(0, width, parallel, f => edges[f] = ChooseEdges(values[f], maxBins));

        var bins = new byte[(long)n * width];
        // Boundaries padded to 256 with +∞ (no value lies above +∞, so the last block is never passed), and every 16th of them.
        var padded = new float[width * 256];
        var coarse = new float[width * 16];
        Array.Fill(padded, float.PositiveInfinity);
        for (var f = 0; f < width; f++)
        {
            edges[f].CopyTo(padded, f * 256);
            for (var k = 0; k < 16; k++)
            {
                coarse[(f * 16) + k] = padded[(f * 256) + (16 * k) + 15];
            }
        }

        const int chunk = 8_192;
        Parallel.For(0, (n + chunk - 1) / chunk, parallel, c => Assign(rows, width, edges, padded, coarse, bins, c * chunk, Math.Min(n, (c + 1) * chunk)));
        return new BinnedFeatures(n, width, bins, edges);
    }

    /// <summary>Bins rows [from, to) of every feature.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Assign(float[] rows, int width, float[][] edges, float[] padded, float[] coarse, byte[] bins, int from, int to)
    {
        var n = bins.Length / width;
        ref var table = ref MemoryMarshal.GetArrayDataReference(padded);

        // A few hundred rows at a time, so that they stay in cache while every feature is binned.
        const int step = 256;
        for (var start = from; start < to; start += step)
        {
            var end = Math.Min(to, start + step);
            for (var f = 0; f < width; f++)
            {
                var few = edges[f].Length <= 8;
                ref var e = ref Unsafe.Add(ref table, f * 256);
                ref var c = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(coarse), f * 16);
                    var column = bins.AsSpan((int)((long)f * n), n);
                for (var r = start; r < end; r++)
                {
                    var x = rows[((long)r * width) + f];
                    column[r] = (byte)(few ? BinOf(edges[f], x) : BinOfPadded(ref e, ref c, x));
                }
            }
        }
    }

    /// <summary>The bin of a value: how many boundaries lie below it (NaN: bin 0).</summary>
    public static int BinOf(float[] edges, float x)
    {
        var bin = 0;
        foreach (var e in edges)
        {
            bin += e < x ? 1 : 0;
        }

        return bin;
    }

    /// <summary>The bin of a value, branch-free: 16 coarse boundaries (every 16th) pick a block of 16, one compare within it finishes the count.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int BinOfPadded(ref float edges, ref float coarse, float x)
    {
        var v = Vector512.Create(x);
        var block = BitOperations.PopCount(Vector512.LessThan(Vector512.LoadUnsafe(ref coarse), v).ExtractMostSignificantBits());
        return (16 * block) + BitOperations.PopCount(Vector512.LessThan(Vector512.LoadUnsafe(ref edges, (nuint)(16 * block)), v).ExtractMostSignificantBits());
    }

    /// <summary>Boundaries between distinct values: one between each pair when they are few, otherwise at quantiles, with a heavy value in a bin of its own.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float[] ChooseEdges(float[] sample, int maxBins)
    {
        for (var i = 0; i < sample.Length; i++)
        {
            if (float.IsNaN(sample[i]))
            {
                sample[i] = float.NegativeInfinity;
            }
        }

        RadixSort(sample);
        var values = new float[sample.Length];
        var counts = new int[sample.Length];
        var distinct = 0;
        for (var i = 0; i < sample.Length; i++)
        {
            if (distinct > 0 && values[distinct - 1] == sample[i])
            {
                counts[distinct - 1]++;
            }
            else
            {
                values[distinct] = sample[i];
                counts[distinct++] = 1;
            }
        }

        var edges = new List<float>();
        if (distinct <= maxBins)
        {
            for (var j = 0; j + 1 < distinct; j++)
            {
                edges.Add(Between(values[j], values[j + 1]));
            }

            return [.. edges];
        }

        double remaining = sample.Length;
        var bins = maxBins;
        var target = remaining / bins;
        double filled = 0;
        for (var j = 0; j + 1 < distinct && bins > 1; j++)
        {
            filled += counts[j];
            if (filled >= target || counts[j + 1] >= target)
            {
                edges.Add(Between(values[j], values[j + 1]));
                remaining -= filled;
                filled = 0;
                bins--;
                target = remaining / bins;
            }
        }

        return [.. edges];
    }

    /// <summary>Sorts floats (no NaN) ascending: least-significant-digit radix sort on order-preserving bit patterns, four passes of 8 bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void RadixSort(float[] values)
    {
        var keys = new uint[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            // Negative numbers: flip every bit; others: flip the sign bit. Unsigned order is then numeric order.
            var bits = BitConverter.SingleToUInt32Bits(values[i]);
            keys[i] = (bits & 0x8000_0000) != 0 ? ~bits : bits | 0x8000_0000;
        }

        var buffer = new uint[values.Length];
        Span<int> offsets = stackalloc int[256];
        for (var shift = 0; shift < 32; shift += 8)
        {
            offsets.Clear();
            foreach (var k in keys)
            {
                offsets[(int)((k >> shift) & 0xFF)]++;
            }

            var sum = 0;
            for (var b = 0; b < 256; b++)
            {
                (offsets[b], sum) = (sum, sum + offsets[b]);
            }

            foreach (var k in keys)
            {
                buffer[offsets[(int)((k >> shift) & 0xFF)]++] = k;
            }

            (keys, buffer) = (buffer, keys);
        }

        for (var i = 0; i < values.Length; i++)
        {
            var k = keys[i];
            values[i] = BitConverter.UInt32BitsToSingle((k & 0x8000_0000) != 0 ? k & 0x7FFF_FFFF : ~k);
        }
    }

    /// <summary>A boundary b with a &lt;= b &lt; c: the midpoint when float rounding allows, else a.</summary>
    private static float Between(float a, float c)
    {
        var mid = (float)(((double)a + c) / 2);
        return mid >= a && mid < c ? mid : a;
    }
}
