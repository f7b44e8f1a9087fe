using Churn.Abstractions;
using Cronos;

namespace Churn.Interventions;

/// <summary>Whether a playbook runs on a calendar or on what happens to a customer.</summary>
public enum PlaybookKind
{
    /// <summary>Regular campaigns on a cadence (a cron expression): welcome, status calls, loyalty invitations.</summary>
    Proactive = 0,

    /// <summary>Campaigns run when something happens: a symptom, a recapitulative symptom, an alert, a rise in level.</summary>
    Reactive,
}

/// <summary>What starts a reactive playbook.</summary>
public enum TriggerKind
{
    /// <summary>A symptom of a given rule holds (critical or minor); each run of the symptom triggers once.</summary>
    Symptom = 0,

    /// <summary>The recapitulative symptom holds (the minor symptoms add up); each run triggers once.</summary>
    Recapitulative,

    /// <summary>The monitor raised an alert for the customer since the previous plan (optionally of a level or a rule).</summary>
    Alert,

    /// <summary>The customer's level reached at least the given level (a rise, when the previous level is known).</summary>
    Level,
}

/// <summary>What starts a reactive playbook.</summary>
/// <param name="Kind">The kind of trigger.</param>
/// <param name="RuleId">For <see cref="TriggerKind.Symptom"/>, the rule (required); for <see cref="TriggerKind.Alert"/>, only alerts raised by this rule's critical symptom, if set.</param>
/// <param name="Level">For <see cref="TriggerKind.Level"/>, the level to reach (required); for <see cref="TriggerKind.Alert"/>, only alerts at least this level, if set.</param>
public sealed record PlaybookTrigger(TriggerKind Kind, string? RuleId = null, RiskLevel? Level = null)
{
    /// <summary>The trigger in words, for example <c>symptom payment_trouble</c>.</summary>
    /// <returns>The words.</returns>
    public override string ToString() => Kind switch
    {
        TriggerKind.Symptom => $"symptom {RuleId}",
        TriggerKind.Recapitulative => "recapitulative symptom",
        TriggerKind.Alert => "alert" + (RuleId is null ? string.Empty : $" on {RuleId}") + (Level is { } l ? $" at least {RiskLevelPolicy.Name(l)}" : string.Empty),
        _ => $"level {(Level is { } lv ? RiskLevelPolicy.Name(lv) : "?")}",
    };
}

/// <summary>What a step of a playbook does.</summary>
public enum StepKind
{
    /// <summary>Contact the customer over a channel chosen from their preferences and consent.</summary>
    Contact = 0,

    /// <summary>A task for the owner (prepare the call, check the account).</summary>
    Task,

    /// <summary>Offer compensation from the catalogue, within the owner's authority or with an approval; never instead of the dialogue.</summary>
    Offer,

    /// <summary>Send a satisfaction poll.</summary>
    Poll,
}

/// <summary>One step of a playbook.</summary>
/// <param name="Kind">What the step does.</param>
/// <param name="Action">The step's name, for example <c>call</c>, <c>email</c>, <c>review-account</c>, <c>offer</c>, <c>poll</c>.</param>
public sealed record PlaybookStep(StepKind Kind, string Action)
{
    /// <summary>Gets, for a contact, the channels the step may use, in fallback order; the customer's first preferred one among them is chosen.</summary>
    public IReadOnlyList<string> Channels { get; init; } = [];

    /// <summary>Gets, for an offer, the offers the step may make (empty: any in the catalogue); the planner picks the one of most expected net value.</summary>
    public IReadOnlyList<string> Offers { get; init; } = [];

    /// <summary>Gets, for a poll, the poll to send.</summary>
    public string? Poll { get; init; }

    /// <summary>Gets how long after the decision the step is due.</summary>
    public TimeSpan Due { get; init; }

    /// <summary>Gets what counts as done, in words (for example "call logged with an outcome").</summary>
    public string? Done { get; init; }

    /// <summary>Gets whether a contact needs the customer's consent (default true): without it the playbook does not apply to the customer.</summary>
    public bool RequiresConsent { get; init; } = true;
}

