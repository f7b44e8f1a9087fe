using System.Runtime.CompilerServices;
using Churn.Abstractions;

namespace Churn.Data;

/// <summary>
/// Validates events that come from a host's own objects (an <see cref="IEnumerable{T}"/> or an
/// <see cref="IAsyncEnumerable{T}"/>) with the same accounting as the file readers: the item
/// number (1-based) stands for the line.
/// </summary>
/// <remarks>The validator holds only options; each call keeps its own state.</remarks>
public sealed class EventValidator
{
    private readonly ErrorMode _mode;
    private readonly bool _rejectDuplicates;

    /// <summary>Initializes a new instance of the <see cref="EventValidator"/> class.</summary>
    /// <param name="mode">Whether to stop at the first bad event.</param>
    /// <param name="rejectDuplicateEventIds">Whether a repeated event id is rejected.</param>
    public EventValidator(ErrorMode mode = ErrorMode.CollectAll, bool rejectDuplicateEventIds = true)
    {
        _mode = mode;
        _rejectDuplicates = rejectDuplicateEventIds;
    }

    /// <summary>Validates events lazily.</summary>
    /// <param name="events">The host's events.</param>
    /// <param name="sourceName">The name used in error messages.</param>
    /// <param name="report">Receives the accounting and errors.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The valid events, in input order.</returns>
    public IEnumerable<CustomerEvent> Validate(IEnumerable<CustomerEvent?> events, string sourceName, IngestReport report, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(report);
        return Iterator(events, sourceName, report, cancellationToken);
    }

    /// <summary>Validates an asynchronous stream of events lazily.</summary>
    /// <param name="events">The host's events.</param>
    /// <param name="sourceName">The name used in error messages.</param>
    /// <param name="report">Receives the accounting and errors.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The valid events, in input order.</returns>
    public async IAsyncEnumerable<CustomerEvent> ValidateAsync(
        IAsyncEnumerable<CustomerEvent?> events, string sourceName, IngestReport report, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(report);
        var state = new State(this, sourceName, report);
        await foreach (var e in events.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (state.Check(e))
            {
                yield return e!;
            }
        }
    }

    private IEnumerable<CustomerEvent> Iterator(IEnumerable<CustomerEvent?> events, string sourceName, IngestReport report, CancellationToken cancellationToken)
    {
        var state = new State(this, sourceName, report);
        foreach (var e in events)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (state.Check(e))
            {
                yield return e!;
            }
        }
    }

    private sealed class State(EventValidator owner, string sourceName, IngestReport report)
    {
        private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
        private long _item;

        public bool Check(CustomerEvent? e)
        {
            _item++;
            (string? Field, string? Message) problem = e switch
            {
                null => (null, "the event is null"),
                { CustomerId.IsEmpty: true } => ("CustomerId", "the customer id is empty"),
                { Type.Name.Length: 0 } => ("Type", "the event type is empty"),
                _ when e.Timestamp == default => ("Timestamp", "the timestamp is not set"),
                { EventId: { } id } when owner._rejectDuplicates && !_seen.Add(id) => ("EventId", $"duplicate event id '{id}' (the first occurrence was kept)"),
                _ => (null, null),
            };

            if (problem.Message is null)
            {
                report.CountAccepted();
                return true;
            }

            var error = new IngestError(sourceName, _item, 0, problem.Field, problem.Message);
            report.CountRejected(error);
            if (owner._mode == ErrorMode.FailFast)
            {
                throw new IngestException(error);
            }

            return false;
        }
    }
}
