using System.Globalization;
using System.Text.Json;
using Churn.Abstractions;
using Churn.Data;
using Churn.Modeling;

namespace Churn.Evaluation;

/// <summary>
/// Keeps interventions from teaching the model the wrong lesson: a customer an intervention saved looks, in the labels,
/// like a customer who was never going to leave. Rows of treated customers whose label window the treatment can have
/// touched are left out of the retraining set; held-out customers stay (they are the untreated truth).
/// </summary>
public static class RetrainingSet
{
    /// <summary>Leaves out the rows whose outcome a treatment may have changed: a treated (not held-out) decision for the customer after <c>asOf − before</c> and at or before <c>asOf + horizon</c>.</summary>
    /// <param name="set">The training set (snapshots as of their instants, labelled over the horizon after them).</param>
    /// <param name="decisions">The interventions decided (from the store).</param>
    /// <param name="horizon">The label horizon.</param>
    /// <param name="before">How long before the instant a treatment still acts (default: one horizon).</param>
    /// <returns>The set without those rows, and how many were left out.</returns>
    public static (TrainingSet Set, int Excluded) ExcludeTreated(TrainingSet set, IEnumerable<InterventionDecision> decisions, TimeSpan horizon, TimeSpan? before = null)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(decisions);
        var treated = decisions.Where(d => !d.IsHoldout).GroupBy(d => d.CustomerId).ToDictionary(g => g.Key, g => g.Select(d => d.DecidedAt).Order().ToArray());
        var lookBack = before ?? horizon;
        var kept = new List<(CustomerSnapshot Snapshot, bool Churned)>(set.Rows.Count);
        foreach (var row in set.Rows)
        {
            var asOf = row.Snapshot.AsOf;
            if (treated.TryGetValue(row.Snapshot.CustomerId, out var at) && at.Any(t => t > asOf - lookBack && t <= asOf + horizon))
            {
                continue;
            }

            kept.Add(row);
        }

        return (new TrainingSet(set.Schema, kept), set.Rows.Count - kept.Count);
    }
}

/// <summary>A champion / challenger decision: both models scored on the same recent labelled window, and whether the challenger replaces the champion.</summary>
/// <param name="ChampionAuc">The champion's ROC-AUC on the window.</param>
/// <param name="ChallengerAuc">The challenger's.</param>
/// <param name="ChampionBrier">The champion's Brier score (lower is better).</param>
/// <param name="ChallengerBrier">The challenger's.</param>
/// <param name="Rows">The window's rows.</param>
/// <param name="Replace">Whether the challenger replaces the champion.</param>
/// <param name="Reason">Why, in words.</param>
/// <param name="DecidedAt">When the decision was taken.</param>
public sealed record ModelDecision(double ChampionAuc, double ChallengerAuc, double ChampionBrier, double ChallengerBrier, int Rows, bool Replace, string Reason, DateTimeOffset DecidedAt)
{
    /// <summary>The name decisions are kept under in a checkpoint store: <c>model-decision/</c> and the instant.</summary>
    public const string CheckpointPrefix = "model-decision/";

    /// <summary>Records the decision in a checkpoint store (JSON, under <see cref="CheckpointPrefix"/> and the instant), so the history of model changes can be audited.</summary>
    /// <param name="store">The store.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>A task that completes once the decision is durable.</returns>
    public async Task RecordAsync(ICheckpointStore store, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var json = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["championAuc"] = ChampionAuc,
            ["challengerAuc"] = ChallengerAuc,
            ["championBrier"] = ChampionBrier,
            ["challengerBrier"] = ChallengerBrier,
            ["rows"] = Rows,
            ["replace"] = Replace,
            ["reason"] = Reason,
            ["decidedAt"] = DecidedAt.ToString("O", CultureInfo.InvariantCulture),
        }, ModelDecisionJson.Default.DictionaryStringObject);
        await store.SaveCheckpointsAsync([new StoreCheckpoint(CheckpointPrefix + DecidedAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture), 0, json, DecidedAt)], cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Compares a retrained model (the challenger) with the one in use (the champion) on the same recent window before it replaces it.</summary>
