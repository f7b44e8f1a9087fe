using System.Text.Json;
using System.Text.Json.Serialization;
using Churn.Abstractions;
using FsCheck;
using FsCheck.Fluent;

namespace Churn.Storage.Tests;

/// <summary>FsCheck generators of events and assessments with awkward values (ids with quotes and emoji, offsets, NaN reasons), and a canonical text form to compare what comes back.</summary>
internal static class Generators
{
    public static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly JsonSerializerOptions Canonical = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new UtcTicksConverter() },
    };

    private static readonly string[] Customers = ["c1", "c2", "C1", "c'; DROP TABLE events; --", "ü-kunde", "😀x", "\uE000p", "a,b\"c", "c3"];

    private static readonly string[] TypeNames = ["purchase", "login", "support_ticket", "feedback", "webinar_attended", "payment_failure"];

    private static readonly string[] Segments = ["gold", "silver", "a'b"];

    public static Gen<string> Customer => Gen.Elements(Customers);

    public static Gen<DateTimeOffset> Instant =>
        from minutes in Gen.Choose(0, 60 * 24 * 90)
        from ticks in Gen.Choose(0, 599_999_999)
        from offset in Gen.Choose(-12 * 4, 14 * 4)
        select new DateTimeOffset(Epoch.AddMinutes(minutes).AddTicks(ticks).UtcDateTime).ToOffset(TimeSpan.FromMinutes(offset * 15));

    public static Gen<decimal?> Amount =>
        Gen.Frequency(
            (1, Gen.Constant<decimal?>(null)),
            (3, from units in Gen.Choose(-100_000, 1_000_000) from scale in Gen.Choose(0, 4) select (decimal?)new decimal(Math.Abs(units), 0, 0, units < 0, (byte)scale)));

    public static Gen<CustomerEvent> Event =>
        from c in Customer
        from at in Instant
        from type in Gen.Elements(TypeNames)
        from amount in Amount
        from id in Gen.Frequency((1, Gen.Constant<string?>(null)), (3, Gen.Choose(1, 40).Select(i => (string?)("e" + i))))
        from attributes in Gen.Frequency(
            (3, Gen.Constant<IReadOnlyDictionary<string, string>?>(null)),
            (1, Gen.Elements("web", "phone", "=cmd", "ä\"q").Select(v => (IReadOnlyDictionary<string, string>?)new Dictionary<string, string> { ["channel"] = v, ["n"] = "1" })))
        select new CustomerEvent(c, at, type, amount, id, attributes);

    public static Gen<RiskReason> Reason =>
        from feature in Gen.Elements("tenure", "days_since_last_purchase", "Contract")
        from value in Gen.Elements(double.NaN, 0.0, -1.5, 1e-300, 3.141592653589793, 12345678.9)
        from contribution in Gen.Choose(-10_000, 10_000).Select(i => i / 7919.0)
        select new RiskReason(feature, value, contribution, $"{feature} is {value}: contribution {contribution}");

    public static Gen<Symptom> Symptom =>
        from rule in Gen.Elements("no_login_30d", "complaints", "payment_failed")
        from severity in Gen.Elements(SymptomSeverity.Minor, SymptomSeverity.Critical, SymptomSeverity.Recapitulative)
        from at in Instant
        from weight in Gen.Choose(0, 1000).Select(i => i / 333.0)
        from components in Gen.Choose(0, 2)
        select new Symptom(rule, severity, at, "because " + rule)
        {
            Weight = weight,
            Components = severity == SymptomSeverity.Recapitulative
                ? [.. Enumerable.Range(0, components).Select(i => new Symptom("minor" + i, SymptomSeverity.Minor, at.AddDays(-i), "part " + i) { Weight = weight / (i + 2) })]
                : [],
        };

    public static Gen<CustomerValue?> Value =>
        Gen.Frequency(
            (1, Gen.Constant<CustomerValue?>(null)),
            (2, from h in Gen.Choose(0, 1_000_000)
                from p in Gen.Frequency((1, Gen.Constant<decimal?>(null)), (2, Gen.Choose(0, 99_999).Select(x => (decimal?)(x / 100m))))
                from alive in Gen.Elements<double?>(null, 0.0, 0.734, 1.0)
                from currency in Gen.Elements<string?>(null, "EUR")
                select (CustomerValue?)new CustomerValue(h / 100m, p, currency) { PAlive = alive }));

    public static Gen<RiskAssessment> Assessment(Gen<DateTimeOffset> asOf) =>
        from c in Customer
        from at in asOf
        from probability in Gen.Frequency((1, Gen.Constant<double?>(null)), (4, Gen.Choose(0, 1_000_000).Select(i => (double?)(i / 1_000_000.0))))
        from level in Gen.Elements(RiskLevel.Low, RiskLevel.Medium, RiskLevel.High, RiskLevel.Critical, RiskLevel.Churned)
        from reasons in Gen.ListOf(Reason).Select(l => l.Take(3).ToArray())
        from symptoms in Gen.ListOf(Symptom).Select(l => l.Take(3).ToArray())
        from value in Value
        from segment in Gen.Elements<string?>([null, .. Segments])
        from owner in Gen.Elements<string?>(null, "anna", "bo")
        from churnedAt in Gen.Elements<DateTimeOffset?>(null, Epoch.AddDays(3))
        select new RiskAssessment(c, at, probability is { } p ? new ChurnProbability(p) : null, level)
        {
            LevelReason = "rule " + level,
            Reasons = reasons,
            Symptoms = symptoms,
            Value = value,
            Segment = segment,
            Owner = owner,
            ChurnedAt = level == RiskLevel.Churned ? churnedAt : null,
        };

    /// <summary>A few distinct as-of instants, so that upserts collide on the same (customer, instant).</summary>
    public static Gen<DateTimeOffset> AsOf => Gen.Choose(0, 5).Select(d => Epoch.AddDays(d).ToOffset(TimeSpan.FromHours(d % 3)));

    public static Arbitrary<RiskAssessment[][]> AssessmentBatches =>
        Gen.ListOf(Gen.ListOf(Assessment(AsOf)).Select(l => l.Take(8).ToArray())).Select(l => l.Take(6).ToArray()).ToArbitrary();

    public static Arbitrary<CustomerEvent[][]> EventBatches =>
        Gen.ListOf(Gen.ListOf(Event).Select(l => l.Take(12).ToArray())).Select(l => l.Take(6).ToArray()).ToArbitrary();

    /// <summary>Everything an assessment says, as text: equal text, equal assessments (instants compared as UTC ticks).</summary>
    public static string Canonicalize<T>(T value) => JsonSerializer.Serialize(value, Canonical);

    private sealed class UtcTicksConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => new(reader.GetInt64(), TimeSpan.Zero);

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) => writer.WriteNumberValue(value.UtcTicks);
    }
}

/// <summary>Runs a store call to completion from a synchronous FsCheck property.</summary>
internal static class Sync
{
    public static T Run<T>(ValueTask<T> task) => task.AsTask().GetAwaiter().GetResult();

    public static void Run(ValueTask task) => task.AsTask().GetAwaiter().GetResult();

    public static List<T> List<T>(IAsyncEnumerable<T> items) => items.ToListAsync().AsTask().GetAwaiter().GetResult();
}
