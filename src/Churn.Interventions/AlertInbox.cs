using Churn.Abstractions;

namespace Churn.Interventions;

/// <summary>
/// Keeps the monitor's alerts until the next plan: register it as an <see cref="IAlertSink"/> (AddInterventions does) and
/// <see cref="InterventionService.RunAsync"/> hands each customer the alerts that arrived since the previous run, so
/// reactive playbooks with an alert trigger run on them. At most <see cref="MaxPerCustomer"/> alerts are kept per
/// customer (the latest), so a storm cannot grow it without bound.
/// </summary>
/// <remarks>Thread-safe.</remarks>
public sealed class AlertInbox : IAlertSink
{
    private readonly Dictionary<CustomerId, List<ChurnAlert>> _alerts = [];

    /// <summary>Gets the most alerts kept per customer between two plans (default 16).</summary>
    public int MaxPerCustomer { get; init; } = 16;

    /// <summary>Gets how many alerts wait.</summary>
    public int Count
    {
        get
        {
            lock (_alerts)
            {
                return _alerts.Values.Sum(l => l.Count);
            }
        }
    }

    /// <inheritdoc />
    public ValueTask SendAsync(ChurnAlert alert, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alert);
        lock (_alerts)
        {
            if (!_alerts.TryGetValue(alert.Assessment.CustomerId, out var list))
            {
                _alerts[alert.Assessment.CustomerId] = list = [];
            }

            list.Add(alert);
            if (list.Count > Math.Max(1, MaxPerCustomer))
            {
                list.RemoveAt(0);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Takes the waiting alerts raised at or before an instant (later ones stay for the next plan); a run hands them to the customers it plans for, and those of customers it does not plan for are dropped with them.</summary>
    /// <param name="until">The plan's instant.</param>
    /// <returns>The alerts per customer, in arrival order.</returns>
    public IReadOnlyDictionary<CustomerId, IReadOnlyList<ChurnAlert>> Take(DateTimeOffset until)
    {
        var taken = new Dictionary<CustomerId, IReadOnlyList<ChurnAlert>>();
        lock (_alerts)
        {
            foreach (var (id, list) in _alerts)
            {
                var due = list.Where(a => a.RaisedAt <= until).ToList();
                if (due.Count > 0)
                {
                    taken[id] = due;
                    list.RemoveAll(a => a.RaisedAt <= until);
                }
            }

            foreach (var id in taken.Keys)
            {
                if (_alerts[id].Count == 0)
                {
                    _alerts.Remove(id);
                }
            }
        }

        return taken;
    }
}
