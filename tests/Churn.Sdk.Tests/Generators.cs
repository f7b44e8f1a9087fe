using System.Text.Json;
using System.Text.Json.Serialization;
using Churn.Abstractions;
using Churn.Data;
using Churn.Modeling;
using FsCheck;
using FsCheck.Fluent;

using Churn.Tests.Shared;

namespace Churn.Sdk.Tests;

/// <summary>FsCheck generators, a shared trained model and a canonical form of assessments.</summary>
internal static class Generators
{
    public static readonly DateTimeOffset Epoch = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly JsonSerializerOptions Canonical = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    private static readonly CustomerEventType[] Types = TestBase.Types;

    /// <summary>Gets a small model trained on a generated base (default features).</summary>
    public static ChurnModel Model => TestBase.Model;

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