public static class ChampionChallenger
{
    /// <summary>Scores both models on the same labelled window: the challenger replaces the champion when its ROC-AUC is higher by at least <paramref name="minAucGain"/> and its Brier score is no worse by more than 1 %.</summary>
    /// <param name="champion">The model in use.</param>
    /// <param name="challenger">The retrained model.</param>
    /// <param name="window">Recent labelled rows neither model was trained on (for example built as of a month ago, labelled since).</param>
    /// <param name="decidedAt">The instant of the decision.</param>
    /// <param name="minAucGain">The least ROC-AUC gain that justifies a change (default 0.005).</param>
    /// <returns>The decision.</returns>
    /// <exception cref="ArgumentException">The window has no rows, or only one class.</exception>
    public static ModelDecision Compare(ChurnModel champion, ChurnModel challenger, TrainingSet window, DateTimeOffset decidedAt, double minAucGain = 0.005)
    {
        ArgumentNullException.ThrowIfNull(champion);
        ArgumentNullException.ThrowIfNull(challenger);
        ArgumentNullException.ThrowIfNull(window);
        var labels = window.Rows.Select(r => r.Churned).ToArray();
        if (labels.Length == 0 || labels.All(l => l) || labels.All(l => !l))
        {
            throw new ArgumentException("The window needs rows of both classes to compare models.", nameof(window));
        }

        var snapshots = window.Rows.Select(r => r.Snapshot).ToList();
        var a = MetricsCalculator.Compute(champion.Score(snapshots), labels);
        var b = MetricsCalculator.Compute(challenger.Score(snapshots), labels);
        var replace = b.Auc >= a.Auc + minAucGain && b.Brier <= a.Brier * 1.01;
        var reason = replace
            ? string.Create(CultureInfo.InvariantCulture, $"the challenger's ROC-AUC {b.Auc:0.0000} beats the champion's {a.Auc:0.0000} by at least {minAucGain} and its Brier score {b.Brier:0.0000} is no worse than {a.Brier:0.0000}")
            : string.Create(CultureInfo.InvariantCulture, $"the challenger's ROC-AUC {b.Auc:0.0000} against the champion's {a.Auc:0.0000} (gain needed {minAucGain}), Brier {b.Brier:0.0000} against {a.Brier:0.0000}: the champion stays");
        return new ModelDecision(a.Auc, b.Auc, a.Brier, b.Brier, labels.Length, replace, reason, decidedAt);
    }
}

