using System.Globalization;
using Churn.Abstractions;

namespace Churn.Interventions;

/// <summary>What a poll asks for.</summary>
public enum PollKind
{
    /// <summary>Net Promoter Score: 0–10, promoters 9–10, passives 7–8, detractors 0–6; the score is the share of promoters minus that of detractors, in points.</summary>
    Nps = 0,

    /// <summary>Customer satisfaction: 1–5; the score is the share of 4s and 5s, in percent.</summary>
    Csat,

    /// <summary>Free text only.</summary>
    Text,
}

/// <summary>A satisfaction poll.</summary>
/// <param name="Id">The id.</param>
/// <param name="Kind">NPS, CSAT or free text.</param>
/// <param name="Question">The question put to the customer.</param>
public sealed record Poll(string Id, PollKind Kind, string Question)
{
    /// <summary>Whether a score is a valid answer (a whole number in the kind's range; none for free text).</summary>
    /// <param name="score">The score.</param>
    /// <returns>True when valid.</returns>
    public bool IsValidScore(double? score) => IsValidScore(Kind, score);

    /// <summary>Whether a score is a valid answer to a poll of a kind.</summary>
    /// <param name="kind">The poll's kind.</param>
    /// <param name="score">The score.</param>
    /// <returns>True when valid.</returns>
    public static bool IsValidScore(PollKind kind, double? score) => kind switch
    {
        PollKind.Nps => score is { } s && s == Math.Floor(s) && s is >= 0 and <= 10,
        PollKind.Csat => score is { } s && s == Math.Floor(s) && s is >= 1 and <= 5,
        _ => score is null,
    };

    /// <summary>
    /// The feedback event a response becomes, so features (<c>feedback_last</c>, <c>feedback_change</c>) and symptoms (a
    /// detractor) see it: type <c>feedback</c>, the score on the 0–10 scale as amount (NPS as given; CSAT 1–5 mapped
    /// linearly, 1 → 0, 3 → 5, 5 → 10, so one rule reads both), attributes <c>poll</c>, <c>kind</c>, <c>score</c> (as
    /// given) and <c>comment</c>, and an event id from the poll, customer and instant (so the same response is stored once).
    /// </summary>
    /// <param name="response">The response.</param>
    /// <returns>The event.</returns>
    /// <exception cref="ArgumentException">The response is another poll's, or its score is not valid for this poll.</exception>
    public CustomerEvent ToEvent(PollResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.PollId != Id)
        {
            throw new ArgumentException($"The response is to poll '{response.PollId}', not '{Id}'.", nameof(response));
        }

        if (!IsValidScore(response.Score))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Poll '{Id}' ({Kind}): score {response.Score?.ToString(CultureInfo.InvariantCulture) ?? "none"} from customer '{response.CustomerId}' is not valid ({Range})."), nameof(response));
        }

        var attributes = new Dictionary<string, string>(StringComparer.Ordinal) { ["poll"] = Id, ["kind"] = Kind.ToString().ToLowerInvariant() };
        if (response.Score is { } given)
        {
            attributes["score"] = given.ToString(CultureInfo.InvariantCulture);
        }

        if (response.Comment is { Length: > 0 } comment)
        {
            attributes["comment"] = comment;
        }

        return new CustomerEvent(
            response.CustomerId,
            response.AnsweredAt,
            CustomerEventType.Feedback,
            response.Score is { } s ? (decimal)(Kind == PollKind.Csat ? (s - 1) * 2.5 : s) : null,
            string.Create(CultureInfo.InvariantCulture, $"poll:{Id}:{response.CustomerId.Value}:{response.AnsweredAt.UtcTicks}"),
            attributes);
    }

    private string Range => Kind switch
    {
        PollKind.Nps => "a whole number from 0 to 10",
        PollKind.Csat => "a whole number from 1 to 5",
        _ => "no score: free text",
    };
}

/// <summary>A poll to send to a customer.</summary>
/// <param name="Poll">The poll.</param>
/// <param name="CustomerId">The customer.</param>
/// <param name="Channel">The channel.</param>
/// <param name="SendAt">When to send it.</param>
public sealed record PollRequest(Poll Poll, CustomerId CustomerId, string? Channel, DateTimeOffset SendAt)
{
    /// <summary>Gets the decision that sends it (responses carry it back).</summary>
    public string? DecisionId { get; init; }
}

/// <summary>Sends polls (e-mail, SMS, in-app): the host's survey tool behind one method.</summary>
/// <remarks>Implementations must be safe to call from several threads at once.</remarks>
public interface IPollSender
{
    /// <summary>Sends (or schedules) a poll.</summary>
    /// <param name="request">The poll, customer, channel and time.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>A task that completes once the poll is accepted.</returns>
    ValueTask SendAsync(PollRequest request, CancellationToken cancellationToken = default);
}

/// <summary>Keeps the polls sent, in order (tests, samples, dry runs).</summary>
public sealed class InMemoryPollSender : IPollSender
{
    private readonly List<PollRequest> _sent = [];

    /// <summary>Gets the polls sent so far.</summary>
    public IReadOnlyList<PollRequest> Sent
    {
        get
        {
            lock (_sent)
            {
                return [.. _sent];
            }
        }
    }

