using Churn.Abstractions;
using Churn.Rules;

namespace Churn.Rules;

/// <summary>How many customers one rule flags in a dry run.</summary>
/// <param name="Id">The rule id.</param>
/// <param name="Severity">Its severity.</param>
/// <param name="Flagged">Customers flagged.</param>
public sealed record RuleDryRunCount(string Id, SymptomSeverity Severity, int Flagged);

/// <summary>The result of applying a rule set to a whole base without raising anything.</summary>
/// <param name="Customers">Customers evaluated.</param>
/// <param name="Rules">Per rule, customers flagged.</param>
/// <param name="Overlap">Overlap[i, j]: customers flagged by both rule i and rule j (the diagonal is each rule's count).</param>
/// <param name="AnyFlagged">Customers flagged by at least one rule.</param>
/// <param name="RecapitulativeFlagged">Customers whose minor weights, added without decay, reach the threshold.</param>
public sealed record RuleDryRunReport(int Customers, IReadOnlyList<RuleDryRunCount> Rules, int[,] Overlap, int AnyFlagged, int RecapitulativeFlagged);

/// <summary>Applies a rule set to a base and counts what each rule would flag and how the rules overlap, so thresholds can be tuned before going live.</summary>
public static class RuleDryRun
{
    /// <summary>Runs the rules over inputs.</summary>
    /// <param name="rules">The compiled rules.</param>
    /// <param name="inputs">One input per customer.</param>
    /// <param name="minorThreshold">The recapitulative threshold (defaults to the rule set's, else 3).</param>
    /// <param name="onCustomer">Called with each customer's fired rules (indices into <see cref="CompiledRuleSet.Rules"/>), for writing per-customer symptoms.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The report.</returns>
    public static RuleDryRunReport Run(
        CompiledRuleSet rules,
        IEnumerable<(CustomerId Customer, RuleInput Input)> inputs,
        double? minorThreshold = null,
        Action<CustomerId, RuleInput, IReadOnlyList<int>>? onCustomer = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(inputs);
        var n = rules.Rules.Count;
        var overlap = new int[n, n];
        var fired = new bool[n];
        var indices = new List<int>(n);
        var threshold = minorThreshold ?? rules.RuleSet.MinorThreshold ?? 3;
        int customers = 0, any = 0, recap = 0;
        foreach (var (customer, input) in inputs)
        {
            if ((++customers & 0xFFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            rules.Evaluate(input, fired);
            indices.Clear();
            var minor = 0.0;
            for (var i = 0; i < n; i++)
            {
                if (!fired[i])
                {
                    continue;
                }

                indices.Add(i);
                if (rules.Rules[i].Rule.Severity == SymptomSeverity.Minor)
                {
                    minor += rules.Rules[i].Rule.Weight;
                }
            }

            foreach (var i in indices)
            {
                foreach (var j in indices)
                {
                    overlap[i, j]++;
                }
            }

            any += indices.Count > 0 ? 1 : 0;
            recap += minor >= threshold && minor > 0 ? 1 : 0;
            onCustomer?.Invoke(customer, input, indices);
        }

        var counts = rules.Rules.Select((r, i) => new RuleDryRunCount(r.Rule.Id, r.Rule.Severity, overlap[i, i])).ToList();
        return new RuleDryRunReport(customers, counts, overlap, any, recap);
    }
}
