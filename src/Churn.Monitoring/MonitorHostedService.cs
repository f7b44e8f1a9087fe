using System.Diagnostics.CodeAnalysis;
using Churn.Abstractions;
using Microsoft.Extensions.Hosting;

namespace Churn.Monitoring;

/// <summary>Options of the <see cref="MonitorHostedService"/>.</summary>
public sealed class MonitorHostingOptions
{
    /// <summary>Gets or sets how often the monitor's state is checkpointed to the registered <see cref="ICheckpointStore"/> (also at shutdown).</summary>
    /// <value>The default is one minute.</value>
    public TimeSpan CheckpointEvery { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Gets or sets the checkpoint's name in the store.</summary>
    /// <value>The default is <c>monitor</c>.</value>
    public string CheckpointName { get; set; } = "monitor";
}

/// <summary>
/// Runs a <see cref="ChurnMonitor"/> in an ASP.NET Core or worker host: restores its state from
/// the last checkpoint (when an <see cref="ICheckpointStore"/> is given), applies what is written
/// to <see cref="ChurnMonitor.Writer"/>, reassesses everyone as time passes, checkpoints on the
/// monitor's clock and at shutdown (after applying the events held for reordering).
/// </summary>
/// <param name="monitor">The monitor.</param>
/// <param name="options">Checkpoint period and name.</param>
/// <param name="checkpoints">Where checkpoints go; none when null (a restart then starts empty).</param>
/// <param name="timeProvider">The clock of the checkpoints; the system clock when null.</param>
public sealed class MonitorHostedService(ChurnMonitor monitor, MonitorHostingOptions? options = null, ICheckpointStore? checkpoints = null, TimeProvider? timeProvider = null) : BackgroundService
{
    private readonly ChurnMonitor _monitor = monitor ?? throw new ArgumentNullException(nameof(monitor));
    private readonly MonitorHostingOptions _options = options ?? new MonitorHostingOptions();
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private long _checkpoints;

    /// <summary>Gets the number of checkpoints written so far.</summary>
    public long Checkpoints => Interlocked.Read(ref _checkpoints);

    /// <summary>Writes a checkpoint now.</summary>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>A task that completes when the checkpoint is durable.</returns>
    public async Task CheckpointAsync(CancellationToken cancellationToken = default)
    {
        if (checkpoints is null)
        {
            return;
        }

        using var state = new MemoryStream();
        await _monitor.WriteStateAsync(state, cancellationToken).ConfigureAwait(false);
        var stats = _monitor.Stats;
        await checkpoints.SaveCheckpointsAsync([new StoreCheckpoint(_options.CheckpointName, stats.Events + stats.Duplicates + stats.Late + stats.Pending, state.ToArray(), _time.GetUtcNow())], cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _checkpoints);
    }

    /// <inheritdoc />
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await _monitor.FlushAsync(cancellationToken).ConfigureAwait(false);
        await CheckpointAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (checkpoints is not null && await checkpoints.GetCheckpointAsync(_options.CheckpointName, stoppingToken).ConfigureAwait(false) is { } last)
        {
            await _monitor.ReadStateAsync(last.State, stoppingToken).ConfigureAwait(false);
        }

        _monitor.Start();
        using var timer = checkpoints is null ? null : new PeriodicTimer(_options.CheckpointEvery, _time);
        var saving = timer is null ? Task.CompletedTask : SaveEveryAsync(timer, stoppingToken);
        try
        {
            await _monitor.RunAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        try
        {
            await saving.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task SaveEveryAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            await CheckpointAsync(stoppingToken).ConfigureAwait(false);
        }
    }
}
