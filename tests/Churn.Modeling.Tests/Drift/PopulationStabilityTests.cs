using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
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

    [Property(MaxTest = 200)]
    public Property AProfile_AgainstTheDataItWasTakenFrom_IsZero_AndAgainstTheSameRowsShuffled_Too(NonEmptyArray<NormalFloat> numbers, NonEmptyArray<byte> codes)
    {
        var x = numbers.Get.Select(v => (double)v.Get).ToArray();
        var c = codes.Get.Select(b => b % 7 == 0 ? null : $"L{b % 60}").ToArray();
        var n = Math.Min(x.Length, c.Length);
        (x, c) = (x.Take(n).ToArray(), c.Take(n).ToArray());
        var table = new ModelTable([new ModelColumn("x", ModelColumnKind.Numeric, x, null), new ModelColumn("c", ModelColumnKind.Categorical, null, c)]);
        var profile = PopulationStability.Profile(table, x);
        var reversed = x.Reverse().ToArray();
        return (Math.Abs(PopulationStability.Compute(profile.Features[0], x)) < 1e-12
            && Math.Abs(PopulationStability.Compute(profile.Features[1], c)) < 1e-12
            && Math.Abs(PopulationStability.Compute(profile.Score!, reversed)) < 1e-12
            && profile.Features[1].Levels.Count <= 50).ToProperty();
    }

    [Fact]
    public void AProfile_SeesAShift_AndAnUnseenLevel_AndMissingValues()
    {
        var x = Enumerable.Range(0, 10_000).Select(i => (double)(i % 100)).ToArray();
        var c = Enumerable.Range(0, 10_000).Select(i => i % 2 == 0 ? "a" : "b").ToArray();
        var profile = PopulationStability.Profile(new ModelTable([new ModelColumn("x", ModelColumnKind.Numeric, x, null), new ModelColumn("c", ModelColumnKind.Categorical, null, c)]));
        Assert.True(PopulationStability.Compute(profile.Features[0], x.Select(v => v + 30).ToArray()) > 0.25);
        Assert.True(PopulationStability.Compute(profile.Features[0], x.Select(v => v % 3 == 0 ? double.NaN : v).ToArray()) > 0.25);
        Assert.True(PopulationStability.Compute(profile.Features[1], c.Select(v => v == "a" ? "z" : v).ToArray()) > 0.25);
        Assert.Null(profile.Score);
    }
}
