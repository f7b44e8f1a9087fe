using Churn.Abstractions;
using Churn.Value;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Churn.Value.Tests.Rfm;

public sealed class RfmScorerTests
{
    private static Arbitrary<RfmInput[]> Inputs() =>
        Gen.ArrayOf(
            from r in Gen.Choose(0, 400)
            from f in Gen.Choose(1, 20)
            from m in Gen.Choose(0, 5000)
            select new RfmInput("c", r, f, m))
        .Select(a => a.Select((v, i) => v with { CustomerId = new CustomerId("c" + i) }).ToArray())
        .ToArbitrary();

    [Property(MaxTest = 200)]
    public Property Score_ScoresInRange_TiesEqual_OrderIrrelevant() =>
        Prop.ForAll(Inputs(), inputs =>
        {
            var scorer = new RfmScorer();
            var scores = scorer.Score(inputs);
            var reversed = scorer.Score([.. inputs.Reverse()]).Reverse().ToArray();
            var ok = scores.SequenceEqual(reversed);
            for (var i = 0; i < inputs.Length; i++)
            {
                ok &= scores[i].R is >= 1 and <= 5 && scores[i].F is >= 1 and <= 5 && scores[i].M is >= 1 and <= 5;
                for (var j = 0; j < inputs.Length; j++)
                {
                    if (inputs[i].Frequency == inputs[j].Frequency)
                    {
                        ok &= scores[i].F == scores[j].F;
                    }

                    if (inputs[i].RecencyDays < inputs[j].RecencyDays)
                    {
                        ok &= scores[i].R >= scores[j].R;
                    }
                }
            }

            return ok;
        });

    [Fact]
    public void SegmentOf_EveryCellHasExactlyOneSegment_AndTheCornersAreRight()
    {
        for (var r = 1; r <= 5; r++)
        {
            for (var f = 1; f <= 5; f++)
            {
                Assert.True(Enum.IsDefined(RfmScorer.SegmentOf(r, f)));
            }
        }

        Assert.Equal(RfmSegment.Champions, RfmScorer.SegmentOf(5, 5));
        Assert.Equal(RfmSegment.CannotLose, RfmScorer.SegmentOf(1, 5));
        Assert.Equal(RfmSegment.Lost, RfmScorer.SegmentOf(1, 1));
        Assert.Equal(RfmSegment.NewCustomer, RfmScorer.SegmentOf(5, 1));
        Assert.Equal(RfmSegment.AtRisk, RfmScorer.SegmentOf(2, 4));
        Assert.Equal(RfmSegment.Hibernating, RfmScorer.SegmentOf(2, 1));
        Assert.Equal(11, Enumerable.Range(1, 5).SelectMany(r => Enumerable.Range(1, 5).Select(f => RfmScorer.SegmentOf(r, f))).Distinct().Count());
    }

    [Fact]
    public void Score_TenCustomers_SplitsIntoEqualBins()
    {
        var inputs = Enumerable.Range(1, 10).Select(i => new RfmInput("c" + i, 100 - i, i, i * 10.0)).ToArray();

        var scores = new RfmScorer().Score(inputs);

        Assert.Equal([1, 1, 2, 2, 3, 3, 4, 4, 5, 5], scores.Select(s => s.F));
        Assert.Equal("555", scores[^1].Code);
        Assert.Equal(RfmSegment.Champions, scores[^1].Segment);
        Assert.Throws<ArgumentException>(() => new RfmScorer().Score([new RfmInput("x", double.NaN, 1, 1)]));
    }
}
