using Churn.Abstractions;
using Churn.Data;
using Churn.Modeling;
using Churn.Sdk;

namespace Churn.Tests.Shared;

/// <summary>What random tests of live assessment draw from, shared by the test projects that need it: event types (purchases and logins twice as often), and a small model trained once on a generated base.</summary>
internal static class TestBase
{
    public static readonly CustomerEventType[] Types =
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
}
