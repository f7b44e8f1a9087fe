using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Churn.Abstractions;

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
