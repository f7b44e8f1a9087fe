using Churn.Abstractions;
using Churn.Data;

namespace Churn.Data;

/// <summary>How churn is defined.</summary>
public enum ChurnDefinition
{
    /// <summary>A subscription cancellation within the horizon (contract businesses).</summary>
    Contractual = 0,

    /// <summary>No activity within the horizon (retail, apps: no contract to cancel).</summary>
    NonContractual,
}

/// <summary>Options of the <see cref="LabelBuilder"/>.</summary>
public sealed class LabelOptions
{
    /// <summary>Gets or sets how churn is defined.</summary>
    /// <value>The default is <see cref="ChurnDefinition.Contractual"/>.</value>
    public ChurnDefinition Definition { get; set; } = ChurnDefinition.Contractual;

    /// <summary>Gets or sets the prediction horizon in days: the label looks at (as-of, as-of + horizon].
    /// For <see cref="ChurnDefinition.NonContractual"/> it is also the inactivity period N that defines churn.</summary>
    /// <value>The default is 30 days.</value>
    [System.ComponentModel.DataAnnotations.Range(1, 3650)]
    public int HorizonDays { get; set; } = 30;

    /// <summary>Gets or sets the event types that count as activity for <see cref="ChurnDefinition.NonContractual"/>.</summary>
    /// <value>The default is purchase, login, usage and subscription start.</value>
    public IList<CustomerEventType> ActivityTypes { get; set; } =
        [CustomerEventType.Purchase, CustomerEventType.Login, CustomerEventType.Usage, CustomerEventType.SubscriptionStart];

    /// <summary>Gets or sets the instant up to which the data is complete; labels whose horizon ends later are refused.
    /// <see langword="null"/> takes the log's last event.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public DateTimeOffset? ObservedUntil { get; set; }
}

[Microsoft.Extensions.Options.OptionsValidator]
internal sealed partial class LabelOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<LabelOptions>
{
}

/// <summary>The rules of <see cref="LabelOptions"/> that span members.</summary>
internal sealed class LabelOptionsRules : Microsoft.Extensions.Options.IValidateOptions<LabelOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, LabelOptions options)
    {
        var b = new Microsoft.Extensions.Options.ValidateOptionsResultBuilder();
        if (options.Definition == ChurnDefinition.NonContractual && (options.ActivityTypes is null || options.ActivityTypes.Count == 0))
        {
            b.AddError("a non-contractual definition needs at least one activity type", nameof(options.ActivityTypes));
        }

        if (!Enum.IsDefined(options.Definition))
        {
            b.AddError($"'{options.Definition}' is not a churn definition", nameof(options.Definition));
        }

        return b.Build();
    }
}

/// <summary>A customer's churn label at one instant.</summary>
/// <param name="CustomerId">The customer.</param>
/// <param name="AsOf">The instant the features describe.</param>
/// <param name="Churned">Whether the customer churned in the horizon.</param>
public readonly record struct ChurnLabel(CustomerId CustomerId, DateTimeOffset AsOf, bool Churned);

/// <summary>Whether a customer had already churned at an instant.</summary>
/// <param name="Churned">Whether the customer had churned.</param>
/// <param name="ChurnedAt">When, if churned.</param>
/// <param name="How">How, in words (for example "cancelled the subscription"), if churned.</param>
public readonly record struct ChurnStatus(bool Churned, DateTimeOffset? ChurnedAt, string? How)
{
    /// <summary>Gets the status of a customer who has not churned.</summary>
    public static ChurnStatus Active => default;
}

/// <summary>Snapshots with their labels, stacked over one or more as-of instants.</summary>
/// <param name="Schema">The feature schema.</param>
/// <param name="Rows">The rows: features and label.</param>
public sealed record TrainingSet(FeatureSchema Schema, IReadOnlyList<(CustomerSnapshot Snapshot, bool Churned)> Rows)
{
    /// <summary>Gets the share of rows labelled churned.</summary>
    public double ChurnRate => Rows.Count == 0 ? 0 : Rows.Count(r => r.Churned) / (double)Rows.Count;
}

/// <summary>
/// Builds churn labels for a prediction horizon, contractual (a cancellation in the horizon) or
/// non-contractual (no activity in the horizon). Customers already churned at the as-of instant
/// (cancelled, or inactive for the whole horizon length before it) and customers not yet known
/// are left out: they are not at risk.
/// </summary>
/// <remarks>Thread-safe: the builder is immutable.</remarks>
public sealed class LabelBuilder
{
    private readonly LabelOptions _options;