/// <summary>
/// A retention campaign: who it is for (segments, value tiers, levels, a condition), when it runs
/// (a cron cadence, or a trigger), and what it does (steps: contact, task, offer, poll), owned by
/// the customer's owner or a team. Build one with <see cref="PlaybookBuilder"/> or read a file
/// with <see cref="PlaybookSet.Parse(string, string?)"/>.
/// </summary>
public sealed record Playbook
{
    private readonly CronExpression? _cron;

    /// <summary>Initializes a new instance of the <see cref="Playbook"/> class.</summary>
    /// <param name="id">The id (letters, digits, '-', '_', '.').</param>
    /// <param name="kind">Proactive or reactive.</param>
    /// <param name="steps">The steps, at least one.</param>
    /// <param name="schedule">For a proactive playbook, its cadence: a cron expression (five fields, or six with seconds), UTC.</param>
    /// <param name="trigger">For a reactive playbook, what starts it.</param>
    /// <exception cref="ArgumentException">The id is not valid, there is no step, a proactive playbook has no valid cron expression, or a reactive one no valid trigger.</exception>
    public Playbook(string id, PlaybookKind kind, IEnumerable<PlaybookStep> steps, string? schedule = null, PlaybookTrigger? trigger = null)
    {
        ArgumentNullException.ThrowIfNull(steps);
        if (!Ids.IsValid(id))
        {
            throw new ArgumentException($"Playbook id '{id}' is not valid: use letters, digits, '-', '_' and '.'.", nameof(id));
        }

        Id = id;
        Kind = kind;
        Steps = [.. steps];
        if (Steps.Count == 0)
        {
            throw new ArgumentException($"Playbook '{id}' has no step.", nameof(steps));
        }

        foreach (var s in Steps)
        {
            ArgumentNullException.ThrowIfNull(s);
            var problem = s.Kind switch
            {
                StepKind.Contact when s.Channels.Count == 0 => "a contact step names no channel",
                StepKind.Poll when string.IsNullOrWhiteSpace(s.Poll) => "a poll step names no poll",
                _ when s.Due < TimeSpan.Zero => "a step is due before the decision",
                _ when string.IsNullOrWhiteSpace(s.Action) => "a step has no action name",
                _ => null,
            };
            if (problem is not null)
            {
                throw new ArgumentException($"Playbook '{id}': {problem}.", nameof(steps));
            }
        }

        if (Steps.Count(s => s.Kind == StepKind.Offer) > 1)
        {
            throw new ArgumentException($"Playbook '{id}' has more than one offer step.", nameof(steps));
        }

        if (kind == PlaybookKind.Proactive)
        {
            if (string.IsNullOrWhiteSpace(schedule))
            {
                throw new ArgumentException($"Proactive playbook '{id}' has no schedule (a cron expression such as '0 9 1 * *').", nameof(schedule));
            }

            if (trigger is not null)
            {
                throw new ArgumentException($"Proactive playbook '{id}' has a trigger; only reactive playbooks do.", nameof(trigger));
            }

            _cron = ParseCron(id, schedule);
        }
        else
        {
            if (schedule is not null)
            {
                throw new ArgumentException($"Reactive playbook '{id}' has a schedule; only proactive playbooks do.", nameof(schedule));
            }

            var problem = trigger switch
            {
                null => "no trigger",
                { Kind: TriggerKind.Symptom, RuleId: null or "" } => "a symptom trigger names no rule",
                { Kind: TriggerKind.Level, Level: null } => "a level trigger names no level",
                { Kind: TriggerKind.Level, Level: RiskLevel.Low } => "a level trigger on 'low' would fire for everyone",
                _ => null,
            };
            if (problem is not null)
            {
                throw new ArgumentException($"Reactive playbook '{id}': {problem}.", nameof(trigger));
            }
        }

        Schedule = schedule;
        Trigger = trigger;
    }

    /// <summary>Gets the id.</summary>
    public string Id { get; }

    /// <summary>Gets whether the playbook is proactive or reactive.</summary>
    public PlaybookKind Kind { get; }

    /// <summary>Gets the steps.</summary>
    public IReadOnlyList<PlaybookStep> Steps { get; }

    /// <summary>Gets the cadence of a proactive playbook (cron, UTC).</summary>
    public string? Schedule { get; }

    /// <summary>Gets what starts a reactive playbook.</summary>
    public PlaybookTrigger? Trigger { get; }

    /// <summary>Gets a name for people.</summary>
    public string? Name { get; init; }

