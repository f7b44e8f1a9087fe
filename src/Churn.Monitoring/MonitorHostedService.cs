using Churn.Abstractions;
using Microsoft.Extensions.Hosting;

namespace Churn.Monitoring;

/// <summary>Options of the <see cref="MonitorHostedService"/>.</summary>
public sealed class MonitorHostingOptions
{
    /// <summary>Gets or sets how often the monitor's state is checkpointed to the registered <see cref="ICheckpointStore"/> and the changed assessments saved (also at shutdown).</summary>
    /// <value>The default is one minute.</value>
    public TimeSpan CheckpointEvery { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Gets or sets the checkpoint's name in the store.</summary>
    /// <value>The default is <c>monitor</c>.</value>
    public string CheckpointName { get; set; } = "monitor";
}

/// <summary>
/// Runs a <see cref="ChurnMonitor"/> in an ASP.NET Core or worker host: restores its state from
/// the last checkpoint (when an <see cref="ICheckpointStore"/> is given) and applies the events
/// stored after it (when an <see cref="IEventStore"/> is given), takes events durably
/// (<see cref="AcceptAsync"/>: stored first, then applied) and from
/// <see cref="ChurnMonitor.Writer"/>, reassesses everyone as time passes, checkpoints on the
/// monitor's clock and at shutdown, and saves the assessments that changed to the
/// <see cref="IAssessmentStore"/> (their history) at each checkpoint.
/// </summary>
/// <param name="monitor">The monitor.</param>
/// <param name="options">Checkpoint period and name.</param>
/// <param name="checkpoints">Where checkpoints go; none when null (a restart then starts empty).</param>
/// <param name="timeProvider">The clock of the checkpoints; the system clock when null.</param>
/// <param name="events">Where accepted events are stored before they are applied; none when null (<see cref="AcceptAsync"/> then applies them directly).</param>
/// <param name="assessments">Where the changed assessments go at each checkpoint; none when null.</param>
public sealed class MonitorHostedService(
    ChurnMonitor monitor,
    MonitorHostingOptions? options = null,
    ICheckpointStore? checkpoints = null,
    TimeProvider? timeProvider = null,
    IEventStore? events = null,
    IAssessmentStore? assessments = null) : BackgroundService
{
    private readonly ChurnMonitor _monitor = monitor ?? throw new ArgumentNullException(nameof(monitor));
    private readonly MonitorHostingOptions _options = options ?? new MonitorHostingOptions();
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly SemaphoreSlim _intake = new(1, 1);
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _checkpoints;

    /// <summary>The store sequence of the latest stored event applied (what a checkpoint records).</summary>
    private long _applied;

    /// <summary>Gets the number of checkpoints written so far.</summary>
    public long Checkpoints => Interlocked.Read(ref _checkpoints);

    /// <summary>Gets a task that completes once the monitor is restored (from its checkpoint and the events stored after it) and takes events.</summary>
    public Task Ready => _ready.Task;

    /// <summary>
    /// Takes events durably: they are appended to the event store (an event already stored, same
    /// <see cref="EventKey"/>, is skipped) and then applied, with any other event stored since, in
    /// the order the store keeps them. When this returns the events are acknowledged: a crash
    /// after it loses none (a restart applies what the last checkpoint lacks).
    /// </summary>
    /// <param name="batch">The events.</param>
    /// <param name="cancellationToken">Cancels the wait before anything is stored.</param>
    /// <returns>How many were added and how many were already stored.</returns>
    public async Task<AppendResult> AcceptAsync(IReadOnlyList<CustomerEvent> batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        await Ready.WaitAsync(cancellationToken).ConfigureAwait(false);
        await _intake.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (events is null)
            {
                await _monitor.ObserveManyAsync(batch, CancellationToken.None).ConfigureAwait(false);
                return new AppendResult(batch.Count, 0);
            }

            var result = await events.AppendEventsAsync(batch, cancellationToken).ConfigureAwait(false);

            // Once stored, applied whatever the caller's token says: the state must reach the store's sequence.
            await ApplyStoredAsync(CancellationToken.None).ConfigureAwait(false);
            return result;
        }
        finally
        {
            _intake.Release();
        }
    }

    /// <summary>Writes a checkpoint now (and saves the assessments changed since the last one).</summary>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>A task that completes when the checkpoint is durable.</returns>
    public async Task CheckpointAsync(CancellationToken cancellationToken = default)
    {
        await _intake.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (assessments is not null && await _monitor.TakeChangedAsync(cancellationToken).ConfigureAwait(false) is { Count: > 0 } changed)
            {
                await assessments.UpsertAssessmentsAsync(changed, cancellationToken).ConfigureAwait(false);
            }

            if (checkpoints is null)
            {
                return;
            }

            using var state = new MemoryStream();
            await _monitor.WriteStateAsync(state, cancellationToken).ConfigureAwait(false);
            var stats = _monitor.Stats;

            // With an event store the position is its sequence (what a restart reads after); without, the events taken.
            var position = events is null ? stats.Events + stats.Duplicates + stats.Late + stats.Pending : _applied;
            await checkpoints.SaveCheckpointsAsync([new StoreCheckpoint(_options.CheckpointName, position, state.ToArray(), _time.GetUtcNow())], cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _checkpoints);
        }
        finally
        {
            _intake.Release();
        }
    }

    /// <inheritdoc />
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await _monitor.FlushAsync(cancellationToken).ConfigureAwait(false);
        await CheckpointAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _intake.Dispose();
        base.Dispose();
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            if (checkpoints is not null && await checkpoints.GetCheckpointAsync(_options.CheckpointName, stoppingToken).ConfigureAwait(false) is { } last)
            {
                await _monitor.ReadStateAsync(last.State, stoppingToken).ConfigureAwait(false);
                _applied = last.Position;
            }

            // The events stored after the checkpoint (acknowledged before a crash) are applied before anything new.
            if (events is not null)
            {
                await ApplyStoredAsync(stoppingToken).ConfigureAwait(false);
            }

            _ready.TrySetResult();
        }
        catch (Exception ex)
        {
            _ready.TrySetException(ex);
            throw;
        }

        _monitor.Start();
        using var timer = checkpoints is null && assessments is null ? null : new PeriodicTimer(_options.CheckpointEvery, _time);
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

    /// <summary>Applies every event stored after the latest applied, in the store's order.</summary>
    private async Task ApplyStoredAsync(CancellationToken cancellationToken)
    {
        var batch = new List<CustomerEvent>(1024);
        var last = _applied;
        await foreach (var stored in events!.ReadEventsAsync(new EventQuery { AfterSequence = _applied }, cancellationToken).ConfigureAwait(false))
        {
            batch.Add(stored.Event);
            last = stored.Sequence;
            if (batch.Count == batch.Capacity)
            {
                await _monitor.ObserveManyAsync(batch, CancellationToken.None).ConfigureAwait(false);
                (_applied, batch) = (last, new List<CustomerEvent>(1024));
            }
        }

        await _monitor.ObserveManyAsync(batch, CancellationToken.None).ConfigureAwait(false);
        _applied = last;
    }

    private async Task SaveEveryAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            await CheckpointAsync(stoppingToken).ConfigureAwait(false);
        }
    }
}
