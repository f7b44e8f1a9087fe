using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using Churn.Abstractions;

namespace Churn.Dashboard;

/// <summary>An alert sink that keeps the latest alerts and hands each new one to every open feed (a server-sent events subscriber).</summary>
public sealed class AlertFeed : IAlertSink
{
    private const int Kept = 50;
    private readonly Lock _gate = new();
    private readonly LinkedList<ChurnAlert> _recent = new();
    private readonly List<Channel<ChurnAlert>> _subscribers = [];

    /// <summary>Gets the latest alerts, newest last.</summary>
    public IReadOnlyList<ChurnAlert> Recent
    {
        get
        {
            lock (_gate)
            {
                return [.. _recent];
            }
        }
    }

    /// <summary>An alert as the pages read it.</summary>
    /// <param name="alert">The alert.</param>
    /// <returns>Its fields.</returns>
    public static object ToJson(ChurnAlert alert) => new
    {
        customerId = alert.Assessment.CustomerId.Value,
        raisedAt = alert.RaisedAt,
        level = RiskLevelPolicy.Name(alert.Assessment.Level),
        previousLevel = alert.PreviousLevel is { } p ? RiskLevelPolicy.Name(p) : null,
        probability = alert.Assessment.Probability?.Value,
        owner = alert.Owner,
        symptom = alert.Symptom,
        message = alert.Message,
    };

    /// <inheritdoc />
    public ValueTask SendAsync(ChurnAlert alert, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alert);
        lock (_gate)
        {
            _recent.AddLast(alert);
            if (_recent.Count > Kept)
            {
                _recent.RemoveFirst();
            }

            // A subscriber that cannot keep up loses its oldest alerts, never slows the monitor.
            foreach (var s in _subscribers)
            {
                s.Writer.TryWrite(alert);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>The recent alerts, then each new one, as JSON, until the subscriber goes.</summary>
    /// <param name="cancellationToken">Ends the feed (the request is aborted).</param>
    /// <returns>The alerts as JSON text.</returns>
    public async IAsyncEnumerable<string> Subscribe([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<ChurnAlert>(new BoundedChannelOptions(1_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        List<ChurnAlert> backlog;
        lock (_gate)
        {
            backlog = [.. _recent];
            _subscribers.Add(channel);
        }

        try
        {
            foreach (var alert in backlog)
            {
                yield return JsonSerializer.Serialize(ToJson(alert), JsonSerializerOptions.Web);
            }

            await foreach (var alert in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return JsonSerializer.Serialize(ToJson(alert), JsonSerializerOptions.Web);
            }
        }
        finally
        {
            lock (_gate)
            {
                _subscribers.Remove(channel);
            }
        }
    }
}
