using System.Buffers;
using Churn.Abstractions;
using Churn.Data;
using Churn.Rules;
using Churn.Sdk;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Churn.Sdk.Tests;

public sealed class LiveAssessmentTests
{
    private static readonly string SampleRules = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "data", "rules", "churn-rules.json"));

    /// <summary>Critical rules only (the engine then walks 90 days back), one of them on a date (evaluated at each grid instant's own time).</summary>
    private const string CriticalRules = """
        { "version": "1", "rules": [
          { "id": "billing", "expression": "payment_failures_30d >= 1", "severity": "critical" },
          { "id": "quiet_early", "expression": "daysSince(signup_date) < 60 and logins_30d == 0", "severity": "critical" } ] }
        """;

    private static ChurnPipeline Pipeline(ChurnDefinition definition, int rules = 0)
    {
        var builder = ChurnPipeline.CreateBuilder()
            .WithModel(Generators.Model)
            .WithLabels(o => (o.Definition, o.HorizonDays) = (definition, 30))
            .Configure(o => o.PredictValue = false);
        return (rules switch
        {
            // The sample rules with a low threshold, so the recapitulative symptom (whose parts are read back from the live state) often holds.
            1 => builder.WithRules(RuleSetJson.Parse(SampleRules.Replace("\"minorThreshold\": 3", "\"minorThreshold\": 1", StringComparison.Ordinal)).RuleSet),
            2 => builder.WithRules(RuleSetJson.Parse(CriticalRules).RuleSet),
            _ => builder,
        }).Build();
    }

    [Property(MaxTest = 90)]
    public Property LiveAssessment_EqualsTheBatchAssessment_AtEveryInstant_WithoutTheHistory() =>
        Prop.ForAll(Generators.Events(), Gen.ArrayOf(Gen.Choose(0, 360)).ToArbitrary(), Gen.Choose(0, 305).ToArbitrary(), (events, days, setting) =>
        {
            // Without rules, with minor and critical rules, with critical rules only; some customers signed up before their first event.
            var (definition, rules, restartAt) = (setting % 2 == 0 ? ChurnDefinition.Contractual : ChurnDefinition.NonContractual, setting / 2 % 3, setting / 6);
            var pipeline = Pipeline(definition, rules);
            var profiles = new[] { new CustomerProfile("c1", Generators.Epoch.AddDays(-20)), new CustomerProfile("c4", Generators.Epoch.AddDays(40)) };
            var data = CustomerData.From(events, profiles);
            var log = data.Log;
            // Instants between events, and exactly one horizon after some of them (the edge of "no activity for 30 days").
            var instants = days.Select(d => Generators.Epoch.AddDays(d).AddHours(d % 9)).Concat(events.Where((_, i) => i % 3 == 0).Select(e => e.Timestamp.AddDays(30))).Order().ToArray();
            return Enumerable.Range(0, log.CustomerCount).All(c =>
            {
                var id = log.Customers[c];
                var profile = profiles.FirstOrDefault(p => p.Id == id);
                var live = pipeline.StartLive(id, profile);
                var ordered = log.EventsOf(id).ToList();
                if (ordered.Count == 0)
                {
                    return instants.Where(i => profile?.SignupDate <= i).All(Same);
                }

                var k = 0;
                for (var i = 0; i < ordered.Count; i++)
                {
                    for (; k < instants.Length && instants[k] < ordered[i].Timestamp; k++)
                    {
                        if ((live.Events > 0 || profile?.SignupDate <= instants[k]) && !Same(instants[k]))
                        {
                            return false;
                        }
                    }

                    pipeline.Observe(live, ordered[i]);
                    if (i == restartAt % ordered.Count)
                    {
                        var buffer = new ArrayBufferWriter<byte>();
                        live.WriteTo(buffer);
                        live = LiveCustomer.ReadFrom(id, buffer.WrittenSpan, profile);
                    }
                }

                return Same(ordered[^1].Timestamp) && instants.Skip(k).All(Same);

                // The whole assessment is the batch's; the level alone (what a monitor decides on) is the assessment's without the words.
                bool Same(DateTimeOffset at)
                {
                    var assessed = pipeline.AssessLive(live, at);
                    var lean = pipeline.LevelLive(live, at);
                    return Generators.Canonicalize(assessed) == Generators.Canonicalize(pipeline.Assess(data, id, at))
                        && lean.Level == assessed.Level
                        && lean.Probability == assessed.Probability?.Value
                        && lean.Symptoms.Select(Lean).SequenceEqual(assessed.Symptoms.Select(Lean))
                        && lean.Symptoms.All(s => s.Explanation.Length == 0);
                }

                static string Lean(Symptom s) => $"{s.RuleId} {s.Severity} {s.FiredAt:O} {s.Weight:R} [{string.Join(", ", s.Components.Select(Lean))}]";
            });
        });

    [Fact]
    public void StartLive_RefusesWhatReadsTheWholeHistory()
    {
        var ownDetector = ChurnPipeline.CreateBuilder().WithSymptomDetector(new NoSymptoms()).Configure(o => o.PredictValue = false).Build();
        var predicting = ChurnPipeline.CreateBuilder().Build();

        Assert.Throws<NotSupportedException>(() => ownDetector.StartLive("a"));
        Assert.Contains("PredictValue", Assert.Throws<NotSupportedException>(() => predicting.StartLive("a")).Message, StringComparison.Ordinal);
        var pipeline = Pipeline(ChurnDefinition.Contractual);
        var live = pipeline.StartLive("a");
        Assert.Throws<UnknownCustomerException>(() => pipeline.AssessLive(live, Generators.Epoch));
        Assert.Throws<ArgumentException>(() => pipeline.Observe(live, new CustomerEvent("b", Generators.Epoch, CustomerEventType.Login)));
        pipeline.Observe(live, new CustomerEvent("a", Generators.Epoch.AddDays(2), CustomerEventType.Login));
        Assert.Throws<ArgumentException>(() => pipeline.Observe(live, new CustomerEvent("a", Generators.Epoch, CustomerEventType.Login)));
        Assert.InRange(live.SerializedBytes, 100, 300);
    }

    private sealed class NoSymptoms : ISymptomDetector
    {
        public IReadOnlyList<Symptom> Detect(ICustomerHistory history) => [];
    }
}
