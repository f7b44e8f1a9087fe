using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Churn.Abstractions;

namespace Churn.Modeling;

/// <summary>
/// A churn model compiled for speed: the boosted trees flattened into arrays (one node record per
/// split, leaves folded into the child indices), the logistic model reduced to a weight vector,
/// and the calibrations applied in line. It gives the same probabilities as
/// <see cref="ChurnModel.Score(ModelTable)"/> (to float rounding) at a fraction of the cost, for
/// batches and for one customer at a time.
/// </summary>
/// <remarks>Immutable and thread-safe: scoring allocates nothing and shares no state.</remarks>
internal sealed class FastChurnScorer
{
    private readonly ILearner[] _learners;
    private readonly double[] _weights;
    private readonly PlattCalibrator _calibrator;
    private readonly IsotonicCalibrator? _isotonic;
    private readonly bool _eightAtATime;
    private readonly double[] _means;
    private readonly double[] _codes;
    private readonly float[] _floatCodes;
    private readonly int[] _snapshotSlots;
    private readonly IReadOnlyList<FeatureSpec> _specs;

    // The last snapshot schema seen and where its features sit; replaced whole, so readers on other
    // threads always see a consistent pair.
    private (FeatureSchema? Schema, int[] Indices) _lastMap = (null, []);

    private FastChurnScorer(ILearner[] learners, double[] weights, PlattCalibrator calibrator, IsotonicCalibrator? isotonic, Featurizer featurizer)
    {
        _isotonic = isotonic;
        _learners = learners;
        _weights = weights;
        _calibrator = calibrator;
        FeatureCount = featurizer.FeatureNames.Count;
        _specs = featurizer.Specs;
        _means = new double[FeatureCount];
        _codes = new double[FeatureCount];
        Array.Fill(_means, double.NaN);
        Array.Fill(_codes, double.NaN);
        var offset = 0;
        foreach (var spec in featurizer.Specs)
        {
            if (spec.Kind == ModelColumnKind.Numeric)
            {
                _means[offset] = spec.Mean;
                _codes[offset] = spec.MissingCode;
                offset++;
            }
            else
            {
                offset += spec.Levels.Count + 1;
            }
        }

        _floatCodes = [.. _codes.Select(c => (float)c)];
        _snapshotSlots = featurizer.Specs.All(s => s.Kind == ModelColumnKind.Numeric) ? [.. Enumerable.Range(0, FeatureCount)] : [];

        // Forests too large to bin score eight customers per compare, where every forest can.
        _eightAtATime = Vector512.IsHardwareAccelerated
            && learners.Any(l => l is Forest { IsBinned: false, CanScoreEight: true })
            && learners.All(l => l is not Forest f || f.CanScoreEight);
    }

    private interface ILearner
    {
        double Probability(ReadOnlySpan<float> row, ReadOnlySpan<double> means, ReadOnlySpan<double> codes);
    }

