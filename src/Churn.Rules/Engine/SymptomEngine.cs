using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Churn.Abstractions;
using Churn.Rules;
using Microsoft.Extensions.Options;

namespace Churn.Rules;

/// <summary>Options of the <see cref="SymptomEngine"/>.</summary>
public sealed class SymptomEngineOptions
{
    /// <summary>Gets or sets the decayed weight of minor symptoms at which a recapitulative symptom fires (a rule set's own value wins).</summary>
    /// <value>The default is 3.</value>
    [Range(0.001, 1_000_000)]
    public double MinorThreshold { get; set; } = 3;

    /// <summary>Gets or sets the half-life, in days, of a minor symptom's weight (a rule set's own value wins).</summary>
    /// <value>The default is 14 days.</value>
    [Range(0.001, 36_500)]
    public double HalfLifeDays { get; set; } = 14;
}

[OptionsValidator]
internal sealed partial class SymptomEngineOptionsValidator : IValidateOptions<SymptomEngineOptions>
{
}

/// <summary>
/// Evaluates a compiled rule set on customers as they are assessed. Critical rules fire a
/// symptom at once. Minor rules add their weight to the customer's running sum, which halves
/// every half-life; when the decayed sum reaches the threshold a recapitulative symptom fires
/// (naming the minor symptoms behind it) and the sum starts again from zero. Time comes from the
/// <see cref="TimeProvider"/>.
/// </summary>
/// <remarks>Thread-safe: each customer's running sum is updated under its own lock.</remarks>
public sealed class SymptomEngine : ISymptomDetector
{
    /// <summary>The rule id of recapitulative symptoms.</summary>
    public const string RecapitulativeRuleId = "recapitulative";

    private readonly CompiledRuleSet _rules;
    private readonly TimeProvider _time;
    private readonly double _threshold;
    private readonly double _halfLifeTicks;
    private readonly ConcurrentDictionary<CustomerId, MinorState> _state = new();

    /// <summary>Initializes a new instance of the <see cref="SymptomEngine"/> class.</summary>
    /// <param name="rules">The compiled rules.</param>
    /// <param name="options">Threshold and half-life.</param>
    /// <param name="time">The clock.</param>
    public SymptomEngine(CompiledRuleSet rules, IOptions<SymptomEngineOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        _rules = rules;
        _time = time;
        _threshold = rules.RuleSet.MinorThreshold ?? options.Value.MinorThreshold;
        _halfLifeTicks = (rules.RuleSet.HalfLifeDays ?? options.Value.HalfLifeDays) * TimeSpan.TicksPerDay;
    }

    /// <summary>Gets the recapitulative threshold in force.</summary>
    public double MinorThreshold => _threshold;

    /// <summary>Evaluates a snapshot (numbers by feature name) with the customer's profile.</summary>
    /// <param name="snapshot">The snapshot.</param>
    /// <param name="profile">The profile (for text and date variables), if any.</param>
    /// <returns>The symptoms that fired.</returns>
    public IReadOnlyList<Symptom> Evaluate(CustomerSnapshot snapshot, CustomerProfile? profile = null)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return Evaluate(snapshot.CustomerId, _rules.Schema.InputFor(snapshot, profile));
    }

    /// <inheritdoc />
    public IReadOnlyList<Symptom> Detect(CustomerSnapshot snapshot) => Evaluate(snapshot);

    /// <summary>Evaluates one customer's input.</summary>
    /// <param name="customerId">The customer.</param>
    /// <param name="input">The values.</param>
    /// <returns>The symptoms that fired: critical ones, then a recapitulative one if the minor weight reached the threshold.</returns>
    public IReadOnlyList<Symptom> Evaluate(CustomerId customerId, RuleInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var now = _time.GetUtcNow();
        var symptoms = new List<Symptom>();
        List<(CompiledRule Rule, string Values)>? minors = null;
        var added = 0.0;
        foreach (var rule in _rules.Rules)
        {
            if (!rule.Condition.Predicate(input))
            {
                continue;
            }

            var values = rule.Condition.Explain(input);
            if (rule.Rule.Severity == SymptomSeverity.Critical)
            {
                symptoms.Add(new Symptom(rule.Rule.Id, SymptomSeverity.Critical, now, $"{Describe(rule.Rule)} ({values})"));
            }
            else
            {
                (minors ??= []).Add((rule, values));
                added += rule.Rule.Weight;
            }
        }

        if (minors is not null)
        {
            var state = _state.GetOrAdd(customerId, _ => new MinorState());
            lock (state)
            {
                var sum = Decayed(state, now.UtcTicks) + added;
                state.Sum = sum;
                state.LastTicks = now.UtcTicks;
                foreach (var (rule, values) in minors)
                {
                    state.Recent.Add($"{rule.Rule.Id} ({values})");
                    if (state.Recent.Count > 20)
                    {
                        state.Recent.RemoveAt(0);
                    }
                }

                if (sum >= _threshold)
                {
                    symptoms.Add(new Symptom(
                        RecapitulativeRuleId,
                        SymptomSeverity.Critical,
                        now,
                        string.Create(CultureInfo.InvariantCulture, $"minor symptoms add up to {sum:0.##} (threshold {_threshold:0.##}, half-life {_halfLifeTicks / TimeSpan.TicksPerDay:0.##} days): {string.Join("; ", state.Recent)}")));
                    state.Sum = 0;
                    state.Recent.Clear();
                }
            }
        }

        return symptoms;
    }

    /// <summary>Gets a customer's decayed minor weight now.</summary>
    /// <param name="customerId">The customer.</param>
    /// <returns>The weight (0 for a customer never seen).</returns>
    public double MinorWeight(CustomerId customerId)
    {
        if (!_state.TryGetValue(customerId, out var state))
        {
            return 0;
        }

        lock (state)
        {
            return Decayed(state, _time.GetUtcNow().UtcTicks);
        }
    }

    private static string Describe(Rule rule) =>
        string.IsNullOrEmpty(rule.Description) ? $"{rule.Id}: {rule.Expression}" : $"{rule.Id}: {rule.Description} [{rule.Expression}]";

    private double Decayed(MinorState state, long nowTicks)
    {
        if (state.Sum == 0)
        {
            return 0;
        }

        var elapsed = Math.Max(0, nowTicks - state.LastTicks);
        return state.Sum * Math.Pow(0.5, elapsed / _halfLifeTicks);
    }

    private sealed class MinorState
    {
        public double Sum { get; set; }

        public long LastTicks { get; set; }

        public List<string> Recent { get; } = [];
    }
}
