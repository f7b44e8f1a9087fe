using Churn.Modeling;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Churn.Evaluation;

/// <summary>Options of the <see cref="RetrainingHostedService"/>.</summary>
public sealed class RetrainingHostingOptions
{
    /// <summary>Gets or sets how often the <see cref="RetrainingPolicy"/> is asked whether to retrain.</summary>
    /// <value>The default is one day. The policy, not this period, decides whether a run trains anything.</value>
    public TimeSpan CheckEvery { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Gets or sets whether the policy is also asked when the host starts.</summary>
    /// <value>The default is true.</value>
    public bool CheckAtStart { get; set; } = true;

    /// <summary>Gets or sets the file the model in use is saved to whenever a challenger replaces it (written beside it and moved into place); none when null.</summary>
    public string? ModelPath { get; set; }

    /// <summary>Gets or sets what else happens when a challenger replaces the champion (for example, swapping the model of a scorer); none when null.</summary>
    public Func<RetrainingRun, CancellationToken, Task>? OnReplaced { get; set; }

    /// <summary>Gets or sets the recent data drift is measured on, read at each check (its instant given); none when null (the schedule alone decides).</summary>
    public Func<DateTimeOffset, CancellationToken, Task<ModelTable?>>? RecentData { get; set; }
}

/// <summary>
/// Runs a <see cref="RetrainingLoop"/> in an ASP.NET Core or worker host: asks its policy on a period of the host's
/// <see cref="TimeProvider"/> (the model's age, its drift on recent data), and when a challenger wins, makes it the
/// model in use, saves it (<see cref="RetrainingHostingOptions.ModelPath"/>) and calls
/// <see cref="RetrainingHostingOptions.OnReplaced"/>. A failed run is logged and
/// counted (its type only: the message may name a customer); the next period tries again. Runs never overlap.
/// </summary>
public sealed class RetrainingHostedService : BackgroundService
{
    private readonly RetrainingLoop _loop;
    private readonly RetrainingHostingOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ChurnModel _champion;
    private RetrainingRun? _last;
    private long _runs;
    private long _failures;
    private Exception? _failure;
    private PeriodicTimer? _timer;

    /// <summary>Initializes a new instance of the <see cref="RetrainingHostedService"/> class.</summary>
    /// <param name="loop">The retraining loop.</param>
    /// <param name="champion">The model in use when the host starts.</param>
    /// <param name="options">The period, where the model goes, and the recent data; defaults when null.</param>
    /// <param name="timeProvider">The clock; the system clock when null.</param>
    /// <param name="logger">Where failures and replacements are logged; none when null.</param>
    /// <exception cref="ArgumentException">The period is not positive.</exception>
    public RetrainingHostedService(RetrainingLoop loop, ChurnModel champion, RetrainingHostingOptions? options = null, TimeProvider? timeProvider = null, ILogger<RetrainingHostedService>? logger = null)
    {
        _loop = loop ?? throw new ArgumentNullException(nameof(loop));
        _champion = champion ?? throw new ArgumentNullException(nameof(champion));
        _options = options ?? new RetrainingHostingOptions();
        if (_options.CheckEvery <= TimeSpan.Zero)
        {
            throw new ArgumentException($"CheckEvery must be positive, not {_options.CheckEvery}.", nameof(options));
        }

        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Gets the model in use: the last challenger that won, else the one the host started with.</summary>
    public ChurnModel Champion => Volatile.Read(ref _champion);

    /// <summary>Gets the latest run that completed, if any.</summary>
    public RetrainingRun? LastRun => Volatile.Read(ref _last);

    /// <summary>Gets how many runs completed (whether or not they retrained).</summary>
    public long Runs => Interlocked.Read(ref _runs);

    /// <summary>Gets how many runs failed.</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>Gets the latest failure, if any (not logged: its message may name a customer or a file).</summary>
    public Exception? LastFailure => Volatile.Read(ref _failure);

    /// <summary>Asks the policy now, and retrains, compares and replaces as it says (waits for a run in progress first).</summary>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>What the run did.</returns>
    public async Task<RetrainingRun> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = _time.GetUtcNow();
            var recent = _options.RecentData is null ? null : await _options.RecentData(now, cancellationToken).ConfigureAwait(false);
            var run = await _loop.RunAsync(Champion, now, recent, cancellationToken).ConfigureAwait(false);
            if (run.Replaced)
            {
                // Saved before it is used: a crash after this leaves the file and the model in use the same.
                if (_options.ModelPath is { } path)
                {
                    run.Model.Save(path);
                }

                Volatile.Write(ref _champion, run.Model);
                if (_options.OnReplaced is { } replaced)
                {
                    await replaced(run, cancellationToken).ConfigureAwait(false);
                }

                RetrainingLog.Replaced(_logger, run.Reason);
            }

            Volatile.Write(ref _last, run);
            Interlocked.Increment(ref _runs);
            return run;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // The period starts when the host starts, not when the background thread gets to run.
        _timer ??= new PeriodicTimer(_options.CheckEvery, _time);
        return base.StartAsync(cancellationToken);
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _timer?.Dispose();
        _gate.Dispose();
        base.Dispose();
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var timer = _timer ??= new PeriodicTimer(_options.CheckEvery, _time);
        try
        {
            if (_options.CheckAtStart)
            {
                await TryRunAsync(stoppingToken).ConfigureAwait(false);
            }

            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await TryRunAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task TryRunAsync(CancellationToken stoppingToken)
    {
        try
        {
            await RunOnceAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            // A host keeps running when one retraining fails; the next period tries again.
            Interlocked.Increment(ref _failures);
            Volatile.Write(ref _failure, ex);
            RetrainingLog.Failed(_logger, ex.GetType().Name);
        }
    }
}

/// <summary>The retraining service's log messages (no customer data).</summary>
internal static partial class RetrainingLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "The churn model was replaced: {Reason}")]
    public static partial void Replaced(ILogger logger, string reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "A retraining run failed ({Kind}); the next period tries again (the service's LastFailure holds the exception)")]
    public static partial void Failed(ILogger logger, string kind);
}
