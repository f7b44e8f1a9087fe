using Churn.Abstractions;

namespace Churn.Interventions;

/// <summary>
/// Builds a <see cref="Playbook"/> in code:
/// <c>PlaybookBuilder.Reactive("payment-rescue").OnSymptom("payment_trouble").Contact("call", "phone", "email").Offer("fee-waiver").Poll("csat").OwnedBy("billing-desk").Build()</c>.
/// </summary>
public sealed class PlaybookBuilder
{
    private readonly string _id;
    private readonly PlaybookKind _kind;
    private readonly string? _schedule;
    private readonly List<PlaybookStep> _steps = [];
    private readonly List<string> _segments = [];
    private readonly List<string> _tiers = [];
    private readonly List<RiskLevel> _levels = [];
    private PlaybookTrigger? _trigger;
    private string? _name;
    private string? _when;
    private double _uplift = 0.05;
    private string? _owner;
    private bool _ownerAlways;
    private TimeSpan? _cooldown;
    private double _minExpectedValue;

    private PlaybookBuilder(string id, PlaybookKind kind, string? schedule)
    {
        _id = id;
        _kind = kind;
        _schedule = schedule;
    }

    /// <summary>Starts a proactive playbook.</summary>
    /// <param name="id">The id.</param>
    /// <param name="cron">The cadence: a cron expression, UTC (for example <c>0 9 1 * *</c>, 09:00 on the first of every month).</param>
    /// <returns>The builder.</returns>
    public static PlaybookBuilder Proactive(string id, string cron) => new(id, PlaybookKind.Proactive, cron);

    /// <summary>Starts a reactive playbook; set its trigger with <see cref="OnSymptom"/>, <see cref="OnRecapitulative"/>, <see cref="OnAlert"/> or <see cref="OnLevel"/>.</summary>
    /// <param name="id">The id.</param>
    /// <returns>The builder.</returns>
    public static PlaybookBuilder Reactive(string id) => new(id, PlaybookKind.Reactive, null);

    /// <summary>Runs when a symptom of the rule holds (once per run of the symptom).</summary>
    /// <param name="ruleId">The rule.</param>
    /// <returns>The builder.</returns>
    public PlaybookBuilder OnSymptom(string ruleId) => Set(new PlaybookTrigger(TriggerKind.Symptom, ruleId));

    /// <summary>Runs when the recapitulative symptom holds.</summary>
    /// <returns>The builder.</returns>
    public PlaybookBuilder OnRecapitulative() => Set(new PlaybookTrigger(TriggerKind.Recapitulative));

    /// <summary>Runs on a monitor alert since the previous plan.</summary>
    /// <param name="ruleId">Only alerts raised by this rule's critical symptom, if set.</param>
    /// <param name="atLeast">Only alerts at least this level, if set.</param>
    /// <returns>The builder.</returns>
    public PlaybookBuilder OnAlert(string? ruleId = null, RiskLevel? atLeast = null) => Set(new PlaybookTrigger(TriggerKind.Alert, ruleId, atLeast));

    /// <summary>Runs when the customer's level reaches at least a level.</summary>
    /// <param name="level">The level.</param>
    /// <returns>The builder.</returns>
    public PlaybookBuilder OnLevel(RiskLevel level) => Set(new PlaybookTrigger(TriggerKind.Level, null, level));

    /// <summary>Names the playbook for people.</summary>
    /// <param name="name">The name.</param>
    /// <returns>The builder.</returns>
    public PlaybookBuilder Named(string name)
    {
        _name = name;
        return this;
    }

    /// <summary>Limits the playbook to segments.</summary>
    /// <param name="segments">The segments.</param>
    /// <returns>The builder.</returns>
    public PlaybookBuilder ForSegments(params string[] segments)
    {
        _segments.AddRange(segments);
        return this;
    }

    /// <summary>Limits the playbook to value tiers.</summary>
    /// <param name="tiers">The tiers.</param>
    /// <returns>The builder.</returns>
    public PlaybookBuilder ForTiers(params string[] tiers)
    {
        _tiers.AddRange(tiers);
        return this;
    }

    /// <summary>Limits the playbook to levels (default: every level but churned).</summary>
    /// <param name="levels">The levels.</param>
    /// <returns>The builder.</returns>
    public PlaybookBuilder ForLevels(params RiskLevel[] levels)
    {
        _levels.AddRange(levels);
        return this;
    }

