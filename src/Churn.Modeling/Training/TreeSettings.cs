namespace Churn.Modeling;

/// <summary>Settings of the tree learner.</summary>
/// <param name="Trees">Number of trees.</param>
/// <param name="Leaves">Leaves per tree.</param>
/// <param name="LearningRate">Shrinkage.</param>
/// <param name="MinLeafCount">Minimum rows per leaf.</param>
public sealed record TreeSettings(int Trees, int Leaves, double LearningRate, int MinLeafCount)
{
    /// <summary>Gets the L2 shrinkage of the histogram booster's leaf values, added to each leaf's hessian sum (the other tree learners keep their own).</summary>
    /// <value>The default is 1; 0 lets small, pure leaves take their full Newton step (as scikit-learn's and LightGBM's defaults do).</value>
    public double L2 { get; init; } = 1;
}
