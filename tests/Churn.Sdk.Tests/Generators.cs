using System.Text.Json;
using System.Text.Json.Serialization;
using Churn.Abstractions;
using Churn.Data;
using Churn.Modeling;
using FsCheck;
using FsCheck.Fluent;

namespace Churn.Sdk.Tests;

/// <summary>FsCheck generators, a shared trained model and a canonical form of assessments.</summary>
internal static class Generators
{
    public static readonly DateTimeOffset Epoch = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly JsonSerializerOptions Canonical = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    private static readonly CustomerEventType[] Types =
    [
        CustomerEventType.Purchase, CustomerEventType.Purchase, CustomerEventType.Login, CustomerEventType.Login, CustomerEventType.SupportTicket,
        CustomerEventType.Complaint, CustomerEventType.PaymentFailure, CustomerEventType.Feedback, CustomerEventType.Usage,
        CustomerEventType.SubscriptionStart, CustomerEventType.SubscriptionCancel, CustomerEventType.Contact,
    ];

    private static readonly Lazy<ChurnModel> LazyModel = new(() =>
    {
        var data = CustomerData.Generate(new SyntheticOptions { Customers = 1500, Seed = 11, HistoryMonths = 8 });
        var pipeline = ChurnPipeline.CreateBuilder().WithTrainer(o => (o.Folds, o.Trees) = (2, new TreeSettings(40, 8, 0.1, 20))).Build();
        return pipeline.Train(data, new SyntheticOptions().AsOf.AddDays(-30)).Model;
    });

    /// <summary>Gets a small model trained on a generated base (default features).</summary>
    public static ChurnModel Model => LazyModel.Value;

    public static Gen<CustomerEvent> Event(int customers, int days) =>
        from c in Gen.Choose(1, customers)
        from minute in Gen.Choose(0, days * 24 * 60)
        from t in Gen.Elements(Types)
        from cents in Gen.Choose(0, 20_000)
        select new CustomerEvent("c" + c, Epoch.AddMinutes(minute), t, t == CustomerEventType.Purchase || t == CustomerEventType.Feedback ? (t == CustomerEventType.Feedback ? cents % 11 : cents / 100m) : null);

    public static Arbitrary<CustomerEvent[]> Events(int customers = 6, int days = 300) => Gen.ArrayOf(Event(customers, days)).ToArbitrary();

    /// <summary>Everything an assessment says, as text, for comparing two assessments.</summary>
    public static string Canonicalize(RiskAssessment a) => JsonSerializer.Serialize(a, Canonical);
}
