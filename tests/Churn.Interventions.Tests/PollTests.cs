using Churn.Abstractions;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Churn.Interventions.Tests;

public sealed class PollTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 15, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Nps_IsPromotersMinusDetractors_AndCsat_TheShareOfFoursAndFives_BySegmentAndMonth()
    {
        var answers = new List<PollAnswer>();
        void Add(string poll, PollKind kind, double score, string segment, int month) =>
            answers.Add(new PollAnswer(poll, kind, $"C{answers.Count}", new DateTimeOffset(2026, month, 3, 0, 0, 0, TimeSpan.Zero), score, segment));
        foreach (var s in new[] { 10, 9, 9, 8, 7, 6, 3, 0 })
        {
            Add("nps", PollKind.Nps, s, "a", 11);
        }

        foreach (var s in new[] { 10, 10, 2 })
        {
            Add("nps", PollKind.Nps, s, "b", 12);
        }

        foreach (var s in new[] { 5, 4, 3, 1 })
        {
            Add("csat", PollKind.Csat, s, "a", 12);
        }

        var report = PollReport.Build(answers);
        var a = report.BySegment.Single(s => s.Poll == "nps" && s.Group == "a");
        Assert.Equal((8, 3, 2, 3), (a.Responses, a.Promoters, a.Passives, a.Detractors));
        Assert.Equal(0.0, a.Score, 10);
        var b = report.BySegment.Single(s => s.Poll == "nps" && s.Group == "b");
        Assert.Equal(100.0 / 3, b.Score, 10);
        var all = report.Overall.Single(s => s.Poll == "nps");
        Assert.Equal(100.0 * (5 - 4) / 11, all.Score, 10);
        Assert.Equal(new[] { "2026-11", "2026-12" }, report.ByMonth.Where(s => s.Poll == "nps").Select(s => s.Group));
        var csat = report.Overall.Single(s => s.Poll == "csat");
        Assert.Equal((50.0, 3.25), (csat.Score, csat.Mean));
    }

    [Property(MaxTest = 200)]
    public Property TheGroupsCounts_AddUpToTheOverall_AndScoresStayInRange() =>
        Prop.ForAll(Gen.ListOf(Gen.Zip(Gen.Choose(0, 10), Gen.Choose(0, 2))).ToArbitrary(), list =>
        {
            var answers = list.Select((x, i) => new PollAnswer("nps", PollKind.Nps, $"C{i}", At.AddDays(i * 7), x.Item1, $"s{x.Item2}")).ToList();
            var report = PollReport.Build(answers);
            var total = report.Overall.Sum(s => s.Responses);
            return total == answers.Count
                && report.BySegment.Sum(s => s.Responses) == total
                && report.ByMonth.Sum(s => s.Responses) == total
                && report.BySegment.All(s => s.Score is >= -100 and <= 100 && s.Promoters + s.Passives + s.Detractors == s.Responses);
        });

    [Fact]
    public void AResponse_BecomesAFeedbackEvent_WithItsScore_AndABadScoreIsRefused()
    {
        var poll = new Poll("nps", PollKind.Nps, "Recommend us?");
        var e = poll.ToEvent(new PollResponse("nps", "C1", At, 3, "slow support"));
        Assert.Equal(CustomerEventType.Feedback, e.Type);
        Assert.Equal(3m, e.Amount);
        Assert.Equal("slow support", e.Attributes!["comment"]);
        Assert.Equal("nps", e.Attributes["poll"]);
        Assert.Equal(e.EventId, poll.ToEvent(new PollResponse("nps", "C1", At, 3, "slow support")).EventId);
        Assert.Throws<ArgumentException>(() => poll.ToEvent(new PollResponse("nps", "C1", At, 11, null)));
        Assert.Throws<ArgumentException>(() => poll.ToEvent(new PollResponse("nps", "C1", At, 7.5, null)));
        Assert.Throws<ArgumentException>(() => new Poll("csat", PollKind.Csat, "?").ToEvent(new PollResponse("csat", "C1", At, 0, null)));
        Assert.Throws<ArgumentException>(() => poll.ToEvent(new PollResponse("other", "C1", At, 5, null)));

        // CSAT lands on the same 0–10 scale the rules read (1 → 0, 3 → 5, 5 → 10); the score as given stays an attribute.
        var csat = new Poll("csat", PollKind.Csat, "?");
        Assert.Equal([0m, 5m, 10m], new[] { 1.0, 3.0, 5.0 }.Select(x => csat.ToEvent(new PollResponse("csat", "C1", At, x, null)).Amount!.Value));
        Assert.Equal("4", csat.ToEvent(new PollResponse("csat", "C1", At, 4, null)).Attributes!["score"]);
    }
}
