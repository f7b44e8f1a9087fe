using System.Buffers;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Churn.Abstractions;
using Churn.Shared;
using Microsoft.Extensions.Options;

namespace Churn.Rules;

/// <summary>Options of the <see cref="SymptomEngine"/>.</summary>
public sealed class SymptomEngineOptions
{
    /// <summary>Gets or sets the decayed weight of minor symptoms at which the recapitulative symptom holds (a rule set's own value wins).</summary>
    /// <value>The default is 3.</value>
    [Range(0.001, 1_000_000)]
    public double MinorThreshold { get; set; } = 3;

    /// <summary>Gets or sets the half-life, in days, of a minor symptom's weight, measured from when it began to hold (a rule set's own value wins).</summary>
    /// <value>The default is 14 days.</value>
    [Range(0.001, 36_500)]
    public double HalfLifeDays { get; set; } = 14;

    /// <summary>Gets or sets how many half-lives back minor symptoms are looked for (a symptom older than that weighs under 2^-n of its weight and is left out).</summary>
    /// <value>The default is 4 (one sixteenth).</value>
    [Range(0, 20)]
    public double LookbackHalfLives { get; set; } = 4;

    /// <summary>Gets or sets the step, in days, of the instants at which the rules are evaluated on the customer's history: midnight UTC every <c>n</c> days from 1970-01-01, plus the as-of instant itself. A symptom's <see cref="Symptom.FiredAt"/> is the first such instant at which its condition held.</summary>
    /// <value>The default is 1 day.</value>
    [Range(1, 365)]
    public int ScanStepDays { get; set; } = 1;
}

[OptionsValidator]
internal sealed partial class SymptomEngineOptionsValidator : IValidateOptions<SymptomEngineOptions>
{
}

/// <summary>
/// Finds a customer's symptoms as of an instant, as a pure function of the customer's history up
/// to that instant: no clock, no state kept between calls. The rules are evaluated on the
/// customer's features at a fixed grid of instants (midnight UTC every
/// <see cref="SymptomEngineOptions.ScanStepDays"/> days, plus the as-of instant) over the lookback
/// period. A critical or minor symptom holds when its rule holds at the as-of instant; it fired
/// when its current run of holding began. Each run of a minor rule in the lookback period adds its
/// weight, halved every half-life from when the run began; when the sum reaches the threshold the
/// recapitulative symptom holds, listing the minor symptoms it sums (each once).
/// </summary>
/// <remarks>
/// Thread-safe and deterministic. The grid is anchored to absolute time, not to the as-of
/// instant, so a live monitor that evaluates the rules at the same instants as time passes keeps
/// the same symptoms incrementally.
/// </remarks>
public sealed class SymptomEngine : ISymptomDetector
{
    /// <summary>The rule id of the recapitulative symptom.</summary>
    public const string RecapitulativeRuleId = "recapitulative";

    private readonly CompiledRuleSet _rules;
    private readonly double _threshold;
    private readonly double _halfLifeTicks;
    private readonly long _lookbackTicks;
    private readonly long _stepTicks;
    private readonly bool _hasMinor;
    private readonly int[] _used;
    private readonly bool _timeDependent;
    private readonly long _reachTicks;

    /// <summary>Per rule, the positions (in <see cref="_used"/>) of the numbers it reads when it is minor; empty for critical rules.</summary>
    private readonly int[][] _minorNumbers;

    /// <summary>Initializes a new instance of the <see cref="SymptomEngine"/> class.</summary>
    /// <param name="rules">The compiled rules.</param>
    /// <param name="options">Threshold, half-life, lookback and step; defaults when null.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public SymptomEngine(CompiledRuleSet rules, SymptomEngineOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(rules);
        options = OptionsCheck.ThrowIfInvalid(options ?? new SymptomEngineOptions(), new SymptomEngineOptionsValidator());
        _rules = rules;
        _threshold = rules.RuleSet.MinorThreshold ?? options.MinorThreshold;
        var halfLifeDays = rules.RuleSet.HalfLifeDays ?? options.HalfLifeDays;
        _halfLifeTicks = halfLifeDays * TimeSpan.TicksPerDay;
        _lookbackTicks = (long)Math.Round(options.LookbackHalfLives * halfLifeDays * TimeSpan.TicksPerDay);
        _stepTicks = options.ScanStepDays * TimeSpan.TicksPerDay;
        _hasMinor = rules.Rules.Any(r => r.Rule.Severity == SymptomSeverity.Minor);
        _timeDependent = rules.Rules.Any(r => r.Condition.Variables.Any(v => v.Type == RuleValueType.Date));
        _used = [.. rules.Rules.SelectMany(r => r.Condition.Variables).Where(v => v.Type == RuleValueType.Number).Select(v => v.Index).Distinct().Order()];

