using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Churn.Abstractions;
using Microsoft.Extensions.Logging;

namespace Churn.Monitoring;

/// <summary>Keeps alerts in memory (tests, notebooks, a dashboard's recent list).</summary>
public sealed class InMemoryAlertSink : IAlertSink
{
    private readonly ConcurrentQueue<ChurnAlert> _alerts = new();

    /// <summary>Gets the alerts received, in order.</summary>
    public IReadOnlyList<ChurnAlert> Alerts => [.. _alerts];

    /// <inheritdoc />
    public ValueTask SendAsync(ChurnAlert alert, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alert);
        _alerts.Enqueue(alert);
        return ValueTask.CompletedTask;
    }
}

/// <summary>Hands each alert to a delegate (a CRM task queue, a chat message).</summary>
/// <param name="send">What to do with an alert.</param>
public sealed class CallbackAlertSink(Func<ChurnAlert, CancellationToken, ValueTask> send) : IAlertSink
{
    private readonly Func<ChurnAlert, CancellationToken, ValueTask> _send = send ?? throw new ArgumentNullException(nameof(send));

    /// <inheritdoc />
    public ValueTask SendAsync(ChurnAlert alert, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return _send(alert, cancellationToken);
    }
}

/// <summary>Keeps each alert in a store (<see cref="IAlertStore"/>): idempotent on customer and instant, so a replay after a restart adds nothing twice.</summary>
/// <param name="store">The store.</param>
public sealed class StoreAlertSink(IAlertStore store) : IAlertSink
{
    private readonly IAlertStore _store = store ?? throw new ArgumentNullException(nameof(store));

    /// <inheritdoc />
    public async ValueTask SendAsync(ChurnAlert alert, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alert);
        await _store.AddAlertsAsync([alert], cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Writes each alert to a log: level, previous level, owner, segment and the critical symptom's rule, never the customer's data (the customer id only when asked for).</summary>
/// <param name="logger">The log.</param>
/// <param name="logCustomerIds">Whether the message names the customer (off by default: logs carry no customer data).</param>
public sealed class LoggingAlertSink(ILogger<LoggingAlertSink> logger, bool logCustomerIds = false) : IAlertSink
{
    private readonly ILogger _logger = logger ?? throw new ArgumentNullException(nameof(logger));

    /// <inheritdoc />
    public ValueTask SendAsync(ChurnAlert alert, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alert);
        if (_logger.IsEnabled(LogLevel.Warning))
        {
            Log.AlertSent(
                _logger,
                RiskLevelPolicy.Name(alert.Assessment.Level),
                alert.PreviousLevel is { } was ? RiskLevelPolicy.Name(was) : "new",
                alert.Owner ?? "nobody",
                alert.Assessment.Segment ?? "none",
                alert.Symptom ?? "none",
                logCustomerIds ? $" for customer {alert.Assessment.CustomerId}" : string.Empty);
        }

        return ValueTask.CompletedTask;
    }
}
