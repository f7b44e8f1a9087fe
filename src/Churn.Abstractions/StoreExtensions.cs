namespace Churn.Abstractions;

/// <summary>Writes long sequences to a store in batches: each batch is one atomic, durable call; the sequence as a whole is not atomic.</summary>
public static class StoreExtensions
{
    /// <summary>Appends events batch by batch (for a file or a stream of millions).</summary>
    /// <param name="store">The store.</param>
    /// <param name="events">The events.</param>
    /// <param name="batchSize">Events per call (default 5,000).</param>
    /// <param name="cancellationToken">Stops between batches; the batches already written stay.</param>
    /// <returns>The totals over every batch.</returns>
    public static async ValueTask<AppendResult> AppendEventsInBatchesAsync(this IEventStore store, IEnumerable<CustomerEvent> events, int batchSize = 5_000, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(events);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        int added = 0, duplicates = 0;
        foreach (var batch in events.Chunk(batchSize))
        {
            var r = await store.AppendEventsAsync(batch, cancellationToken).ConfigureAwait(false);
            added += r.Added;
            duplicates += r.Duplicates;
        }

        return new AppendResult(added, duplicates);
    }

    /// <summary>Stores assessments batch by batch (for example everything <c>ChurnPipeline.Assess</c> streams).</summary>
    /// <param name="store">The store.</param>
    /// <param name="assessments">The assessments.</param>
    /// <param name="batchSize">Assessments per call (default 5,000).</param>
    /// <param name="cancellationToken">Stops between batches; the batches already written stay.</param>
    /// <returns>How many were stored.</returns>
    public static async ValueTask<long> UpsertAssessmentsInBatchesAsync(this IAssessmentStore store, IEnumerable<RiskAssessment> assessments, int batchSize = 5_000, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(assessments);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        long stored = 0;
        foreach (var batch in assessments.Chunk(batchSize))
        {
            await store.UpsertAssessmentsAsync(batch, cancellationToken).ConfigureAwait(false);
            stored += batch.Length;
        }

        return stored;
    }
}