        // How far back an assessment scans (see Instants): the lookback, or with critical rules only at least 90 days.
        _reachTicks = _hasMinor ? _lookbackTicks : Math.Max(_lookbackTicks, 90 * TimeSpan.TicksPerDay);
        _minorNumbers = [.. rules.Rules.Select(r => r.Rule.Severity != SymptomSeverity.Minor ? [] : r.Condition.Variables
            .Where(v => v.Type == RuleValueType.Number).Select(v => Array.IndexOf(_used, v.Index)).Distinct().ToArray())];
    }

    /// <summary>Initializes a new instance of the <see cref="SymptomEngine"/> class from validated options.</summary>
    /// <param name="rules">The compiled rules.</param>
    /// <param name="options">The options.</param>
    public SymptomEngine(CompiledRuleSet rules, IOptions<SymptomEngineOptions> options)
        : this(rules, (options ?? throw new ArgumentNullException(nameof(options))).Value)
    {
    }

    /// <summary>Gets the compiled rules.</summary>
    public CompiledRuleSet Rules => _rules;

    /// <summary>Gets the recapitulative threshold in force.</summary>
    public double MinorThreshold => _threshold;

    /// <summary>Gets the half-life in force, in days.</summary>
    public double HalfLifeDays => _halfLifeTicks / TimeSpan.TicksPerDay;

    /// <summary>Gets how far back minor symptoms are looked for.</summary>
    public TimeSpan Lookback => TimeSpan.FromTicks(_lookbackTicks);

    /// <summary>Gets the step of the evaluation grid.</summary>
    public TimeSpan ScanStep => TimeSpan.FromTicks(_stepTicks);

    /// <summary>Evaluates one snapshot on its own (no history): symptoms that hold at its instant, fired then, the recapitulative one from the minor symptoms holding then.</summary>
    /// <param name="snapshot">The snapshot.</param>
    /// <param name="profile">The profile (for text and date variables), if any.</param>
    /// <returns>The symptoms.</returns>
    public IReadOnlyList<Symptom> Evaluate(CustomerSnapshot snapshot, CustomerProfile? profile = null)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return Detect(new SnapshotOnlyHistory(snapshot, profile));
    }

    /// <inheritdoc />
    public IReadOnlyList<Symptom> Detect(ICustomerHistory history)
    {
        ArgumentNullException.ThrowIfNull(history);
        return Detect(history, null);
    }

    /// <summary>Starts one customer's live symptom state (see <see cref="SymptomState"/>).</summary>
    /// <returns>An empty state.</returns>
    public SymptomState NewState() => new((_rules.Rules.Count + 7) / 8);

    /// <summary>
    /// Records, in a customer's live state, the grid instants before <paramref name="before"/> that a
    /// later assessment can look back to: call it with the instant of each new event before the
    /// event is added to the customer's features, so that <paramref name="current"/> still reads the
    /// features as they were at those instants.
    /// </summary>
    /// <param name="state">The customer's symptom state.</param>
    /// <param name="current">The customer's features as they are now (readable at any instant from the latest event on; its <see cref="ICustomerHistory.FirstSeen"/> as of <paramref name="before"/>).</param>
    /// <param name="before">The instant of the event about to be added.</param>
    public void Record(SymptomState state, ICustomerHistory current, DateTimeOffset before)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(current);
        var b = before.UtcTicks;
        if (b <= state.Until)
        {
            return;
        }

        // The grid instants before the previous event are recorded; later assessments (as of `before`
        // or after) look back to GridCeil(before - reach) at the earliest.
        var recorded = state.Until == long.MinValue ? long.MinValue : GridCeil(state.Until);
        var keep = GridCeil(b - _reachTicks);
        var start = Math.Max(recorded, keep);
        if (current.FirstSeen is { } seen)
        {
            start = Math.Max(start, GridCeil(seen.UtcTicks));
        }

        if (state.Count > 0 && start > recorded)
        {
            state.Clear();
        }
        else
        {
            state.DropFirst((int)Math.Min(state.Count, (keep - state.First + _stepTicks - 1) / _stepTicks), _stepTicks);
        }

        if (state.Count == 0)
        {
            state.First = start;
        }

        state.Until = b;
        if (current.FirstSeen is null || start >= b)
        {
            return;
        }

        var instants = new List<long>();
        for (var g = start; g < b; g += _stepTicks)
        {
            instants.Add(g);
        }

        var reader = new Reader(_rules, _used, _timeDependent, current, null, _minorNumbers);
        reader.Load(instants);
        try
        {
            var fired = new bool[_rules.Rules.Count];
            for (var k = 0; k < instants.Count; k++)
            {
                reader.Evaluate(k, fired);
                state.Add(fired, reader.Pack(fired));
            }
        }
        finally
        {
            reader.Release();
        }
    }

    /// <summary>
    /// Finds a customer's symptoms as of <paramref name="current"/>'s instant from their live state:
    /// the symptoms <see cref="Detect(ICustomerHistory)"/> finds from the customer's whole history,
    /// the earlier grid instants read from <paramref name="state"/> (see <see cref="Record"/>).
    /// </summary>
    /// <param name="state">The customer's symptom state, recorded up to their latest event.</param>
    /// <param name="current">The customer's features as they are now, readable from their latest event on; its <see cref="ICustomerHistory.AsOf"/> is the instant assessed.</param>
    /// <returns>The symptoms.</returns>
    public IReadOnlyList<Symptom> Detect(SymptomState state, ICustomerHistory current) => Detect(state, current, words: true);

    /// <summary>As <see cref="Detect(SymptomState, ICustomerHistory)"/>, with or without the words: without them every symptom (and part) has an empty <see cref="Symptom.Explanation"/>, the rest (ids, severities, instants, weights, parts) is the same; a live monitor decides on every event without them, which costs a fraction.</summary>
    /// <param name="state">The customer's symptom state, recorded up to their latest event.</param>
    /// <param name="current">The customer's features as they are now.</param>
    /// <param name="words">Whether to write the explanations.</param>
    /// <returns>The symptoms.</returns>
    public IReadOnlyList<Symptom> Detect(SymptomState state, ICustomerHistory current, bool words)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(current);
        return Detect(current, state, words);
    }

    private List<Symptom> Detect(ICustomerHistory history, SymptomState? recorded, bool words = true)
    {
        var asOf = history.AsOf.UtcTicks;
        var reader = new Reader(_rules, _used, _timeDependent, history, recorded, _minorNumbers, _stepTicks);
        var n = _rules.Rules.Count;
        var fired = new bool[n];
        var symptoms = new List<Symptom>();

        // Without minor rules nothing earlier matters unless a rule holds at the instant, as for most customers it does not.
        if (!_hasMinor)
        {
            reader.Evaluate(asOf, fired);
            if (!fired.Contains(true))
            {
                return symptoms;
            }
        }

        var instants = Instants(asOf, history.FirstSeen?.UtcTicks ?? asOf);
        reader.Load(instants);
        try
        {
            return Scan(reader, instants, asOf, fired, words);
        }
        finally
        {
            reader.Release();
        }
    }

    private List<Symptom> Scan(Reader reader, List<long> instants, long asOf, bool[] fired, bool words)
    {
        var n = _rules.Rules.Count;
        var symptoms = new List<Symptom>();
        var runStart = new long[n];
        Array.Fill(runStart, long.MinValue);
        var episodes = new List<Episode>();
        long recapStart = long.MinValue;

        // The decayed sum of the minor runs so far, carried from instant to instant (no run in the
        // scan is older than the lookback, so it is a plain sum of halving weights).
        var sum = 0.0;
        long previous = 0, delta = -1;
        var factor = 1.0;
        for (var k = 0; k < instants.Count; k++)
        {
            var t = instants[k];
            if (k > 0)
            {
                if (t - previous != delta)
                {
                    delta = t - previous;
                    factor = Math.Pow(0.5, delta / _halfLifeTicks);
                }

                sum *= factor;
            }

            previous = t;
            reader.Evaluate(k, fired);
            for (var i = 0; i < n; i++)
            {
                if (fired[i] && runStart[i] == long.MinValue)
                {
                    runStart[i] = t;
                    if (_rules.Rules[i].Rule.Severity == SymptomSeverity.Minor)
                    {
                        episodes.Add(new Episode(i, t, k));
                        sum += _rules.Rules[i].Rule.Weight;
                    }
                }
                else if (!fired[i] && runStart[i] != long.MinValue)
                {
                    runStart[i] = long.MinValue;
                }
            }

            if (sum >= _threshold && recapStart == long.MinValue)
            {
                recapStart = t;
            }
            else if (sum < _threshold)
            {
                recapStart = long.MinValue;
            }
        }

        // The instants end at the as-of instant: runs still open hold now.
        for (var i = 0; i < n; i++)
        {
            if (!fired[i])
            {
                continue;
            }

            var rule = _rules.Rules[i].Rule;
            var start = new DateTimeOffset(runStart[i], TimeSpan.Zero);
            var text = words ? $"{Describe(rule)} ({reader.Explain(i)})" : string.Empty;
            symptoms.Add(rule.Severity == SymptomSeverity.Critical
                ? new Symptom(rule.Id, SymptomSeverity.Critical, start, text)
                : new Symptom(rule.Id, SymptomSeverity.Minor, start, text) { Weight = Decayed(rule.Weight, asOf - runStart[i]) });
        }

        // The recapitulative symptom: the exact sum of each run's decayed weight now.
        var exact = Sum(episodes, asOf);
        if (_hasMinor && exact >= _threshold && exact > 0)
        {
            var components = new List<Symptom>();
            for (var e = episodes.Count - 1; e >= 0; e--)
            {
                var episode = episodes[e];
                var rule = _rules.Rules[episode.Rule].Rule;
                var weight = Decayed(rule.Weight, asOf - episode.Start);
                if (weight > 0)
                {
                    var text = string.Empty;
                    if (words)
                    {
                        reader.Evaluate(episode.Instant, fired);
                        text = $"{Describe(rule)} ({reader.Explain(episode.Rule)})";
                    }

                    components.Add(new Symptom(rule.Id, SymptomSeverity.Minor, new DateTimeOffset(episode.Start, TimeSpan.Zero), text) { Weight = weight });
                }
            }

            var list = words ? string.Join("; ", components.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.RuleId} since {c.FiredAt:yyyy-MM-dd} ({c.Weight:0.##})"))) : string.Empty;
            symptoms.Add(new Symptom(
                RecapitulativeRuleId,
                SymptomSeverity.Recapitulative,
                new DateTimeOffset(recapStart != long.MinValue ? recapStart : asOf, TimeSpan.Zero),
                words ? string.Create(CultureInfo.InvariantCulture, $"minor symptoms add up to {exact:0.##} (threshold {_threshold:0.##}, half-life {HalfLifeDays:0.##} days): {list}") : string.Empty)
            {
                Weight = exact,
                Components = components,
            });
        }

        return symptoms;
    }

    /// <summary>The evaluation instants, oldest first: grid instants in (asOf − lookback, asOf] at or after the customer was first seen, then the as-of instant.</summary>
    internal List<long> Instants(long asOf, long firstSeen)
    {
        // With critical rules only, the grid still tells when each run began: it is walked back at least 90 days.
        var from = Math.Max(firstSeen, asOf - _reachTicks);
        var instants = new List<long>((int)Math.Min(4096, (Math.Max(0, asOf - from) / _stepTicks) + 2));
        for (var g = GridCeil(from); g < asOf; g += _stepTicks)
        {
            instants.Add(g);
        }

        instants.Add(asOf);
        return instants;
    }

    /// <summary>The first grid instant (midnight UTC, every step from the epoch) at or after an instant.</summary>
    private long GridCeil(long ticks)
    {
        var epoch = DateTimeOffset.UnixEpoch.UtcTicks;
        var k = Math.DivRem(ticks - epoch, _stepTicks, out var rest);
        return epoch + ((k + (rest > 0 ? 1 : 0)) * _stepTicks);
    }

    private static string Describe(Rule rule) =>
        string.IsNullOrEmpty(rule.Description) ? $"{rule.Id}: {rule.Expression}" : $"{rule.Id}: {rule.Description} [{rule.Expression}]";

    private double Decayed(double weight, long elapsedTicks) =>
        elapsedTicks > _lookbackTicks ? 0 : weight * Math.Pow(0.5, Math.Max(0, elapsedTicks) / _halfLifeTicks);

    private double Sum(List<Episode> episodes, long t)
    {
        var sum = 0.0;
        foreach (var e in episodes)
        {
            sum += Decayed(_rules.Rules[e.Rule].Rule.Weight, t - e.Start);
        }

        return sum;
    }

    /// <summary>One run of a minor rule: which rule, when it began, and at which scanned instant.</summary>
    private readonly record struct Episode(int Rule, long Start, int Instant);

    /// <summary>Reads a history's features into rule inputs: all instants in one call, only the numbers the rules read.</summary>
    private sealed class Reader
    {
        private readonly CompiledRuleSet _rules;
        private readonly ICustomerHistory _history;
        private readonly int[] _inputSlots;
        private readonly int[] _featureSlots;
        private readonly int _width;
        private readonly RuleInput _template;
        private double[] _rows = [];
        private DateTimeOffset[] _instants = [];
        private int _count = -1;
        private readonly bool _timeDependent;
        private readonly SymptomState? _recorded;
        private readonly int[][] _minorNumbers;
        private readonly long _step;
        private int _prefix;
        private RuleInput _input;

        public Reader(CompiledRuleSet rules, int[] used, bool timeDependent, ICustomerHistory history, SymptomState? recorded, int[][] minorNumbers, long step = 0)
        {
            _recorded = recorded;
            _minorNumbers = minorNumbers;
            _step = step;
            _timeDependent = timeDependent;
            _rules = rules;
            _history = history;
            var schema = rules.Schema;
            _width = history.Schema.Count;

            // Only the numbers some rule reads are copied into the input at each instant.
            _inputSlots = used;
            _featureSlots = new int[used.Length];
            for (var i = 0; i < used.Length; i++)
            {
                _featureSlots[i] = history.Schema.IndexOf(schema.NumberNames[used[i]]);
            }

            _template = schema.NewInput(history.AsOf);
            if (history.Profile is { } profile)
            {
                for (var i = 0; i < schema.TextNames.Count; i++)
                {
                    _template.Texts[i] = profile.Attributes.TryGetValue(schema.TextNames[i], out var s) ? s : schema.TextNames[i] == "owner" ? profile.Owner : null;
                }

                for (var i = 0; i < schema.DateNames.Count; i++)
                {
                    if (schema.DateNames[i] == "signup_date" && profile.SignupDate is { } d)
                    {
                        _template.Dates[i] = d.UtcTicks;
                    }
                }
            }

            _input = _template;
        }

        /// <summary>Reads the features at every instant (ascending), into pooled buffers.</summary>
        public void Load(List<long> instants)
        {
            Release();
            _count = instants.Count;
            _instants = ArrayPool<DateTimeOffset>.Shared.Rent(_count);
            _rows = ArrayPool<double>.Shared.Rent(_count * _width);
            _prefix = 0;
            for (var i = 0; i < _count; i++)
            {
                _instants[i] = new DateTimeOffset(instants[i], TimeSpan.Zero);
                _prefix += _recorded is not null && instants[i] < _recorded.Until ? 1 : 0;
            }

            // Instants a live state has recorded are read from it; the later ones from the features now.
            _history.FeaturesAt(_instants.AsSpan(_prefix, _count - _prefix), _rows.AsSpan(_prefix * _width, (_count - _prefix) * _width));
        }

        /// <summary>Returns the buffers.</summary>
        public void Release()
        {
            if (_count >= 0)
            {
                ArrayPool<DateTimeOffset>.Shared.Return(_instants);
                ArrayPool<double>.Shared.Return(_rows);
                _count = -1;
            }
        }

        /// <summary>Evaluates the rules at the k-th loaded instant.</summary>
        public void Evaluate(int k, Span<bool> fired)
        {
            // Only rules on dates (daysSince) read the instant itself; otherwise one input serves every instant.
            if (_timeDependent)
            {
                _input = _template with { AsOfTicks = _instants[k].UtcTicks };
            }

            if (k < _prefix)
            {
                var at = _instants[k].UtcTicks;
                var index = (at - _recorded!.First) / _step;
                if (at < _recorded.First || (at - _recorded.First) % _step != 0 || index >= _recorded.Count)
                {
                    throw new InvalidOperationException($"The live symptom state does not reach back to {_instants[k]:O}: record each event's instant before adding the event.");
                }

                var packed = _recorded.Get((int)index, fired);
                for (var i = 0; i < _inputSlots.Length; i++)
                {
                    _input.Numbers[_inputSlots[i]] = double.NaN;
                }

                // The numbers of the minor rules that held, each once, in the order Pack wrote them.
                Span<bool> seen = stackalloc bool[_inputSlots.Length];
                seen.Clear();
                var j = 0;
                for (var r = 0; r < fired.Length && packed is not null; r++)
                {
                    foreach (var p in fired[r] ? _minorNumbers[r] : [])
                    {
                        if (!seen[p] && j < packed.Length)
                        {
                            seen[p] = true;
                            _input.Numbers[_inputSlots[p]] = packed[j++];
                        }
                    }
                }

                return;
            }

            var row = _rows.AsSpan(k * _width, _width);
            for (var i = 0; i < _inputSlots.Length; i++)
            {
                _input.Numbers[_inputSlots[i]] = _featureSlots[i] >= 0 ? row[_featureSlots[i]] : double.NaN;
            }

            _rules.Evaluate(_input, fired);
        }

        /// <summary>The numbers the minor rules that held read at the instant last evaluated, each once (what their words need later); null when none held.</summary>
        public double[]? Pack(ReadOnlySpan<bool> fired)
        {
            List<double>? packed = null;
            Span<bool> seen = stackalloc bool[_inputSlots.Length];
            seen.Clear();
            for (var r = 0; r < fired.Length; r++)
            {
                foreach (var p in fired[r] ? _minorNumbers[r] : [])
                {
                    if (!seen[p])
                    {
                        seen[p] = true;
                        (packed ??= []).Add(_input.Numbers[_inputSlots[p]]);
                    }
                }
            }

            return packed?.ToArray();
        }

        /// <summary>Evaluates the rules at one instant, read on its own.</summary>
        public void Evaluate(long ticks, Span<bool> fired)
        {
            Load([ticks]);
            Evaluate(0, fired);
            Release();
        }

        public string Explain(int rule) => _rules.Rules[rule].Condition.Explain(_input);
    }

    /// <summary>A single snapshot seen as a history that starts and ends at its instant.</summary>
    private sealed class SnapshotOnlyHistory(CustomerSnapshot snapshot, CustomerProfile? profile) : ICustomerHistory
    {
        public CustomerId CustomerId => snapshot.CustomerId;

        public DateTimeOffset AsOf => snapshot.AsOf;

        public FeatureSchema Schema => snapshot.Schema;

        public CustomerProfile? Profile => profile;

        public DateTimeOffset? FirstSeen => snapshot.AsOf;

        public void FeaturesAt(DateTimeOffset instant, Span<double> values)
        {
            ArgumentOutOfRangeException.ThrowIfNotEqual(instant, snapshot.AsOf);
            snapshot.Values.CopyTo(values);
        }
    }
}
