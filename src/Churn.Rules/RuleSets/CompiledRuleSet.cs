using Churn.Rules;

namespace Churn.Rules;

/// <summary>A rule with its compiled condition.</summary>
/// <param name="Rule">The rule.</param>
/// <param name="Condition">The compiled condition.</param>
public sealed record CompiledRule(Rule Rule, CompiledCondition Condition);

/// <summary>A rule set whose enabled rules are compiled against a schema, ready to evaluate at memory speed.</summary>
/// <remarks>Immutable and safe to use from many threads.</remarks>
public sealed class CompiledRuleSet
{
    private CompiledRuleSet(RuleSet ruleSet, RuleSchema schema, CompiledRule[] rules)
    {
        RuleSet = ruleSet;
        Schema = schema;
        Rules = rules;
    }

    /// <summary>Gets the rule set.</summary>
    public RuleSet RuleSet { get; }

    /// <summary>Gets the schema the rules were compiled against.</summary>
    public RuleSchema Schema { get; }

    /// <summary>Gets the enabled rules, compiled, in rule-set order.</summary>
    public IReadOnlyList<CompiledRule> Rules { get; }

    /// <summary>Checks every rule of a set and reports each problem with its position in the file.</summary>
    /// <param name="ruleSet">The rule set.</param>
    /// <param name="schema">The variables rules may name.</param>
    /// <param name="expressionPositions">Where each rule's expression starts in its file (from <see cref="RuleSetJson.Parse"/>), to turn positions in the expression into positions in the file.</param>
    /// <returns>The problems; empty when every rule is valid.</returns>
    public static IReadOnlyList<RuleSetIssue> Validate(RuleSet ruleSet, RuleSchema schema, IReadOnlyList<(int Line, int Column)>? expressionPositions = null)
    {
        ArgumentNullException.ThrowIfNull(ruleSet);
        ArgumentNullException.ThrowIfNull(schema);
        var issues = new List<RuleSetIssue>();
        for (var i = 0; i < ruleSet.Rules.Count; i++)
        {
            var rule = ruleSet.Rules[i];
            if (RuleCompiler.Check(rule.Expression, schema) is { } error)
            {
                var (line, column) = expressionPositions is not null && i < expressionPositions.Count
                    ? (expressionPositions[i].Line + error.Line - 1, error.Line == 1 ? expressionPositions[i].Column + error.Column - 1 : error.Column)
                    : (error.Line, error.Column);
                issues.Add(new RuleSetIssue(line, column, rule.Id, $"{error.Reason} (expression line {error.Line}, column {error.Column})"));
            }
        }

        return issues;
    }

    /// <summary>Compiles the enabled rules of a set.</summary>
    /// <param name="ruleSet">The rule set.</param>
    /// <param name="schema">The variables rules may name.</param>
    /// <returns>The compiled set.</returns>
    /// <exception cref="RuleSetFormatException">A rule does not compile; every problem is listed.</exception>
    public static CompiledRuleSet Compile(RuleSet ruleSet, RuleSchema schema)
    {
        ArgumentNullException.ThrowIfNull(ruleSet);
        ArgumentNullException.ThrowIfNull(schema);
        var issues = Validate(ruleSet, schema);
        if (issues.Count > 0)
        {
            throw new RuleSetFormatException(issues);
        }

        var compiled = ruleSet.Rules.Where(r => r.Enabled).Select(r => new CompiledRule(r, RuleCompiler.Compile(r.Expression, schema))).ToArray();
        return new CompiledRuleSet(ruleSet, schema, compiled);
    }

    /// <summary>Evaluates every rule on one input.</summary>
    /// <param name="input">The values.</param>
    /// <param name="fired">Receives, per rule, whether it fired; its length must be the number of rules.</param>
    /// <returns>How many rules fired.</returns>
    public int Evaluate(RuleInput input, Span<bool> fired)
    {
        ArgumentNullException.ThrowIfNull(input);
        var count = 0;
        for (var i = 0; i < Rules.Count; i++)
        {
            var f = Rules[i].Condition.Predicate(input);
            fired[i] = f;
            count += f ? 1 : 0;
        }

        return count;
    }
}

/// <summary>What changed between two versions of a rule set.</summary>
/// <param name="FromVersion">The old version.</param>
/// <param name="ToVersion">The new version.</param>
/// <param name="Added">Rules only in the new version.</param>
/// <param name="Removed">Rules only in the old version.</param>
/// <param name="Changed">Rules in both whose fields differ, with the names of the fields that changed.</param>
public sealed record RuleSetDiff(string FromVersion, string ToVersion, IReadOnlyList<Rule> Added, IReadOnlyList<Rule> Removed, IReadOnlyList<(Rule Old, Rule New, IReadOnlyList<string> Fields)> Changed)
{
    /// <summary>Gets a value indicating whether the two versions have the same rules.</summary>
    public bool IsEmpty => Added.Count == 0 && Removed.Count == 0 && Changed.Count == 0;

    /// <summary>Compares two versions by rule id.</summary>
    /// <param name="previous">The old version.</param>
    /// <param name="current">The new version.</param>
    /// <returns>The differences.</returns>
    public static RuleSetDiff Compare(RuleSet previous, RuleSet current)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(current);
        var before = previous.Rules.ToDictionary(r => r.Id, StringComparer.Ordinal);
        var after = current.Rules.ToDictionary(r => r.Id, StringComparer.Ordinal);
        var changed = new List<(Rule, Rule, IReadOnlyList<string>)>();
        foreach (var r in current.Rules)
        {
            if (before.TryGetValue(r.Id, out var old) && !old.Equals(r))
            {
                var fields = new List<string>();
                if (old.Expression != r.Expression)
                {
                    fields.Add("expression");
                }

                if (old.Severity != r.Severity)
                {
                    fields.Add("severity");
                }

                if (!old.Weight.Equals(r.Weight))
                {
                    fields.Add("weight");
                }

                if (old.Description != r.Description)
                {
                    fields.Add("description");
                }

                if (!old.Tags.SequenceEqual(r.Tags))
                {
                    fields.Add("tags");
                }

                if (old.Enabled != r.Enabled)
                {
                    fields.Add("enabled");
                }

                changed.Add((old, r, fields));
            }
        }

        return new RuleSetDiff(
            previous.Version,
            current.Version,
            [.. current.Rules.Where(r => !before.ContainsKey(r.Id))],
            [.. previous.Rules.Where(r => !after.ContainsKey(r.Id))],
            changed);
    }
}