    /// <summary>
    /// Scores a block of raw encoded rows (missing numbers NaN) as they are and, for each input
    /// column, with that column's slots set to its typical value: the numbers behind the reasons.
    /// Each learner's own argument z (p = 1 / (1 + exp(z))) is kept per row; a numeric column then
    /// changes a linear learner's z by its weight times the change, and a forest's only when the
    /// new value falls on the other side of one of the forest's thresholds on that column, in which
    /// case that row's forest alone is walked again. The calibration runs vectorised, a column at a time.
    /// </summary>
    /// <param name="rows">The block, <see cref="FeatureCount"/> floats per row.</param>
    /// <param name="specs">The columns, in the featurizer's order.</param>
    /// <param name="baseline">Receives each row's probability.</param>
    /// <param name="changed">Receives, column-major, each row's probability with each column typical (specs × rows).</param>
    internal void ExplainBlock(ReadOnlySpan<float> rows, IReadOnlyList<FeatureSpec> specs, Span<double> baseline, Span<double> changed)
    {
        var n = baseline.Length;
        var width = FeatureCount;
        var learners = _learners.Length;
        var oneForest = _learners is [Forest];
        var coded = new float[n * width];
        var z = new double[n * learners];
        var p = new double[n * learners];
        for (var r = 0; r < n; r++)
        {
            var row = rows.Slice(r * width, width);
            var c = coded.AsSpan(r * width, width);
            Substitute(row, c);
            for (var l = 0; l < learners; l++)
            {
                var v = z[(r * learners) + l] = Z(_learners[l], row, c);
                p[(r * learners) + l] = 1 / (1 + Math.Exp(v));
            }

            baseline[r] = oneForest ? -z[r] : Weighted(p.AsSpan(r * learners, learners));
        }

        Calibrate(baseline, oneForest);
        var patchedCoded = new float[width];
        var patchedRaw = new float[width];
        var isForest = _learners.Select(l => l is Forest).ToArray();
        var thresholds = new float[]?[learners];
        var typicalBin = new int[learners];
        var shift = new double[learners];
        var offset = 0;
        for (var f = 0; f < specs.Count; f++)
        {
            var spec = specs[f];
            var column = changed.Slice(f * n, n);
            if (spec.Kind == ModelColumnKind.Numeric)
            {
                var o = offset++;
                var m = (float)spec.Mean;

                // Per learner, once per column: a linear learner's weight, a forest's thresholds on
                // the column and the branch the typical value takes.
                for (var l = 0; l < learners; l++)
                {
                    if (_learners[l] is Forest forest)
                    {
                        thresholds[l] = forest.ThresholdsOf(o);
                        typicalBin[l] = thresholds[l] is { } t ? Forest.Below(t, m) : 0;
                    }
                    else
                    {
                        shift[l] = ((Linear)_learners[l]).SlopedWeight(o);
                    }
                }

                for (var r = 0; r < n; r++)
                {
                    var x = rows[(r * width) + o];
                    var xl = float.IsNaN(x) ? (float)_means[o] : x;
                    var xc = coded[(r * width) + o];
                    var patched = false;
                    double sum = 0, single = 0;
                    for (var l = 0; l < learners; l++)
                    {
                        var at = (r * learners) + l;
                        double moved;
                        if (!isForest[l])
                        {
                            moved = z[at] + (shift[l] * ((double)m - xl));
                        }
                        else if (thresholds[l] is not { } t || (t.Length > 0 && Forest.Below(t, xc) == typicalBin[l]))
                        {
                            sum += _weights[l] * p[at];
                            single = z[at];
                            continue;
                        }
                        else
                        {
                            if (!patched)
                            {
                                coded.AsSpan(r * width, width).CopyTo(patchedCoded);
                                patchedCoded[o] = m;
                                patched = true;
                            }

                            moved = ((Forest)_learners[l]).Raw(patchedCoded);
                        }

                        single = moved;
                        sum += _weights[l] / (1 + Math.Exp(moved));
                    }

                    column[r] = oneForest ? -single : sum;
                }
            }
            else
            {
                // A category: its one-hot slots become the most common level's (or "other").
                var end = offset + spec.Levels.Count + 1;
                var hot = spec.Levels.Count > 0 ? offset : end - 1;
                for (var r = 0; r < n; r++)
                {
                    rows.Slice(r * width, width).CopyTo(patchedRaw);
                    coded.AsSpan(r * width, width).CopyTo(patchedCoded);
                    patchedRaw.AsSpan(offset, end - offset).Clear();
                    patchedCoded.AsSpan(offset, end - offset).Clear();
                    patchedRaw[hot] = patchedCoded[hot] = 1;
                    double sum = 0, single = 0;
                    for (var l = 0; l < learners; l++)
                    {
                        single = Z(_learners[l], patchedRaw, patchedCoded);
                        sum += _weights[l] / (1 + Math.Exp(single));
                    }

                    column[r] = oneForest ? -single : sum;
                }

                offset = end;
            }

            Calibrate(column, oneForest);
        }
    }

    /// <summary>The learners' probabilities weighted by the blend's weights.</summary>
    private double Weighted(ReadOnlySpan<double> values)
    {
        double sum = 0;
        for (var l = 0; l < values.Length; l++)
        {
            sum += _weights[l] * values[l];
        }

        return sum;
    }

    /// <summary>A learner's argument z for one row (raw for linear learners, coded for forests).</summary>
    private double Z(ILearner learner, ReadOnlySpan<float> row, ReadOnlySpan<float> coded) =>
        learner is Forest forest ? forest.Raw(coded) : ((Linear)learner).Raw(row, _means);