/// <summary>JSON without reflection for the decision record.</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, object>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(double))]
[System.Text.Json.Serialization.JsonSerializable(typeof(int))]
[System.Text.Json.Serialization.JsonSerializable(typeof(bool))]
[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class ModelDecisionJson : System.Text.Json.Serialization.JsonSerializerContext
{
}

/// <summary>When to retrain: on a schedule (the model's age), or when the data has drifted from the model's training data.</summary>
public sealed record RetrainingPolicy
{
    /// <summary>Gets the most a model may age before it is retrained (default 30 days; none: no schedule).</summary>
    public TimeSpan? Every { get; init; } = TimeSpan.FromDays(30);

    /// <summary>Gets the PSI of the model's probability at which it is retrained (default 0.25).</summary>
    public double ScoreDrift { get; init; } = 0.25;

    /// <summary>Gets the PSI of a single feature at which it is retrained (default none: the probability's drift decides).</summary>
    public double? FeatureDrift { get; init; }

    /// <summary>Whether to retrain now, and why.</summary>
    /// <param name="model">The model in use.</param>
    /// <param name="now">The instant.</param>
    /// <param name="drift">The model's drift on recent data (<see cref="ChurnModel.Drift"/>), if measured.</param>
    /// <returns>The answer and the reason in words.</returns>
    public (bool Retrain, string Reason) Decide(ChurnModel model, DateTimeOffset now, ModelDrift? drift = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var c = CultureInfo.InvariantCulture;
        var age = now - model.Metadata.TrainedAt;
        if (Every is { } every && age >= every)
        {
            return (true, string.Create(c, $"the model is {age.TotalDays:0} days old, the schedule retrains every {every.TotalDays:0}"));
        }

        if (drift is not null && drift.Overall >= ScoreDrift)
        {
            return (true, string.Create(c, $"the probability's PSI {drift.Overall:0.000} reaches {ScoreDrift}"));
        }

        if (drift is not null && FeatureDrift is { } f && drift.Features.FirstOrDefault(x => x.Psi >= f) is { } moved)
        {
            return (true, string.Create(c, $"feature '{moved.Feature}' has a PSI of {moved.Psi:0.000}, at least {f}"));
        }

        return (false, string.Create(c, $"the model is {age.TotalDays:0} days old{(drift is null ? string.Empty : string.Create(c, $" and the probability's PSI is {drift.Overall:0.000}"))}: no need"));
    }
}

/// <summary>What a <see cref="RetrainingLoop"/> run did.</summary>
/// <param name="Model">The model to use from now on: the challenger when it won, else the champion.</param>
/// <param name="Retrained">Whether a challenger was trained.</param>
/// <param name="Replaced">Whether it replaced the champion.</param>
/// <param name="Reason">Why, in words.</param>
/// <param name="Decision">The champion / challenger decision, when a challenger was trained.</param>
/// <param name="Excluded">Training rows left out because a treatment touched them.</param>
public sealed record RetrainingRun(ChurnModel Model, bool Retrained, bool Replaced, string Reason, ModelDecision? Decision, int Excluded);

/// <summary>
/// The loop back into the model, in one call: asks the <see cref="RetrainingPolicy"/> (the model's age, its drift on
/// recent data); when it says so, builds the training set at monthly instants that end before the comparison window,
/// leaves out what the stored interventions touched, trains a challenger, compares it with the champion on the most
/// recent labelled window (also without the treated), records the decision, and returns the model to use.
/// </summary>
/// <param name="policy">When to retrain.</param>
/// <param name="trainingSet">Builds a labelled training set at instants (for example <c>pipeline.BuildTrainingSet(data, instants)</c>).</param>
/// <param name="train">Trains a model on a training set.</param>
/// <param name="decisions">The stored interventions.</param>
/// <param name="log">Where decisions are recorded, if anywhere.</param>
public sealed class RetrainingLoop(RetrainingPolicy policy, Func<IReadOnlyList<DateTimeOffset>, TrainingSet> trainingSet, Func<TrainingSet, ChurnModel> train, IInterventionStore decisions, ICheckpointStore? log = null)
{
    /// <summary>Gets the label horizon (default 30 days): the comparison window is labelled over the horizon before now.</summary>
    public TimeSpan Horizon { get; init; } = TimeSpan.FromDays(30);

    /// <summary>Gets how many horizons back the training instants reach (default 4).</summary>
    public int TrainingInstants { get; init; } = 4;

    /// <summary>Runs once.</summary>
    /// <param name="champion">The model in use.</param>
    /// <param name="now">The instant (the data must reach it).</param>
    /// <param name="recent">Recent data with the model's features, to measure drift on (none: the schedule alone decides).</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>What the run did.</returns>
    public async Task<RetrainingRun> RunAsync(ChurnModel champion, DateTimeOffset now, ModelTable? recent = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(champion);
        ArgumentNullException.ThrowIfNull(policy);
        var drift = recent is null ? null : champion.Drift(recent, policy.ScoreDrift);
        var (retrain, why) = policy.Decide(champion, now, drift);
        if (!retrain)
        {
            return new RetrainingRun(champion, false, false, why, null, 0);
        }

        // The window's labels end now; the training instants' labels end before the window starts, so nothing overlaps.
        var windowAt = now - Horizon;
        var instants = Enumerable.Range(1, Math.Max(1, TrainingInstants)).Select(k => windowAt - (k * Horizon)).Order().ToList();
        var stored = new List<InterventionDecision>();
        await foreach (var d in decisions.ReadDecisionsAsync(new StoreQuery { From = instants[0] - Horizon, To = now }, cancellationToken).ConfigureAwait(false))
        {
            stored.Add(d);
        }

        var (clean, excluded) = RetrainingSet.ExcludeTreated(trainingSet(instants), stored, Horizon);
        cancellationToken.ThrowIfCancellationRequested();
        var challenger = train(clean);
        var window = RetrainingSet.ExcludeTreated(trainingSet([windowAt]), stored, Horizon).Set;
        var decision = ChampionChallenger.Compare(champion, challenger, window, now);
        if (log is not null)
        {
            await decision.RecordAsync(log, cancellationToken).ConfigureAwait(false);
        }

        return new RetrainingRun(decision.Replace ? challenger : champion, true, decision.Replace, $"{why}; {decision.Reason}", decision, excluded);
    }
}