    /// <summary>Gets the segments the playbook is for (empty: every segment).</summary>
    public IReadOnlyList<string> Segments { get; init; } = [];

    /// <summary>Gets the value tiers the playbook is for (empty: every tier).</summary>
    public IReadOnlyList<string> Tiers { get; init; } = [];

    /// <summary>Gets the levels the playbook is for (empty: every level but churned).</summary>
    public IReadOnlyList<RiskLevel> Levels { get; init; } = [];

    /// <summary>Gets a further condition on the customer in the Churn.Rules expression language over the names of <see cref="OfferCatalog.Schema"/>, for example <c>probability &gt;= 0.2</c>.</summary>
    public string? When { get; init; }

    /// <summary>Gets the prior uplift of the contact itself: the share of the customer's churn probability the playbook removes without an offer (default 0.05; the evaluation package replaces priors with measured uplift).</summary>
    public double Uplift { get; init; } = 0.05;

    /// <summary>Gets who carries the playbook out when the customer has no owner (a team or a person); the customer's owner comes first unless <see cref="OwnerAlways"/>.</summary>
    public string? Owner { get; init; }

    /// <summary>Gets whether <see cref="Owner"/> carries the playbook out even when the customer has an owner.</summary>
    public bool OwnerAlways { get; init; }

    /// <summary>Gets the shortest time between two runs of this playbook for one customer; a new symptom run or cadence occurrence inside it does not start the playbook again (none: 30 days for a reactive playbook, none for a proactive one, whose cadence governs).</summary>
    public TimeSpan? Cooldown { get; init; }

    /// <summary>Gets the cooldown in force: <see cref="Cooldown"/>, else 30 days for a reactive playbook and zero for a proactive one.</summary>
    public TimeSpan EffectiveCooldown => Cooldown ?? (Kind == PlaybookKind.Reactive ? TimeSpan.FromDays(30) : TimeSpan.Zero);

    /// <summary>Gets the least expected net value a run must have to be planned (default 0).</summary>
    public double MinExpectedValue { get; init; }

    /// <summary>Gets whether a step contacts the customer.</summary>
    public bool Contacts => Steps.Any(s => s.Kind is StepKind.Contact or StepKind.Poll);

    /// <summary>The latest occurrence of a proactive playbook's cadence in (<paramref name="since"/>, <paramref name="until"/>].</summary>
    /// <param name="since">The start (excluded).</param>
    /// <param name="until">The end (included).</param>
    /// <returns>The occurrence, or <see langword="null"/> when none falls in the interval or the playbook is reactive.</returns>
    public DateTimeOffset? LatestOccurrence(DateTimeOffset since, DateTimeOffset until)
    {
        if (_cron is null || until <= since)
        {
            return null;
        }

        // Cronos walks forward; stop at the first past `until`, keeping the last inside. Bounded: at most one
        // occurrence per second, and the walk is cut at 100,000 steps (a per-second cron over a day is refused).
        DateTimeOffset? last = null;
        var from = since;
        for (var i = 0; i < 100_000; i++)
        {
            var next = _cron.GetNextOccurrence(from, TimeZoneInfo.Utc, inclusive: false);
            if (next is null || next > until)
            {
                return last;
            }

            last = next;
            from = next.Value;
        }

        throw new InvalidOperationException($"Playbook '{Id}': the schedule '{Schedule}' occurs more than 100,000 times between {since:O} and {until:O}; plan more often or use a slower cadence.");
    }

    private static CronExpression ParseCron(string id, string schedule)
    {
        var fields = schedule.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        try
        {
            return CronExpression.Parse(schedule, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
        }
        catch (CronFormatException ex)
        {
            throw new ArgumentException($"Playbook '{id}': the schedule '{schedule}' is not a cron expression ({ex.Message}).", nameof(schedule), ex);
        }
    }
}

/// <summary>A value tier: customers whose value (predicted CLV, else historical) is at least <paramref name="MinValue"/> and below the next tier's.</summary>
/// <param name="Id">The tier's id, for example <c>gold</c>.</param>
/// <param name="MinValue">The least value in the tier.</param>
public sealed record ValueTier(string Id, decimal MinValue);

internal static class Ids
{
    public static bool IsValid(string? id) =>
        !string.IsNullOrEmpty(id) && id.Length <= 128 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