    /// <summary>Calibrates, in place, averaged learner probabilities (or, for one forest, its logits).</summary>
    private void Calibrate(Span<double> values, bool logits)
    {
        if (logits)
        {
            _calibrator.ApplyLogitInPlace(values);
        }
        else
        {
            _calibrator.ApplyInPlace(values);
        }

        _isotonic?.ApplyInPlace(values);
    }

    /// <summary>Gets how each tree learner is laid out: "binned", "quick" (split by split) or "walk" (node by node).</summary>
    internal IReadOnlyList<string> ForestLayouts => [.. _learners.OfType<Forest>().Select(f => f.IsBinned ? "binned" : f.CanScoreEight ? "quick" : "walk")];

    /// <summary>Gets the number of encoded features a row has.</summary>
    public int FeatureCount { get; }

    /// <summary>Scores one encoded row (missing numbers as NaN).</summary>
    /// <param name="row">The encoded features, as <see cref="ChurnModel.Featurizer"/> lays them out.</param>
    /// <returns>The calibrated probability.</returns>
    public double Score(ReadOnlySpan<float> row)
    {
        if (row.Length != FeatureCount)
        {
            throw new ArgumentException($"The row has {row.Length} features; the model takes {FeatureCount}.", nameof(row));
        }

        // Trees take missing values as the training missing-code, linear models as the mean:
        // substitute once per row rather than at every split.
        Span<float> coded = FeatureCount <= 512 ? stackalloc float[FeatureCount] : new float[FeatureCount];
        Substitute(row, coded);
        var p = Combine(row, coded);
        return _isotonic?.Apply(p) ?? p;
    }

    /// <summary>Scores a snapshot whose features include the model's (numeric models only).</summary>
    /// <param name="snapshot">The snapshot.</param>
    /// <returns>The calibrated probability.</returns>
    /// <exception cref="NotSupportedException">The model has categorical inputs, which snapshots do not carry.</exception>
    /// <exception cref="KeyNotFoundException">The snapshot lacks a feature the model needs.</exception>
    public double Score(CustomerSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (_snapshotSlots.Length != FeatureCount)
        {
            throw new NotSupportedException("This model has categorical inputs; score it with ChurnModel.Score(ModelTable).");
        }

        // Map the snapshot's schema to the model's features once per schema, not once per call.
        var map = _lastMap;
        if (!ReferenceEquals(map.Schema, snapshot.Schema))
        {
            var indices = new int[FeatureCount];
            for (var i = 0; i < FeatureCount; i++)
            {
                indices[i] = snapshot.Schema.IndexOf(_specs[i].Name);
                if (indices[i] < 0)
                {
                    throw new KeyNotFoundException($"The snapshot has no feature '{_specs[i].Name}', which the model needs.");
                }
            }

            map = (snapshot.Schema, indices);
            _lastMap = map;
        }

        Span<float> row = FeatureCount <= 256 ? stackalloc float[FeatureCount] : new float[FeatureCount];
        var values = snapshot.Values;
        for (var i = 0; i < FeatureCount; i++)
        {
            row[i] = (float)values[map.Indices[i]];
        }

        return Score(row);
    }

    /// <summary>Scores many encoded rows (row-major), on all cores for large batches.</summary>
    /// <param name="rows">Rows × <see cref="FeatureCount"/> floats.</param>
    /// <param name="probabilities">Receives one probability per row.</param>
    public void ScoreBatch(ReadOnlyMemory<float> rows, Memory<double> probabilities)
    {
        var n = probabilities.Length;
        if (rows.Length != (long)n * FeatureCount)
        {
            throw new ArgumentException($"{rows.Length} floats do not make {n} rows of {FeatureCount} features.", nameof(rows));
        }

        const int chunk = 4096;
        var chunks = (n + chunk - 1) / chunk;
        if (chunks <= 1)
        {
            Score(rows.Span, probabilities.Span, 0, n);
            return;
        }

        Parallel.For(0, chunks, k => Score(rows.Span, probabilities.Span, k * chunk, Math.Min(n, (k + 1) * chunk)));
    }

