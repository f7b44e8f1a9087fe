namespace Churn.Abstractions;

/// <summary>
/// One thing a customer did or that happened to a customer, at one instant.
/// </summary>
/// <param name="CustomerId">Who.</param>
/// <param name="Timestamp">When.</param>
/// <param name="Type">What kind of event (open set, see <see cref="CustomerEventType"/>).</param>
/// <param name="Amount">
/// The event's quantity, if it has one: money for purchases and payments, the score for
/// feedback, units for usage.
/// </param>
/// <param name="EventId">The host's id for the event, used to drop duplicates; optional.</param>
/// <param name="Attributes">Free-form attributes (a feedback comment, a channel, a product); optional.</param>
public sealed record CustomerEvent(
    CustomerId CustomerId,
    DateTimeOffset Timestamp,
    CustomerEventType Type,
    decimal? Amount = null,
    string? EventId = null,
    IReadOnlyDictionary<string, string>? Attributes = null);