    /// <summary>Adds a condition on the customer (Churn.Rules expression over <see cref="OfferCatalog.Schema"/>).</summary>
    /// <param name="condition">The condition, for example <c>probability &gt;= 0.2</c>.</param>
    /// <returns>The builder.</returns>
    public PlaybookBuilder When(string condition)
    {
        _when = condition;
        return this;
    }

    /// <summary>Sets the contact's prior uplift.</summary>
    /// <param name="uplift">The share of the churn probability the contact removes.</param>
    /// <returns>The builder.</returns>
    public PlaybookBuilder WithUplift(double uplift)
    {
        _uplift = uplift;
        return this;
    }

    /// <summary>Sets who carries the playbook out when the customer has no owner (or always).</summary>
    /// <param name="owner">A team or a person.</param>
    /// <param name="always">Whether even customers with an owner go to this one.</param>
    /// <returns>The builder.</returns>
    public PlaybookBuilder OwnedBy(string owner, bool always = false)
    {
        _owner = owner;
        _ownerAlways = always;
        return this;
    }

    /// <summary>Sets the shortest time between two runs for one customer.</summary>
    /// <param name="cooldown">The time.</param>
    /// <returns>The builder.</returns>
    public PlaybookBuilder Cooldown(TimeSpan cooldown)
    {
        _cooldown = cooldown;
        return this;
    }

    /// <summary>Sets the least expected net value of a run.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The builder.</returns>
    public PlaybookBuilder MinExpectedValue(double value)
    {
        _minExpectedValue = value;
        return this;
    }

    /// <summary>Adds a contact step.</summary>
    /// <param name="action">The step's name (<c>call</c>, <c>email</c>).</param>
    /// <param name="channels">The channels it may use, in fallback order.</param>
    /// <returns>The builder.</returns>
    public PlaybookBuilder Contact(string action, params string[] channels) =>
        Step(new PlaybookStep(StepKind.Contact, action) { Channels = channels });

    /// <summary>Adds a task for the owner.</summary>
    /// <param name="action">The task's name.</param>
    /// <param name="due">When it is due after the decision.</param>
    /// <returns>The builder.</returns>
    public PlaybookBuilder Task(string action, TimeSpan due = default) =>
        Step(new PlaybookStep(StepKind.Task, action) { Due = due });

    /// <summary>Adds an offer step.</summary>
    /// <param name="offers">The offers it may make (none: any in the catalogue).</param>
    /// <returns>The builder.</returns>
    public PlaybookBuilder Offer(params string[] offers) =>
        Step(new PlaybookStep(StepKind.Offer, "offer") { Offers = offers });

    /// <summary>Adds a poll step.</summary>
    /// <param name="poll">The poll.</param>
    /// <param name="due">When it is sent after the decision.</param>
    /// <returns>The builder.</returns>
    public PlaybookBuilder Poll(string poll, TimeSpan due = default) =>
        Step(new PlaybookStep(StepKind.Poll, "poll") { Poll = poll, Due = due });

    /// <summary>Adds any step.</summary>
    /// <param name="step">The step.</param>
    /// <returns>The builder.</returns>
    public PlaybookBuilder Step(PlaybookStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        _steps.Add(step);
        return this;
    }

    /// <summary>Builds the playbook.</summary>
    /// <returns>The playbook.</returns>
    /// <exception cref="ArgumentException">The playbook is not valid (see <see cref="Playbook(string, PlaybookKind, IEnumerable{PlaybookStep}, string?, PlaybookTrigger?)"/>).</exception>
    public Playbook Build() => new(_id, _kind, _steps, _schedule, _trigger)
    {
        Name = _name,
        Segments = [.. _segments],
        Tiers = [.. _tiers],
        Levels = [.. _levels],
        When = _when,
        Uplift = _uplift is >= 0 and <= 1 ? _uplift : throw new ArgumentException($"Playbook '{_id}': the uplift {_uplift} is outside [0, 1]."),
        Owner = _owner,
        OwnerAlways = _ownerAlways,
        Cooldown = _cooldown,
        MinExpectedValue = _minExpectedValue,
    };

    private PlaybookBuilder Set(PlaybookTrigger trigger)
    {
        _trigger = trigger;
        return this;
    }
}