    internal static FastChurnScorer? TryCompile(IReadOnlyList<IFittedLearner> learners, double[] weights, PlattCalibrator calibrator, IsotonicCalibrator? isotonic, Featurizer featurizer)
    {
        var compiled = new List<ILearner>();
        foreach (var learner in learners)
        {
            ILearner? c = learner.Compile() switch
            {
                // Trees that index out of range or loop come from a damaged file: refused, never walked by another scorer.
                CompiledTrees trees => Forest.From(trees, featurizer.FeatureNames.Count)
                    ?? throw new ModelFileException($"The trees of the {learner.GetType().Name} learner are malformed (a node or leaf index out of range, or a child before its parent): the model file is damaged."),
                CompiledLinear linear when linear.Weights.Length == featurizer.FeatureNames.Count => Linear.From(linear),
                _ => null,
            };
            if (c is null)
            {
                return null;
            }

            compiled.Add(c);
        }

        return new FastChurnScorer([.. compiled], weights, calibrator, isotonic, featurizer);
    }

    /// <summary>Gets a value indicating whether snapshots can be scored directly (every input is numeric).</summary>
    public bool CanScoreSnapshots => _snapshotSlots.Length == FeatureCount;

    /// <summary>Scores encoded rows on the calling thread.</summary>
    /// <param name="rows">Row-major rows, <see cref="FeatureCount"/> each.</param>
    /// <param name="probabilities">Receives one probability per row.</param>
    public void ScoreSerial(ReadOnlySpan<float> rows, Span<double> probabilities)
    {
        if (rows.Length != (long)probabilities.Length * FeatureCount)
        {
            throw new ArgumentException($"{rows.Length} floats do not make {probabilities.Length} rows of {FeatureCount} features.", nameof(rows));
        }

        Score(rows, probabilities, 0, probabilities.Length);
    }

    private void Score(ReadOnlySpan<float> rows, Span<double> probabilities, int from, int to)
    {
        if (_eightAtATime)
        {
            ScoreEight(rows, probabilities, from, to);
        }
        else
        {
            ScoreRows(rows, probabilities, from, to);
        }

        _isotonic?.ApplyInPlace(probabilities[from..to]);
    }

    /// <summary>Row by row; for a single forest, the calibration sigmoids are taken a block at a time, vectorised.</summary>
    private void ScoreRows(ReadOnlySpan<float> rows, Span<double> probabilities, int from, int to)
    {
        var features = FeatureCount;
        Span<float> coded = features <= 512 ? stackalloc float[features] : new float[features];
        if (_learners is not [Forest only])
        {
            for (var r = from; r < to; r++)
            {
                var row = rows.Slice(r * features, features);
                Substitute(row, coded);
                probabilities[r] = Combine(row, coded);
            }

            return;
        }

        const int block = 256;
        Span<double> z = stackalloc double[block];
        for (var r = from; r < to; r += block)
        {
            var count = Math.Min(block, to - r);
            for (var j = 0; j < count; j++)
            {
                Substitute(rows.Slice((r + j) * features, features), coded);
                z[j] = _calibrator.Linear(-only.Raw(coded));
            }

            Lanes.Apply(z[..count], values => TensorPrimitives.Sigmoid<double>(values, values));
            z[..count].CopyTo(probabilities.Slice(r, count));
        }
    }

    /// <summary>Replaces missing values by the trees' missing codes.</summary>
    private void Substitute(ReadOnlySpan<float> row, Span<float> coded)
    {
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            ref var source = ref MemoryMarshal.GetReference(row);
            ref var codes = ref MemoryMarshal.GetArrayDataReference(_floatCodes);
            ref var target = ref MemoryMarshal.GetReference(coded);
            for (; i + 16 <= row.Length; i += 16)
            {
                var v = Vector512.LoadUnsafe(ref source, (nuint)i);
                Vector512.ConditionalSelect(Vector512.Equals(v, v), v, Vector512.LoadUnsafe(ref codes, (nuint)i)).StoreUnsafe(ref target, (nuint)i);
            }
        }