    /// <summary>Initializes a new instance of the <see cref="LabelBuilder"/> class.</summary>
    /// <param name="options">The definition and horizon; defaults when null.</param>
    /// <exception cref="ArgumentException">The horizon is not positive, or no activity type is given.</exception>
    public LabelBuilder(LabelOptions? options = null)
    {
        _options = Churn.Shared.OptionsCheck.ThrowIfInvalid(options ?? new LabelOptions(), new LabelOptionsValidator(), new LabelOptionsRules());
    }

    /// <summary>Gets the horizon.</summary>
    public TimeSpan Horizon => TimeSpan.FromDays(_options.HorizonDays);

    /// <summary>Labels one customer.</summary>
    /// <param name="log">The events.</param>
    /// <param name="customerIndex">The customer's position in the log.</param>
    /// <param name="asOf">The instant.</param>
    /// <returns>The label, or <see langword="null"/> when the customer is not at risk at <paramref name="asOf"/>
    /// (already churned, or not yet known).</returns>
    /// <exception cref="ArgumentException">The horizon ends after the data does.</exception>
    public bool? Label(EventLog log, int customerIndex, DateTimeOffset asOf)
    {
        ArgumentNullException.ThrowIfNull(log);
        CheckCoverage(log, asOf);
        return LabelCore(log, customerIndex, asOf, Codes(log));
    }

    /// <summary>Tells whether a customer had already churned at an instant, by the churn definition: for contractual churn, the latest subscription event at or before the instant is a cancellation; for non-contractual churn, no activity in the horizon length before it.</summary>
    /// <param name="log">The events.</param>
    /// <param name="customerIndex">The customer's position in the log.</param>
    /// <param name="asOf">The instant; later events are not read.</param>
    /// <returns>The status.</returns>
    public ChurnStatus StatusAt(EventLog log, int customerIndex, DateTimeOffset asOf)
    {
        ArgumentNullException.ThrowIfNull(log);
        var codes = Codes(log);
        var timeline = log.TimelineAsOf(customerIndex, asOf);
        var ticks = timeline.Ticks;
        var types = timeline.TypeCodes;
        if (_options.Definition == ChurnDefinition.Contractual)
        {
            for (var i = ticks.Length - 1; i >= 0; i--)
            {
                if (types[i] == codes.Cancel)
                {
                    return new ChurnStatus(true, new DateTimeOffset(ticks[i], TimeSpan.Zero), "cancelled the subscription");
                }

                if (types[i] == codes.Start)
                {
                    break;
                }
            }

            return ChurnStatus.Active;
        }

        var horizon = Horizon.Ticks;
        var limit = asOf.UtcTicks;
        for (var i = ticks.Length - 1; i >= 0; i--)
        {
            if (codes.Activity[types[i]])
            {
                return limit - ticks[i] < horizon
                    ? ChurnStatus.Active
                    : new ChurnStatus(true, new DateTimeOffset(ticks[i] + horizon, TimeSpan.Zero), $"no activity for {_options.HorizonDays} days");
            }
        }

        return ticks.Length == 0 || limit - ticks[0] < horizon
            ? ChurnStatus.Active
            : new ChurnStatus(true, new DateTimeOffset(ticks[0] + horizon, TimeSpan.Zero), $"no activity for {_options.HorizonDays} days");
    }

    /// <summary>Labels every customer at risk at an instant.</summary>
    /// <param name="log">The events.</param>
    /// <param name="asOf">The instant.</param>
    /// <returns>The labels, in log order.</returns>
    /// <exception cref="ArgumentException">The horizon ends after the data does.</exception>
    public IReadOnlyList<ChurnLabel> LabelAll(EventLog log, DateTimeOffset asOf)
    {
        ArgumentNullException.ThrowIfNull(log);
        CheckCoverage(log, asOf);
        var codes = Codes(log);
        var labels = new List<ChurnLabel>();
        for (var c = 0; c < log.CustomerCount; c++)
        {
            if (LabelCore(log, c, asOf, codes) is { } churned)
            {
                labels.Add(new ChurnLabel(log.Customers[c], asOf, churned));
            }
        }

        return labels;
    }