    /// <inheritdoc />
    public ValueTask SendAsync(PollRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        lock (_sent)
        {
            _sent.Add(request);
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>One scored answer, with what it is grouped by.</summary>
/// <param name="Poll">The poll.</param>
/// <param name="Kind">The poll's kind.</param>
/// <param name="CustomerId">The customer.</param>
/// <param name="AnsweredAt">When.</param>
/// <param name="Score">The score.</param>
/// <param name="Segment">The customer's segment (<c>all</c> when unknown).</param>
public sealed record PollAnswer(string Poll, PollKind Kind, CustomerId CustomerId, DateTimeOffset AnsweredAt, double Score, string Segment);

/// <summary>A poll's score over a group of answers.</summary>
/// <param name="Poll">The poll.</param>
/// <param name="Kind">NPS or CSAT.</param>
/// <param name="Group">The group: <c>all</c>, a segment, or a month (<c>2026-12</c>).</param>
/// <param name="Responses">How many answers.</param>
/// <param name="Score">NPS in points (−100 to 100) or CSAT in percent (0 to 100).</param>
/// <param name="Mean">The mean score.</param>
public sealed record PollScore(string Poll, PollKind Kind, string Group, int Responses, double Score, double Mean)
{
    /// <summary>Gets the promoters (NPS 9–10) or satisfied customers (CSAT 4–5).</summary>
    public int Promoters { get; init; }

    /// <summary>Gets the passives (NPS 7–8) or neutral customers (CSAT 3).</summary>
    public int Passives { get; init; }

    /// <summary>Gets the detractors (NPS 0–6) or dissatisfied customers (CSAT 1–2).</summary>
    public int Detractors { get; init; }
}

/// <summary>NPS and CSAT per poll: overall, by segment and by month (UTC).</summary>
public sealed class PollReport
{
    private PollReport(IReadOnlyList<PollScore> overall, IReadOnlyList<PollScore> bySegment, IReadOnlyList<PollScore> byMonth)
    {
        Overall = overall;
        BySegment = bySegment;
        ByMonth = byMonth;
    }

    /// <summary>Gets each poll's score over all its answers.</summary>
    public IReadOnlyList<PollScore> Overall { get; }

    /// <summary>Gets each poll's score per segment (ordinal order).</summary>
    public IReadOnlyList<PollScore> BySegment { get; }

    /// <summary>Gets each poll's score per month.</summary>
    public IReadOnlyList<PollScore> ByMonth { get; }

    /// <summary>Scores answers.</summary>
    /// <param name="answers">The answers (free-text polls are left out).</param>
    /// <returns>The report, polls in ordinal order.</returns>
    /// <exception cref="ArgumentException">A score is outside its kind's range.</exception>
    public static PollReport Build(IEnumerable<PollAnswer> answers)
    {
        ArgumentNullException.ThrowIfNull(answers);
        var scored = answers.Where(a => a.Kind != PollKind.Text).ToList();
        foreach (var a in scored)
        {
            if (!Poll.IsValidScore(a.Kind, a.Score))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Poll '{a.Poll}' ({a.Kind}): score {a.Score} from customer '{a.CustomerId}' is out of range."), nameof(answers));
            }
        }

        IReadOnlyList<PollScore> By(Func<PollAnswer, string> group) =>
            [.. scored.GroupBy(a => (a.Poll, a.Kind, Group: group(a)))
                .OrderBy(g => g.Key.Poll, StringComparer.Ordinal).ThenBy(g => g.Key.Group, StringComparer.Ordinal)
                .Select(g => Score(g.Key.Poll, g.Key.Kind, g.Key.Group, g))];
        return new PollReport(By(_ => "all"), By(a => a.Segment), By(a => Holdout.PeriodOf(a.AnsweredAt, HoldoutPeriod.Monthly)));
    }

    /// <summary>Scores a group of answers to one poll.</summary>
    /// <param name="poll">The poll.</param>
    /// <param name="kind">NPS or CSAT.</param>
    /// <param name="group">The group's name.</param>
    /// <param name="answers">The answers.</param>
    /// <returns>The score.</returns>
    public static PollScore Score(string poll, PollKind kind, string group, IEnumerable<PollAnswer> answers)
    {
        ArgumentNullException.ThrowIfNull(answers);
        int n = 0, high = 0, mid = 0, low = 0;
        var sum = 0.0;
        foreach (var a in answers)
        {
            n++;
            sum += a.Score;
            if (kind == PollKind.Nps)
            {
                high += a.Score >= 9 ? 1 : 0;
                mid += a.Score is 7 or 8 ? 1 : 0;
                low += a.Score <= 6 ? 1 : 0;
            }
            else
            {
                high += a.Score >= 4 ? 1 : 0;
                mid += a.Score == 3 ? 1 : 0;
                low += a.Score <= 2 ? 1 : 0;
            }
        }

        var score = n == 0 ? double.NaN : kind == PollKind.Nps ? 100.0 * (high - low) / n : 100.0 * high / n;
        return new PollScore(poll, kind, group, n, score, n == 0 ? double.NaN : sum / n) { Promoters = high, Passives = mid, Detractors = low };
    }
}