        for (; i < row.Length; i++)
        {
            var v = row[i];
            coded[i] = float.IsNaN(v) ? _floatCodes[i] : v;
        }
    }

    /// <summary>Combines the learners for one row (<paramref name="coded"/>: missing values substituted).</summary>
    private double Combine(ReadOnlySpan<float> row, ReadOnlySpan<float> coded)
    {
        if (_learners is [Forest only])
        {
            // One forest: its own Platt sigmoid followed by ours is sigmoid(A·(−z) + B) with z its
            // sigmoid's argument, so skip the logit of the sigmoid and take one exp.
            return _calibrator.ApplyLogit(-only.Raw(coded));
        }

        double sum = 0;
        for (var l = 0; l < _learners.Length; l++)
        {
            var learner = _learners[l];
            sum += _weights[l] * learner.Probability(learner is Forest ? coded : row, _means, _codes);
        }

        return _calibrator.Apply(sum);
    }

    /// <summary>Eight customers at a time through the split-by-split layout, for forests too large to bin.</summary>
    private void ScoreEight(ReadOnlySpan<float> rows, Span<double> probabilities, int from, int to)
    {
        var r = from;

        // Eight customers at a time: each split is one 8-lane compare and mask update.
        Span<double> sum = stackalloc double[8];
        Span<double> part = stackalloc double[8];
        var coded = new double[8 * FeatureCount];
        var scratch = new Vector512<ulong>[_learners.OfType<Forest>().Select(f => f.Trees).DefaultIfEmpty(0).Max()];
        for (; r + 8 <= to; r += 8)
        {
            var block = rows.Slice(r * FeatureCount, 8 * FeatureCount);
            for (var j = 0; j < 8; j++)
            {
                var source = block.Slice(j * FeatureCount, FeatureCount);
                for (var f = 0; f < source.Length; f++)
                {
                    var v = source[f];
                    coded[(f * 8) + j] = float.IsNaN(v) ? _floatCodes[f] : v;
                }
            }

            if (_learners.Length == 1 && _learners[0] is Forest only)
            {
                // One forest: its own Platt sigmoid followed by ours is sigmoid(A·(−z) + B) with
                // z its sigmoid's argument, so skip the logit of the sigmoid and take one exp.
                only.RawEight(coded, scratch, part);
                for (var j = 0; j < 8; j++)
                {
                    probabilities[r + j] = _calibrator.ApplyLogit(-part[j]);
                }

                continue;
            }

            sum.Clear();
            for (var l = 0; l < _learners.Length; l++)
            {
                var weight = _weights[l];
                if (_learners[l] is Forest forest)
                {
                    forest.ProbabilityEight(coded, scratch, part);
                    for (var j = 0; j < 8; j++)
                    {
                        sum[j] += weight * part[j];
                    }
                }
                else
                {
                    for (var j = 0; j < 8; j++)
                    {
                        sum[j] += weight * _learners[l].Probability(block.Slice(j * FeatureCount, FeatureCount), _means, _codes);
                    }
                }
            }

            for (var j = 0; j < 8; j++)
            {
                probabilities[r + j] = _calibrator.Apply(sum[j]);
            }
        }

        Span<float> one = FeatureCount <= 512 ? stackalloc float[FeatureCount] : new float[FeatureCount];
        for (; r < to; r++)
        {
            var row = rows.Slice(r * FeatureCount, FeatureCount);
            Substitute(row, one);
            probabilities[r] = Combine(row, one);
        }
    }

    /// <summary>Boosted trees in flat arrays.</summary>
    private sealed class Forest : ILearner
    {
        private readonly int[] _roots;
        private readonly int[] _feature;
        private readonly float[] _threshold;
        private readonly int[] _children;
        private readonly double[] _leaf;
        private readonly double _bias;
        private readonly double _slope;
        private readonly double _offset;

        // QuickScorer layout (Lucchese et al. 2015): per feature, every split on it sorted by
        // threshold, with the tree it belongs to and the bit mask of that tree's leaves (numbered
        // left to right) that a "go right" answer rules out. A row clears bits feature by feature;
        // each tree's exit leaf is then its lowest remaining bit.
        private readonly int[] _featureStart = [];
        private readonly float[] _qsThreshold = [];
        private readonly float[]?[] _thresholdsByFeature = [];
        private readonly int[] _qsTree = [];
        private readonly ulong[] _qsMask = [];
        private readonly double[] _qsLeaf = [];
        private readonly int _trees;
        private readonly bool _quick;
        private readonly BinnedForest? _binned;

        private Forest(int[] roots, int[] feature, float[] threshold, int[] left, int[] right, double[] leaf, double bias, double slope, double offset)
        {
            (_roots, _feature, _threshold, _leaf, _bias, _slope, _offset) = (roots, feature, threshold, leaf, bias, slope, offset);

            // Children interleaved (left at 2n, right at 2n + 1) so a split is one indexed load.
            _children = new int[left.Length * 2];
            for (var n = 0; n < left.Length; n++)
            {
                _children[2 * n] = left[n];
                _children[(2 * n) + 1] = right[n];
            }

            _trees = roots.Length;
            var splits = new List<(int Feature, float Threshold, int Tree, ulong Mask)>();
            var leafValues = new double[roots.Length * 64];
            var leafCounts = new int[roots.Length];
            _quick = true;
            for (var t = 0; t < roots.Length && _quick; t++)
            {
                // Number the leaves left to right; record, for each split, the leaves of its left subtree.
                var order = 0;
                (ulong Leaves, bool Ok) Walk(int n)
                {
                    if (n < 0)
                    {
                        if (order >= 64)
                        {
                            return (0, false);
                        }

                        leafValues[(t * 64) + order] = leaf[~n];
                        return (1UL << order++, true);
                    }

                    var (l, okL) = Walk(left[n]);
                    var (r, okR) = Walk(right[n]);
                    if (!float.IsPositiveInfinity(threshold[n]))
                    {
                        splits.Add((feature[n], threshold[n], t, ~l));
                    }

                    return (l | r, okL && okR);
                }

                _quick = Walk(roots[t]).Ok;
                leafCounts[t] = order;
            }

            if (_quick)
            {
                var features = splits.Count == 0 ? 0 : splits.Max(x => x.Feature) + 1;
                var sorted = splits.OrderBy(x => x.Feature).ThenBy(x => x.Threshold).ToArray();
                _featureStart = new int[features + 1];
                foreach (var x in sorted)
                {
                    _featureStart[x.Feature + 1]++;
                }

                for (var f = 0; f < features; f++)
                {
                    _featureStart[f + 1] += _featureStart[f];
                }

                _qsThreshold = [.. sorted.Select(x => x.Threshold)];
                _thresholdsByFeature = [.. Enumerable.Range(0, features).Select(f => _featureStart[f + 1] > _featureStart[f] ? _qsThreshold[_featureStart[f].._featureStart[f + 1]] : null)];
                _qsTree = [.. sorted.Select(x => x.Tree)];
                _qsMask = [.. sorted.Select(x => x.Mask)];
                _qsLeaf = leafValues;
                _binned = BinnedForest.TryBuild(_trees, leafCounts, splits, leafValues);
            }
        }

        /// <summary>Takes a compiled ensemble; a root that is a single leaf becomes a node that always goes left to it.</summary>
        public static Forest? From(CompiledTrees trees, int width)
        {
            int nodes = trees.Feature.Length, leaves = trees.Leaves.Length;
            if (trees.Threshold.Length != nodes || trees.Left.Length != nodes || trees.Right.Length != nodes)
            {
                return null;
            }

            bool Valid(int child) => child >= 0 ? child < nodes : ~child < leaves;
            for (var n = 0; n < nodes; n++)
            {
                // Children come after their parent, so no walk can loop.
                if ((uint)trees.Feature[n] >= (uint)width || !Valid(trees.Left[n]) || !Valid(trees.Right[n]) || (trees.Left[n] >= 0 && trees.Left[n] <= n) || (trees.Right[n] >= 0 && trees.Right[n] <= n))
                {
                    return null;
                }
            }

            var roots = new int[trees.Roots.Length];
            var feature = new List<int>(trees.Feature);
            var threshold = new List<float>(trees.Threshold);
            var left = new List<int>(trees.Left);
            var right = new List<int>(trees.Right);
            for (var t = 0; t < roots.Length; t++)
            {
                roots[t] = trees.Roots[t];
                if (!Valid(roots[t]))
                {
                    return null;
                }

                if (roots[t] < 0)
                {
                    roots[t] = feature.Count;
                    feature.Add(0);
                    threshold.Add(float.PositiveInfinity);
                    left.Add(trees.Roots[t]);
                    right.Add(trees.Roots[t]);
                }
            }

            return new Forest(roots, [.. feature], [.. threshold], [.. left], [.. right], [.. trees.Leaves], trees.Bias, trees.Slope, trees.Offset);
        }

        public double Probability(ReadOnlySpan<float> row, ReadOnlySpan<double> means, ReadOnlySpan<double> codes)
            => 1 / (1 + Math.Exp(Raw(row)));

        /// <summary>Gets a value indicating whether the binned layout applies.</summary>
        public bool IsBinned => _binned is not null;

        /// <summary>The argument z of the forest's calibration sigmoid, p = 1 / (1 + exp(z)), for one customer (no NaN).</summary>
        public double Raw(ReadOnlySpan<float> row)
        {
            if (_binned is not null)
            {
                return (_slope * (_bias + _binned.Sum(row))) + _offset;
            }

            if (_quick)
            {
                return QuickRaw(row);
            }

            // The row has no NaN here (see Score). Each split is branch-free: the comparison picks
            // the child by index, so unpredictable splits cost no mispredictions.
            var score = _bias;
            ref var feature = ref MemoryMarshal.GetArrayDataReference(_feature);
            ref var threshold = ref MemoryMarshal.GetArrayDataReference(_threshold);
            ref var children = ref MemoryMarshal.GetArrayDataReference(_children);
            ref var values = ref MemoryMarshal.GetReference(row);
            foreach (var root in _roots)
            {
                var n = root;
                do
                {
                    var v = Unsafe.Add(ref values, Unsafe.Add(ref feature, n));
                    var right = v > Unsafe.Add(ref threshold, n) ? 1 : 0;
                    n = Unsafe.Add(ref children, (2 * n) + right);
                }
                while (n >= 0);

                score += _leaf[~n];
            }

            return (_slope * score) + _offset;
        }

        /// <summary>Gets the number of trees.</summary>
        public int Trees => _trees;

        /// <summary>Gets the forest's thresholds on a feature, ascending (null when it never splits on it); two values take the same branch at every split on the feature when they exceed the same number of them.</summary>
        /// <remarks>Forests laid out node by node keep no such list: they return an empty one, and every value is then walked again.</remarks>
        public float[]? ThresholdsOf(int feature)
        {
            if (!_quick)
            {
                return [];
            }

            return feature < _thresholdsByFeature.Length ? _thresholdsByFeature[feature] : null;
        }

        /// <summary>How many (ascending) thresholds a value exceeds, that is, goes right at.</summary>
        public static int Below(ReadOnlySpan<float> thresholds, float x)
        {
            int lo = 0, hi = thresholds.Length;
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if (x > thresholds[mid])
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid;
                }
            }

            return lo;
        }

        /// <summary>Gets a value indicating whether the bit-vector layout applies (every tree has at most 64 leaves).</summary>
        public bool CanScoreEight => _quick;

        /// <summary>Scores eight customers at once; <paramref name="coded"/> holds feature f of customer j at [f * 8 + j], no NaN.</summary>
        public void ProbabilityEight(ReadOnlySpan<double> coded, Vector512<ulong>[] scratch, Span<double> probabilities)
        {
            RawEight(coded, scratch, probabilities);
            for (var j = 0; j < 8; j++)
            {
                probabilities[j] = 1 / (1 + Math.Exp(probabilities[j]));
            }
        }

        /// <summary>The argument z of the forest's calibration sigmoid, p = 1 / (1 + exp(z)), for eight customers.</summary>
        public void RawEight(ReadOnlySpan<double> coded, Vector512<ulong>[] scratch, Span<double> output)
        {
            var leaves = scratch.AsSpan(0, _trees);
            leaves.Fill(Vector512<ulong>.AllBitsSet);
            var features = _featureStart.Length - 1;
            ref var thresholds = ref MemoryMarshal.GetArrayDataReference(_qsThreshold);
            ref var trees = ref MemoryMarshal.GetArrayDataReference(_qsTree);
            ref var masks = ref MemoryMarshal.GetArrayDataReference(_qsMask);
            ref var leaf0 = ref MemoryMarshal.GetReference(leaves);
            for (var f = 0; f < features; f++)
            {
                var x = Vector512.Create(coded.Slice(f * 8, 8));
                var end = _featureStart[f + 1];
                for (var i = _featureStart[f]; i < end; i++)
                {
                    var right = Vector512.GreaterThan(x, Vector512.Create((double)Unsafe.Add(ref thresholds, i))).AsUInt64();
                    if (right == Vector512<ulong>.Zero)
                    {
                        // Thresholds ascend: no later split on this feature sends anyone right.
                        break;
                    }

                    ref var m = ref Unsafe.Add(ref leaf0, Unsafe.Add(ref trees, i));
                    m &= Vector512.Create(Unsafe.Add(ref masks, i)) | ~right;
                }
            }

            Span<double> score = stackalloc double[8];
            if (Avx512CD.IsSupported && Avx2.IsSupported)
            {
                // Exit leaves of all eight customers at once: lowest set bit by leading-zero count of
                // the isolated bit, leaf values fetched with two 4-lane gathers.
                var lo = Vector256.Create(_bias);
                var hi = lo;
                unsafe
                {
                    fixed (double* values = _qsLeaf)
                    {
                        for (var t = 0; t < _trees; t++)
                        {
                            var m = leaves[t];
                            var lowest = m & (Vector512<ulong>.Zero - m);
                            var index = (Vector512.Create((ulong)((t * 64) + 63)) - Avx512CD.LeadingZeroCount(lowest)).AsInt64();
                            lo += Avx2.GatherVector256(values, index.GetLower(), 8);
                            hi += Avx2.GatherVector256(values, index.GetUpper(), 8);
                        }
                    }
                }

                lo.CopyTo(score);
                hi.CopyTo(score[4..]);
            }
            else
            {
                score.Fill(_bias);
                var bits = MemoryMarshal.Cast<Vector512<ulong>, ulong>(leaves);
                ref var leafValues = ref MemoryMarshal.GetArrayDataReference(_qsLeaf);
                for (var t = 0; t < _trees; t++)
                {
                    var row = bits.Slice(t * 8, 8);
                    var baseIndex = t * 64;
                    for (var j = 0; j < 8; j++)
                    {
                        score[j] += Unsafe.Add(ref leafValues, baseIndex + BitOperations.TrailingZeroCount(row[j]));
                    }
                }
            }

            for (var j = 0; j < 8; j++)
            {
                output[j] = (_slope * score[j]) + _offset;
            }
        }

        private double QuickRaw(ReadOnlySpan<float> row)
        {
            Span<ulong> leaves = _trees <= 512 ? stackalloc ulong[_trees] : new ulong[_trees];
            leaves.Fill(ulong.MaxValue);
            ref var thresholds = ref MemoryMarshal.GetArrayDataReference(_qsThreshold);
            ref var trees = ref MemoryMarshal.GetArrayDataReference(_qsTree);
            ref var masks = ref MemoryMarshal.GetArrayDataReference(_qsMask);
            ref var mask = ref MemoryMarshal.GetReference(leaves);
            var features = Math.Min(row.Length, _featureStart.Length - 1);
            for (var f = 0; f < features; f++)
            {
                var x = row[f];
                var end = _featureStart[f + 1];
                for (var i = _featureStart[f]; i < end && x > Unsafe.Add(ref thresholds, i); i++)
                {
                    Unsafe.Add(ref mask, Unsafe.Add(ref trees, i)) &= Unsafe.Add(ref masks, i);
                }
            }

            var score = _bias;
            for (var t = 0; t < leaves.Length; t++)
            {
                score += _qsLeaf[(t * 64) + BitOperations.TrailingZeroCount(leaves[t])];
            }

            return (_slope * score) + _offset;
        }
    }

    /// <summary>Standardisation, weights and calibration of the logistic model.</summary>
    private sealed class Linear : ILearner
    {
        private readonly double[] _weights;
        private readonly double _bias;
        private readonly double _slope;
        private readonly double _offset;

        private Linear(double[] weights, double bias, double slope, double offset) => (_weights, _bias, _slope, _offset) = (weights, bias, slope, offset);

        /// <summary>Takes a compiled linear model.</summary>
        public static Linear From(CompiledLinear model) => new([.. model.Weights], model.Bias, model.Slope, model.Offset);

        /// <summary>The argument z of p = 1 / (1 + exp(z)) for one raw row (missing values take the mean).</summary>
        public double Raw(ReadOnlySpan<float> row, ReadOnlySpan<double> means)
        {
            var score = _bias;
            for (var i = 0; i < _weights.Length; i++)
            {
                var v = row[i];
                score += _weights[i] * (float.IsNaN(v) ? (float)means[i] : v);
            }

            return (_slope * score) + _offset;
        }

        /// <summary>How much z moves per unit of one input: the slope times its weight.</summary>
        public double SlopedWeight(int feature) => _slope * _weights[feature];

        public double Probability(ReadOnlySpan<float> row, ReadOnlySpan<double> means, ReadOnlySpan<double> codes)
        {
            var score = _bias;
            for (var i = 0; i < _weights.Length; i++)
            {
                var v = row[i];
                score += _weights[i] * (float.IsNaN(v) ? (float)means[i] : v);
            }

            return 1 / (1 + Math.Exp((_slope * score) + _offset));
        }
    }
}
