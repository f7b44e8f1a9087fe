using Churn.Modeling;

namespace Churn.Modeling.Tests.Drift;

public sealed class PopulationStabilityTests
{
    [Fact]
    public void Psi_SameDistributionIsStable_ShiftIsMajor()
    {
        var random = new Random(3);
        var a = Enumerable.Range(0, 5000).Select(_ => random.NextDouble()).ToArray();
        var b = Enumerable.Range(0, 5000).Select(_ => random.NextDouble()).ToArray();
        var shifted = b.Select(v => v + 0.5).ToArray();

        var drift = PopulationStability.Compute([("same", a, b), ("shifted", a, shifted)]);

        Assert.Equal(0, PopulationStability.Compute(a, a), 12);
        Assert.Equal("shifted", drift[0].Feature);
        Assert.Equal("major shift", drift[0].Verdict);
        Assert.Equal("stable", drift[1].Verdict);
    }

    [Fact]
    public void Psi_MissingValuesHaveTheirOwnBin()
    {
        var a = Enumerable.Range(0, 100).Select(i => (double)i).ToArray();
        var b = a.Select((v, i) => i % 2 == 0 ? double.NaN : v).ToArray();

        Assert.True(PopulationStability.Compute(a, b) > 0.25);
    }
}