    /// <summary>
    /// Builds a training set: for each as-of instant, the snapshots of the customers at risk then,
    /// with their labels. Rolling instants (monthly, say) turn history into many examples.
    /// </summary>
    /// <param name="log">The events.</param>
    /// <param name="features">Builds the snapshots.</param>
    /// <param name="asOfDates">The instants; each horizon must end within the data.</param>
    /// <param name="profiles">Profiles by customer; optional.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The training set, ordered by instant then log order.</returns>
    public TrainingSet BuildTrainingSet(
        EventLog log,
        FeatureBuilder features,
        IEnumerable<DateTimeOffset> asOfDates,
        IReadOnlyDictionary<CustomerId, CustomerProfile>? profiles = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(asOfDates);
        var rows = new List<(CustomerSnapshot, bool)>();
        var codes = Codes(log);
        foreach (var asOf in asOfDates)
        {
            cancellationToken.ThrowIfCancellationRequested();
            CheckCoverage(log, asOf);
            var batch = features.BuildAll(log, asOf, profiles, cancellationToken: cancellationToken);
            for (var r = 0; r < batch.Count; r++)
            {
                var c = log.IndexOf(batch.CustomerIds[r]);
                if (LabelCore(log, c, asOf, codes) is { } churned)
                {
                    rows.Add((batch[r], churned));
                }
            }
        }

        return new TrainingSet(features.Schema, rows);
    }

    /// <summary>Gives as-of instants every <paramref name="step"/> from <paramref name="first"/> while the horizon fits in the data.</summary>
    /// <param name="log">The events.</param>
    /// <param name="first">The first instant.</param>
    /// <param name="step">The step.</param>
    /// <returns>The instants.</returns>
    public IEnumerable<DateTimeOffset> RollingAsOfDates(EventLog log, DateTimeOffset first, TimeSpan step)
    {
        ArgumentNullException.ThrowIfNull(log);
        if (step <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(step), "The step must be positive.");
        }

        var end = ObservedUntil(log);
        for (var t = first; t + Horizon <= end; t += step)
        {
            yield return t;
        }
    }

    private DateTimeOffset ObservedUntil(EventLog log) =>
        _options.ObservedUntil ?? log.LastEventTime ?? DateTimeOffset.MinValue;

    private void CheckCoverage(EventLog log, DateTimeOffset asOf)
    {
        var end = ObservedUntil(log);
        if (asOf + Horizon > end)
        {
            throw new ArgumentException(
                $"The horizon of {_options.HorizonDays} days after {asOf:yyyy-MM-dd} ends after the data does ({end:yyyy-MM-dd}): the labels would count customers as churned for lack of data. Pick an earlier as-of date, or say up to when the data is complete (--observed-until / ObservedUntil).",
                nameof(asOf));
        }
    }

    private (int Start, int Cancel, bool[] Activity) Codes(EventLog log)
    {
        var activity = new bool[log.Types.Count];
        foreach (var t in _options.ActivityTypes)
        {
            var code = log.CodeOf(t);
            if (code >= 0)
            {
                activity[code] = true;
            }
        }

        return (log.CodeOf(CustomerEventType.SubscriptionStart), log.CodeOf(CustomerEventType.SubscriptionCancel), activity);
    }

    private bool? LabelCore(EventLog log, int c, DateTimeOffset asOfInstant, (int Start, int Cancel, bool[] Activity) codes)
    {
        var timeline = log.Timeline(c);
        var ticks = timeline.Ticks;
        var types = timeline.TypeCodes;
        var asOf = asOfInstant.UtcTicks;
        var horizon = Horizon.Ticks;
        var seen = timeline.Until(asOfInstant).Count;
        if (seen == 0)
        {
            return null;
        }

        if (_options.Definition == ChurnDefinition.Contractual)
        {
            for (var i = seen - 1; i >= 0; i--)
            {
                if (types[i] == codes.Cancel)
                {
                    return null;
                }

                if (types[i] == codes.Start)
                {
                    break;
                }
            }

            for (var i = seen; i < ticks.Length && ticks[i] - asOf <= horizon; i++)
            {
                if (types[i] == codes.Cancel)
                {
                    return true;
                }
            }

            return false;
        }

        var activeBefore = false;
        for (var i = seen - 1; i >= 0 && asOf - ticks[i] < horizon; i--)
        {
            if (codes.Activity[types[i]])
            {
                activeBefore = true;
                break;
            }
        }

        if (!activeBefore)
        {
            return null;
        }

        for (var i = seen; i < ticks.Length && ticks[i] - asOf <= horizon; i++)
        {
            if (codes.Activity[types[i]])
            {
                return false;
            }
        }

        return true;
    }
}
