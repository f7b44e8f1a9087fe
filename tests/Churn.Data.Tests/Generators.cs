using Churn.Abstractions;
using FsCheck;
using FsCheck.Fluent;

namespace Churn.Data.Tests;

/// <summary>FsCheck generators for events and customer bases.</summary>
internal static class Generators
{
    public static readonly DateTimeOffset Epoch = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly CustomerEventType[] Types =
    [
        CustomerEventType.Purchase, CustomerEventType.Login, CustomerEventType.SupportTicket, CustomerEventType.Complaint,
        CustomerEventType.PaymentFailure, CustomerEventType.Feedback, CustomerEventType.Usage, CustomerEventType.SubscriptionStart,
        CustomerEventType.SubscriptionCancel, CustomerEventType.Contact, "webinar",
    ];

    public static Gen<CustomerEvent> Event(int customers, int days) =>
        from c in Gen.Choose(1, customers)
        from minute in Gen.Choose(0, days * 24 * 60)
        from t in Gen.Elements(Types)
        from hasAmount in Gen.Elements(true, false)
        from cents in Gen.Choose(0, 100_000)
        select new CustomerEvent(
            "c" + c,
            Epoch.AddMinutes(minute),
            t,
            hasAmount ? cents / 100m : null);

    public static Arbitrary<CustomerEvent[]> Events(int customers = 8, int days = 400) =>
        Gen.ArrayOf(Event(customers, days)).ToArbitrary();
}
