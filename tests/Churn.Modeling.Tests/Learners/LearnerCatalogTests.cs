using Churn.Modeling.MLNet;

namespace Churn.Modeling.Tests.Learners;

public sealed class LearnerCatalogTests
{
    [Theory]
    [InlineData("logistic", typeof(LogisticLearner))]
    [InlineData("Logistic", typeof(LogisticLearner))]
    [InlineData("hgb", typeof(HistGradientBoostingLearner))]
    [InlineData("HistGradientBoosting", typeof(HistGradientBoostingLearner))]
    public void Find_WithMLNetAdded_StillPicksTheBuiltInLearners(string name, Type expected)
    {
        Assert.IsType(expected, LearnerCatalog.Default.WithMLNet().Find(name));
        Assert.IsType(expected, LearnerCatalog.Default.Find(name));
    }

    [Fact]
    public void Find_MLNetLearners_ByAlias_AndFilesByNameAndExtension()
    {
        var catalog = LearnerCatalog.Default.WithMLNet();

        Assert.Same(MLNetLearners.FastTree, catalog.Find("fasttree"));
        Assert.Same(MLNetLearners.Logistic, catalog.Find("mlnet-logistic"));
        Assert.Same(MLNetLearners.Logistic, catalog.FindForEntry("Logistic", "zip"));
        Assert.IsType<LogisticLearner>(catalog.FindForEntry("Logistic", "linear"));
        Assert.Null(LearnerCatalog.Default.FindForEntry("FastTree", "zip"));
    }

    [Fact]
    public void Find_Unknown_ListsTheKnownLearners_AndWhereFastTreeLives()
    {
        var ex = Assert.Throws<ArgumentException>(() => LearnerCatalog.Default.Find("fasttree"));

        Assert.Contains("hgb (HistGradientBoosting)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Churn.Modeling.MLNet", ex.Message, StringComparison.Ordinal);
    }
}
