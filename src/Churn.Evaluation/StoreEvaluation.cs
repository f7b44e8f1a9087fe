using Churn.Abstractions;

namespace Churn.Evaluation;

/// <summary>What a campaign's outcome is measured on.</summary>
public enum CampaignOutcome
{
    /// <summary>Retained: 1 when the customer did not churn in the horizon (binary).</summary>
    Retained = 0,

    /// <summary>Revenue in the horizon (continuous).</summary>
    Revenue,
}

/// <summary>One playbook's (or offer's, or segment's) effect, from the store.</summary>
/// <param name="Group">The playbook, offer or segment.</param>
/// <param name="Effect">Treated against held out.</param>
public sealed record GroupEffect(string Group, CampaignEffect Effect);

/// <summary>
/// The effect of every playbook against its own holdout, from what the store remembers: the decisions (treated and held
/// out, as the planner stored them) joined with the outcomes observed after them. Each playbook's treated customers are
/// compared with the customers held out of that same playbook, so the comparison is randomised.
/// </summary>
public static class StoreEvaluation
{
    /// <summary>Evaluates the decisions in a period, grouped by playbook (or offer, or segment).</summary>
    /// <param name="decisions">The decision store.</param>
    /// <param name="outcomes">The outcome store.</param>
    /// <param name="outcome">Retention (binary) or revenue (continuous).</param>
    /// <param name="query">Which decisions (a period, a segment); all when null.</param>
    /// <param name="groupBy">What to group by: <c>playbook</c> (default), <c>offer</c> or <c>segment</c>.</param>
    /// <param name="options">Confidence and bootstrap.</param>
    /// <param name="cancellationToken">Cancels the reading.</param>
    /// <returns>One effect per group with both treated and held-out customers with outcomes, in ordinal order; decisions without an outcome yet are left out.</returns>
    public static async Task<IReadOnlyList<GroupEffect>> EvaluateAsync(IInterventionStore decisions, IOutcomeStore outcomes, CampaignOutcome outcome = CampaignOutcome.Retained, StoreQuery? query = null, string groupBy = "playbook", EvaluationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        ArgumentNullException.ThrowIfNull(outcomes);
        if (groupBy is not ("playbook" or "offer" or "segment"))
        {
            throw new ArgumentException($"Group by 'playbook', 'offer' or 'segment', not '{groupBy}'.", nameof(groupBy));
        }

        var observed = new Dictionary<string, InterventionOutcome>(StringComparer.Ordinal);
        await foreach (var o in outcomes.ReadOutcomesAsync(null, cancellationToken).ConfigureAwait(false))
        {
            observed[o.DecisionId] = o;
        }

        var rows = new List<(string Group, string Arm, double Y)>();
        await foreach (var d in decisions.ReadDecisionsAsync(query, cancellationToken).ConfigureAwait(false))
        {
            if (!observed.TryGetValue(d.Id, out var o))
            {
                continue;
            }

            double? y = outcome == CampaignOutcome.Retained ? o.Churned is { } churned ? churned ? 0 : 1 : null : o.Revenue is { } revenue ? (double)revenue : null;
            var group = groupBy switch { "offer" => d.Offer, "segment" => d.Segment, _ => d.Playbook ?? d.Action };
            if (y is { } value && group is not null)
            {
                rows.Add((group, d.IsHoldout ? "holdout" : "treated", value));
            }
        }

        var kind = outcome == CampaignOutcome.Retained ? OutcomeKind.Binary : OutcomeKind.Continuous;
        var result = new List<GroupEffect>();
        foreach (var g in rows.GroupBy(r => r.Group).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var arms = g.Select(r => r.Arm).Distinct().Count();
            var enough = kind == OutcomeKind.Binary || (g.Count(r => r.Arm == "holdout") >= 2 && g.Count(r => r.Arm == "treated") >= 2);
            if (arms == 2 && enough)
            {
                result.Add(new GroupEffect(g.Key, CampaignEvaluator.Evaluate(g.Select(r => (r.Arm, r.Y)), "holdout", kind, options)));
            }
        }

        return result;
    }

    /// <summary>The outcomes of decisions, from the customers' churn status and revenue observed after them: for each decision, whether the customer churned by <paramref name="at"/> (with revenue since the decision, when known).</summary>
    /// <param name="decisions">The decisions whose horizon has passed.</param>
    /// <param name="churnedBy">Whether each customer churned by the instant.</param>
    /// <param name="revenueSince">Each customer's revenue from an instant on (null when unknown).</param>
    /// <param name="at">When the outcomes are observed.</param>
    /// <returns>One outcome per decision, to upsert into the store.</returns>
    public static IReadOnlyList<InterventionOutcome> Observe(IEnumerable<InterventionDecision> decisions, Func<CustomerId, bool> churnedBy, Func<CustomerId, DateTimeOffset, decimal?>? revenueSince, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        ArgumentNullException.ThrowIfNull(churnedBy);
        return [.. decisions.Select(d => new InterventionOutcome(d.Id, d.CustomerId, at, churnedBy(d.CustomerId), revenueSince?.Invoke(d.CustomerId, d.DecidedAt)))];
    }
}
