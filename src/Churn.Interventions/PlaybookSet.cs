namespace Churn.Interventions;

/// <summary>A period in which no contact is made: a step due inside it is moved to its end.</summary>
/// <param name="From">The first instant (included).</param>
/// <param name="To">The end (excluded).</param>
public sealed record QuietPeriod(DateTimeOffset From, DateTimeOffset To);

/// <summary>How often customers may be contacted, across all playbooks.</summary>
public sealed record ContactPolicy
{
    /// <summary>Gets the window in which a customer gets at most one contact, across playbooks (default 7 days). A held-out run of a contacting playbook counts as the contact it would have made, here and in <see cref="MaxContacts"/>: both arms then meet the other playbooks alike.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Gets the most contacts a customer gets per <see cref="CapPeriod"/> (default 4).</summary>
    public int MaxContacts { get; init; } = 4;

    /// <summary>Gets the period of <see cref="MaxContacts"/> (default 30 days).</summary>
    public TimeSpan CapPeriod { get; init; } = TimeSpan.FromDays(30);

    /// <summary>Gets the quiet periods (holidays, for example): no step is due inside one.</summary>
    public IReadOnlyList<QuietPeriod> QuietPeriods { get; init; } = [];

    /// <summary>Moves an instant out of the quiet periods: to the end of the one it falls in (repeatedly, where periods touch).</summary>
    /// <param name="due">The instant.</param>
    /// <returns>The instant, or the end of its quiet period.</returns>
    public DateTimeOffset OutOfQuiet(DateTimeOffset due)
    {
        // Each pass moves `due` strictly later to a period's end; there are finitely many ends, so this stops.
        for (var pass = 0; pass <= QuietPeriods.Count; pass++)
        {
            var moved = false;
            foreach (var q in QuietPeriods)
            {
                if (due >= q.From && due < q.To)
                {
                    due = q.To;
                    moved = true;
                }
            }

            if (!moved)
            {
                break;
            }
        }

        return due;
    }
}

/// <summary>
/// The playbooks of a business with what they share: value tiers, the cost of each channel, the
/// contact policy and the holdout's share and period. Read from JSON with <see cref="Parse"/>
/// (see docs/interventions.md for the format) or built in code.
/// </summary>
public sealed class PlaybookSet
{
    private IReadOnlyList<Poll> _polls;

    /// <summary>The tiers used when none are declared: fitted on the planned customers' values, the top 20 % <c>gold</c>, the next 30 % <c>silver</c>, the rest <c>bronze</c>.</summary>
    public static readonly IReadOnlyList<(string Id, double TopShare)> DefaultTierShares = [("gold", 0.2), ("silver", 0.5), ("bronze", 1.0)];

    /// <summary>Initializes a new instance of the <see cref="PlaybookSet"/> class.</summary>
    /// <param name="playbooks">The playbooks.</param>
    /// <exception cref="ArgumentException">No playbook, or two share an id.</exception>
    public PlaybookSet(IEnumerable<Playbook> playbooks)
    {
        _polls = [];
        ArgumentNullException.ThrowIfNull(playbooks);
        Playbooks = [.. playbooks];
        if (Playbooks.Count == 0)
        {
            throw new ArgumentException("A playbook set needs at least one playbook.", nameof(playbooks));
        }

        if (Playbooks.GroupBy(p => p.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new ArgumentException($"Two playbooks have the id '{twice.Key}'.", nameof(playbooks));
        }
    }

    /// <summary>Gets the playbooks.</summary>
    public IReadOnlyList<Playbook> Playbooks { get; }

    /// <summary>Gets the value tiers, any order (empty: fitted on the planned customers, see <see cref="DefaultTierShares"/>).</summary>
    public IReadOnlyList<ValueTier> Tiers { get; init; } = [];

    /// <summary>Gets the cost of one contact per channel (a channel not listed costs nothing).</summary>
    public IReadOnlyDictionary<string, decimal> ChannelCosts { get; init; } = new Dictionary<string, decimal>(StringComparer.Ordinal);

    /// <summary>Gets the contact policy.</summary>
    public ContactPolicy Contacts { get; init; } = new();

    /// <summary>Gets the polls that poll steps send (a poll step names one of them).</summary>
    public IReadOnlyList<Poll> Polls
    {
        get => _polls;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            var ids = new HashSet<string>(StringComparer.Ordinal);
            foreach (var poll in value)
            {
                if (poll is null || !Ids.IsValid(poll.Id) || !ids.Add(poll.Id))
                {
                    throw new ArgumentException($"Poll id '{poll?.Id}' is not valid or is used twice.", nameof(value));
                }
            }

            foreach (var step in Playbooks.SelectMany(p => p.Steps.Select(s => (p.Id, s))).Where(x => x.s.Kind == StepKind.Poll))
            {
                if (!ids.Contains(step.s.Poll!))
                {
                    throw new ArgumentException($"Playbook '{step.Id}' sends poll '{step.s.Poll}', which is not declared.", nameof(value));
                }
            }

            _polls = [.. value];
        }
    }

    /// <summary>Gets the holdout's share, period and (when the file carries it) key; a host usually sets the key from its secrets.</summary>
    public HoldoutOptions? Holdout { get; init; }

    /// <summary>Reads a playbooks file.</summary>
    /// <param name="json">The file's text.</param>
    /// <param name="source">The file's name, for errors.</param>
    /// <returns>The set.</returns>
    /// <exception cref="InterventionFileException">The file is not valid JSON or says something invalid (with its line and column or its path in the file).</exception>
    public static PlaybookSet Parse(string json, string? source = null) => InterventionJson.ReadPlaybooks(json, source ?? "playbooks");

    /// <summary>The tier of a value.</summary>
    /// <param name="tiers">The tiers, highest <see cref="ValueTier.MinValue"/> first.</param>
    /// <param name="value">The value.</param>
    /// <returns>The id of the highest tier whose minimum the value reaches, else the lowest tier's.</returns>
    public static string TierOf(IReadOnlyList<ValueTier> tiers, decimal value)
    {
        ArgumentNullException.ThrowIfNull(tiers);
        foreach (var t in tiers)
        {
            if (value >= t.MinValue)
            {
                return t.Id;
            }
        }

        return tiers.Count == 0 ? "all" : tiers[^1].Id;
    }

    /// <summary>Fits the default tiers (<see cref="DefaultTierShares"/>) on a population's values.</summary>
    /// <param name="values">The values.</param>
    /// <returns>The tiers, highest first: gold from the value at the top 20 %, silver from the value at the top 50 %, bronze from the lowest.</returns>
    public static IReadOnlyList<ValueTier> FitTiers(IReadOnlyList<decimal> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            return [new ValueTier("bronze", decimal.MinValue)];
        }

        var sorted = values.ToArray();
        Array.Sort(sorted);
        var tiers = new List<ValueTier>();
        foreach (var (id, share) in DefaultTierShares)
        {
            // The least value among the top `share` of customers.
            var k = (int)Math.Ceiling(share * sorted.Length);
            var min = share >= 1 ? decimal.MinValue : sorted[Math.Max(0, sorted.Length - Math.Max(k, 1))];
            tiers.Add(new ValueTier(id, min));
        }

        return tiers;
    }
}
