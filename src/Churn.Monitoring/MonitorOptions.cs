using System.ComponentModel.DataAnnotations;
using Churn.Abstractions;
using Microsoft.Extensions.Options;

namespace Churn.Monitoring;

/// <summary>Options of the <see cref="ChurnMonitor"/>.</summary>
public sealed class MonitorOptions
{
    /// <summary>Gets or sets the lowest level an alert is raised at, when a customer's level rises to it or above.</summary>
    /// <value>The default is <see cref="RiskLevel.High"/>.</value>
    public RiskLevel AlertLevel { get; set; } = RiskLevel.High;

    /// <summary>Gets or sets how long, in event time, after an alert at a level no other alert at that level is raised for the same customer.</summary>
    /// <value>The default is 7 days.</value>
    [Range(typeof(TimeSpan), "00:00:00", "3650.00:00:00")]
    public TimeSpan Cooldown { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Gets or sets how far out of time order an event may arrive and still be applied in order: events are held until the latest event time seen has moved this far past them. A later event is counted as late and left out.</summary>
    /// <value>The default is zero (events are applied as they come; one older than the customer's latest is late).</value>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan ReorderTolerance { get; set; } = TimeSpan.Zero;

    /// <summary>Gets or sets how many recent event keys each customer remembers, so that an event delivered twice changes nothing.</summary>
    /// <value>The default is 16.</value>
    [Range(0, 1024)]
    public int DuplicateMemory { get; set; } = 16;

    /// <summary>Gets or sets the capacity of <see cref="ChurnMonitor.Writer"/>: a writer waits while it is full (backpressure).</summary>
    /// <value>The default is 10,000 events.</value>
    [Range(1, 10_000_000)]
    public int ChannelCapacity { get; set; } = 10_000;

    /// <summary>Gets or sets how many threads apply a batch of events (customers are shared out among them; each customer's events stay in order on one thread, so the result is the same for any number); -1 for all cores.</summary>
    /// <value>The default is -1.</value>
    [Range(-1, 512)]
    public int MaxDegreeOfParallelism { get; set; } = -1;

    /// <summary>Gets or sets the most events <see cref="ChurnMonitor.RunAsync(CancellationToken)"/> takes from the writer (or a stream) at once when they are waiting: a batch is applied on several threads and its alerts are sent after it, so the batch's time bounds the event-to-alert latency under load.</summary>
    /// <value>The default is 512 (a stream that trickles gives smaller batches, so the latency stays low; under load a batch takes about a millisecond).</value>
    [Range(1, 1_000_000)]
    public int BatchSize { get; set; } = 512;

    /// <summary>Gets or sets how often, on the monitor's <see cref="TimeProvider"/>, every customer is assessed again as time passes (inactivity raises risk without any event).</summary>
    /// <value>The default is one day.</value>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan ReassessEvery { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Gets or sets who receives the alerts of customers without an owner in their profile, by segment (a team per segment); see <see cref="DefaultOwner"/>.</summary>
    /// <value>The default is none.</value>
    public IDictionary<string, string> OwnersBySegment { get; set; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Gets or sets who receives the alerts of customers with neither an owner nor a segment in <see cref="OwnersBySegment"/>.</summary>
    /// <value>The default is none (the alert's owner is then null: a sink decides).</value>
    public string? DefaultOwner { get; set; }

    /// <summary>Gets or sets what picks the playbook an alert suggests (the interventions package's planner, or a host's own rule); none when null. Called from several threads at once when a batch is applied in parallel.</summary>
    public Func<RiskAssessment, string?>? SuggestPlaybook { get; set; }

    /// <summary>Gets or sets a value indicating whether log messages name the customer (off by default: logs carry no customer data).</summary>
    public bool LogCustomerIds { get; set; }
}

[OptionsValidator]
internal sealed partial class MonitorOptionsValidator : IValidateOptions<MonitorOptions>
{
}

/// <summary>The checks attributes cannot state.</summary>
internal sealed class MonitorOptionsRules : IValidateOptions<MonitorOptions>
{
    public ValidateOptionsResult Validate(string? name, MonitorOptions options) =>
        options.MaxDegreeOfParallelism == 0 ? ValidateOptionsResult.Fail("MaxDegreeOfParallelism must be -1 (all cores) or at least 1.") : ValidateOptionsResult.Success;
}
