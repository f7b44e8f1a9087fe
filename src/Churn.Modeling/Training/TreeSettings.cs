namespace Churn.Modeling;

/// <summary>Settings of the tree learner.</summary>
/// <param name="Trees">Number of trees.</param>
/// <param name="Leaves">Leaves per tree.</param>
/// <param name="LearningRate">Shrinkage.</param>
/// <param name="MinLeafCount">Minimum rows per leaf.</param>
public sealed record TreeSettings(int Trees, int Leaves, double LearningRate, int MinLeafCount);
