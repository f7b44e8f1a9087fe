using Churn.Modeling.MLNet;

namespace Churn.Modeling.Tests;

/// <summary>The learners the tests train with: the built-in ones and ML.NET's.</summary>
internal static class TestLearners
{
    public static LearnerCatalog Catalog { get; } = LearnerCatalog.Default.WithMLNet();

    /// <summary>The learner list of a CLI-style trainer name.</summary>
    public static List<string> Of(string trainer) => trainer == "auto" ? [.. ChurnModelTrainerOptions.DefaultLearners] : [trainer];
}
