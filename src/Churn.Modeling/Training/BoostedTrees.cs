namespace Churn.Modeling;

/// <summary>
/// A fitted ensemble of the histogram boosting learner: regression trees on the encoded features
/// whose leaf values add up, with the bias, to the log-odds of churn. A split sends a row left when
/// its value is at most the threshold (a missing value goes left too, as the lowest value would).
/// </summary>
/// <remarks>Immutable and thread-safe.</remarks>
internal sealed class BoostedTrees
{
    private const uint Magic = 0x42485443; // "CTHB" little-endian: Churn Tree Histogram Boosting
    private const int Version = 1;
    private const string What = "the tree ensemble";

    /// <summary>Initializes a new instance of the <see cref="BoostedTrees"/> class.</summary>
    /// <param name="featureCount">Encoded features a row has.</param>
    /// <param name="bias">The starting log-odds.</param>
    /// <param name="roots">Per tree, its root: a node index, or <c>~leaf</c> for a tree that is a single leaf.</param>
    /// <param name="feature">Per node, the feature it splits on.</param>
    /// <param name="threshold">Per node, the threshold (left when value &lt;= threshold).</param>
    /// <param name="left">Per node, the left child: node index, or <c>~leaf</c>.</param>
    /// <param name="right">Per node, the right child: node index, or <c>~leaf</c>.</param>
    /// <param name="leaves">Leaf values (log-odds, learning rate applied).</param>
    /// <param name="gains">Per feature, the total loss reduction of its splits (global importance).</param>
    public BoostedTrees(int featureCount, double bias, int[] roots, int[] feature, float[] threshold, int[] left, int[] right, double[] leaves, double[] gains)
    {
        (FeatureCount, Bias, Roots, Feature, Threshold, Left, Right, Leaves, Gains) = (featureCount, bias, roots, feature, threshold, left, right, leaves, gains);
        Check();
    }

    /// <summary>Gets the number of encoded features a row has.</summary>
    public int FeatureCount { get; }

    /// <summary>Gets the held-out rows' mean log-loss after each tree, when the fit watched some (<see cref="BoostingOptions.Validation"/>); not saved.</summary>
    public double[]? ValidationLoss { get; init; }

    /// <summary>Gets the starting log-odds.</summary>
    public double Bias { get; }

    /// <summary>Gets each tree's root (node index, or <c>~leaf</c>).</summary>
    public int[] Roots { get; }

    /// <summary>Gets each node's split feature.</summary>
    public int[] Feature { get; }

    /// <summary>Gets each node's threshold.</summary>
    public float[] Threshold { get; }

    /// <summary>Gets each node's left child.</summary>
    public int[] Left { get; }

    /// <summary>Gets each node's right child.</summary>
    public int[] Right { get; }

    /// <summary>Gets the leaf values.</summary>
    public double[] Leaves { get; }

    /// <summary>Gets each feature's total split gain.</summary>
    public double[] Gains { get; }

    /// <summary>The log-odds of one row, walking every tree.</summary>
    /// <param name="row">The encoded row.</param>
    /// <returns>The bias plus the leaf value of each tree.</returns>
    public double Margin(ReadOnlySpan<float> row) => Margin(row, Roots.Length);

    /// <summary>The log-odds of one row from the first <paramref name="trees"/> trees.</summary>
    /// <param name="row">The encoded row.</param>
    /// <param name="trees">How many trees, from the first.</param>
    /// <returns>The log-odds.</returns>
    public double Margin(ReadOnlySpan<float> row, int trees)
    {
        var sum = Bias;
        foreach (var root in Roots.AsSpan(0, Math.Min(trees, Roots.Length)))
        {
            var n = root;
            while (n >= 0)
            {
                // NaN compares false and goes left, with the lowest values.
                n = row[Feature[n]] > Threshold[n] ? Right[n] : Left[n];
            }

            sum += Leaves[~n];
        }

        return sum;
    }

    /// <summary>The churn probability of every row.</summary>
    /// <param name="rows">Row-major encoded rows.</param>
    /// <returns>One probability per row.</returns>
    public double[] Probabilities(ReadOnlySpan<float> rows) => Probabilities(rows, Roots.Length);

