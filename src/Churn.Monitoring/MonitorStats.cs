using Churn.Abstractions;

namespace Churn.Monitoring;

/// <summary>What a monitor has seen and done so far.</summary>
/// <param name="Events">Events applied.</param>
/// <param name="Duplicates">Events left out because the same event (same <see cref="EventKey"/>) was applied before.</param>
/// <param name="Late">Events left out because they came later than the reorder tolerance allows (older than the customer's latest applied event).</param>
/// <param name="Pending">Events held for reordering, not yet applied.</param>
/// <param name="Customers">Customers tracked.</param>
/// <param name="Alerts">Alerts raised.</param>
/// <param name="ByLevel">Customers at each level now (low, medium, high, critical, churned).</param>
public sealed record MonitorStats(long Events, long Duplicates, long Late, int Pending, int Customers, long Alerts, IReadOnlyList<long> ByLevel);
