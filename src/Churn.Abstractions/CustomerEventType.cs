namespace Churn.Abstractions;

/// <summary>
/// The kind of a <see cref="CustomerEvent"/>. The set is open: the well-known types are listed
/// as static members, and a host may use any name of its own. Names compare case-insensitively
/// and are stored in lower case.
/// </summary>
public readonly record struct CustomerEventType
{
    private readonly string? _name;

    /// <summary>Initializes a new instance of the <see cref="CustomerEventType"/> struct.</summary>
    /// <param name="name">The type name, for example <c>purchase</c> or a host's own <c>webinar_attended</c>.</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null, empty or white space.</exception>
    public CustomerEventType(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _name = Normalize(name);
    }

    /// <summary>Gets the type name in lower case (empty for <c>default</c>).</summary>
    public string Name => _name ?? string.Empty;

    /// <summary>A purchase or order; <see cref="CustomerEvent.Amount"/> is its value.</summary>
    public static CustomerEventType Purchase { get; } = new("purchase");

    /// <summary>A subscription (contract) starts or renews.</summary>
    public static CustomerEventType SubscriptionStart { get; } = new("subscription_start");

    /// <summary>A subscription (contract) is cancelled: the contractual churn event.</summary>
    public static CustomerEventType SubscriptionCancel { get; } = new("subscription_cancel");

    /// <summary>A payment attempt failed.</summary>
    public static CustomerEventType PaymentFailure { get; } = new("payment_failure");

    /// <summary>A support ticket was opened.</summary>
    public static CustomerEventType SupportTicket { get; } = new("support_ticket");

    /// <summary>A complaint was filed.</summary>
    public static CustomerEventType Complaint { get; } = new("complaint");

    /// <summary>Feedback or a survey answer; <see cref="CustomerEvent.Amount"/> is the score and the <c>comment</c> attribute its text.</summary>
    public static CustomerEventType Feedback { get; } = new("feedback");

    /// <summary>The customer logged in.</summary>
    public static CustomerEventType Login { get; } = new("login");

    /// <summary>Product usage; <see cref="CustomerEvent.Amount"/> is the quantity used (minutes, calls, units).</summary>
    public static CustomerEventType Usage { get; } = new("usage");

    /// <summary>The business contacted the customer (a call, an email, a visit).</summary>
    public static CustomerEventType Contact { get; } = new("contact");

    /// <summary>Gets the well-known types, in a fixed order.</summary>
    public static IReadOnlyList<CustomerEventType> WellKnown { get; } =
    [
        Purchase, SubscriptionStart, SubscriptionCancel, PaymentFailure, SupportTicket,
        Complaint, Feedback, Login, Usage, Contact,
    ];

    /// <summary>Creates a type from its name.</summary>
    /// <param name="name">The name.</param>
    public static implicit operator CustomerEventType(string name) => new(name);

    /// <summary>Creates a type from its name.</summary>
    /// <param name="name">The name.</param>
    /// <returns>The type.</returns>
    public static CustomerEventType FromString(string name) => new(name);

    /// <inheritdoc />
    public override string ToString() => Name;

    private static string Normalize(string name)
    {
        var trimmed = name.Trim();
        foreach (var c in trimmed)
        {
            if (char.IsUpper(c))
            {
                return trimmed.ToLowerInvariant();
            }
        }

        return trimmed;
    }
}