    /// <summary>The churn probability of every row from the first <paramref name="trees"/> trees.</summary>
    /// <param name="rows">Row-major encoded rows.</param>
    /// <param name="trees">How many trees, from the first.</param>
    /// <returns>One probability per row.</returns>
    public double[] Probabilities(ReadOnlySpan<float> rows, int trees)
    {
        var n = FeatureCount == 0 ? 0 : rows.Length / FeatureCount;
        var result = new double[n];
        for (var r = 0; r < n; r++)
        {
            result[r] = 1 / (1 + Math.Exp(-Margin(rows.Slice(r * FeatureCount, FeatureCount), trees)));
        }

        return result;
    }

    /// <summary>Writes the ensemble in a compact little-endian binary form.</summary>
    /// <param name="stream">The target.</param>
    public void Write(Stream stream) => BinaryEntry.Write(stream, Magic, Version, w =>
    {
        w.Write(FeatureCount);
        w.Write(Bias);
        BinaryEntry.WriteArray(w, Roots, w.Write);
        BinaryEntry.WriteArray(w, Feature, w.Write);
        BinaryEntry.WriteArray(w, Threshold, w.Write);
        BinaryEntry.WriteArray(w, Left, w.Write);
        BinaryEntry.WriteArray(w, Right, w.Write);
        BinaryEntry.WriteArray(w, Leaves, w.Write);
        BinaryEntry.WriteArray(w, Gains, w.Write);
    });

    /// <summary>Reads an ensemble written by <see cref="Write"/>.</summary>
    /// <param name="stream">The source.</param>
    /// <returns>The ensemble.</returns>
    /// <exception cref="InvalidDataException">The bytes are not a valid ensemble (wrong header, truncated, or inconsistent).</exception>
    public static BoostedTrees Read(Stream stream) => BinaryEntry.Read(stream, Magic, Version, What, r =>
    {
        var features = r.ReadInt32();
        var bias = r.ReadDouble();
        var roots = BinaryEntry.ReadArray(r, 4, r.ReadInt32, What);
        var feature = BinaryEntry.ReadArray(r, 4, r.ReadInt32, What);
        var threshold = BinaryEntry.ReadArray(r, 4, r.ReadSingle, What);
        var left = BinaryEntry.ReadArray(r, 4, r.ReadInt32, What);
        var right = BinaryEntry.ReadArray(r, 4, r.ReadInt32, What);
        var leaves = BinaryEntry.ReadArray(r, 8, r.ReadDouble, What);
        var gains = BinaryEntry.ReadArray(r, 8, r.ReadDouble, What);
        return new BoostedTrees(features, bias, roots, feature, threshold, left, right, leaves, gains);
    });

    /// <summary>Checks that every index points where it should, so that scoring cannot run off an array.</summary>
    private void Check()
    {
        var nodes = Feature.Length;
        if (FeatureCount < 0 || Threshold.Length != nodes || Left.Length != nodes || Right.Length != nodes || Gains.Length != FeatureCount || !double.IsFinite(Bias))
        {
            throw new ArgumentException("array lengths disagree");
        }

        bool Valid(int child) => child >= 0 ? child < nodes : ~child < Leaves.Length;
        foreach (var root in Roots)
        {
            if (!Valid(root))
            {
                throw new ArgumentException($"a root points to {root}");
            }
        }

        for (var n = 0; n < nodes; n++)
        {
            // Children always come after their parent, so no walk can loop.
            if ((uint)Feature[n] >= (uint)FeatureCount || !Valid(Left[n]) || !Valid(Right[n]) || (Left[n] >= 0 && Left[n] <= n) || (Right[n] >= 0 && Right[n] <= n) || float.IsNaN(Threshold[n]))
            {
                throw new ArgumentException($"node {n} is malformed");
            }
        }

        if (Leaves.Any(v => !double.IsFinite(v)))
        {
            throw new ArgumentException("a leaf value is not finite");
        }
    }
}
