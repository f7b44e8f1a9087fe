using System.Buffers;
using Churn.Abstractions;
using Churn.Data;
using Churn.Sdk;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Churn.Sdk.Tests;

public sealed class LiveAssessmentTests
{
    private static ChurnPipeline Pipeline(ChurnDefinition definition) => ChurnPipeline.CreateBuilder()
        .WithModel(Generators.Model)
        .WithLabels(o => (o.Definition, o.HorizonDays) = (definition, 30))
        .Configure(o => o.PredictValue = false)
        .Build();

    [Property(MaxTest = 60)]
    public Property LiveAssessment_EqualsTheBatchAssessment_AtEveryInstant_WithoutTheHistory() =>
        Prop.ForAll(Generators.Events(), Gen.ArrayOf(Gen.Choose(0, 360)).ToArbitrary(), Gen.Choose(0, 101).ToArbitrary(), (events, days, setting) =>
        {
            var (definition, restartAt) = (setting % 2 == 0 ? ChurnDefinition.Contractual : ChurnDefinition.NonContractual, setting / 2);
            var pipeline = Pipeline(definition);
            var data = CustomerData.From(events);
            var log = data.Log;
            // Instants between events, and exactly one horizon after some of them (the edge of "no activity for 30 days").
            var instants = days.Select(d => Generators.Epoch.AddDays(d).AddHours(d % 9)).Concat(events.Where((_, i) => i % 3 == 0).Select(e => e.Timestamp.AddDays(30))).Order().ToArray();
            return Enumerable.Range(0, log.CustomerCount).All(c =>
            {
                var id = log.Customers[c];
                var live = pipeline.StartLive(id);
                var ordered = log.EventsOf(id).ToList();
                var k = 0;
                for (var i = 0; i < ordered.Count; i++)
                {
                    for (; k < instants.Length && instants[k] < ordered[i].Timestamp; k++)
                    {
                        if (live.Events > 0 && !Same(instants[k]))
                        {
                            return false;
                        }
                    }

                    pipeline.Observe(live, ordered[i]);
                    if (i == restartAt % ordered.Count)
                    {
                        var buffer = new ArrayBufferWriter<byte>();
                        live.WriteTo(buffer);
                        live = LiveCustomer.ReadFrom(id, buffer.WrittenSpan);
                    }
                }

                return Same(ordered[^1].Timestamp) && instants.Skip(k).All(Same);

                bool Same(DateTimeOffset at) =>
                    Generators.Canonicalize(pipeline.AssessLive(live, at)) == Generators.Canonicalize(pipeline.Assess(data, id, at));
            });
        });

    [Fact]
    public void StartLive_RefusesWhatReadsTheWholeHistory()
    {
        var withRules = ChurnPipeline.CreateBuilder().WithRulesFile(Path.Combine(AppContext.BaseDirectory, "data", "rules", "churn-rules.json")).Configure(o => o.PredictValue = false).Build();
        var predicting = ChurnPipeline.CreateBuilder().Build();

        Assert.Throws<NotSupportedException>(() => withRules.StartLive("a"));
        Assert.Contains("PredictValue", Assert.Throws<NotSupportedException>(() => predicting.StartLive("a")).Message, StringComparison.Ordinal);
        var pipeline = Pipeline(ChurnDefinition.Contractual);
        var live = pipeline.StartLive("a");
        Assert.Throws<UnknownCustomerException>(() => pipeline.AssessLive(live, Generators.Epoch));
        Assert.Throws<ArgumentException>(() => pipeline.Observe(live, new CustomerEvent("b", Generators.Epoch, CustomerEventType.Login)));
        pipeline.Observe(live, new CustomerEvent("a", Generators.Epoch.AddDays(2), CustomerEventType.Login));
        Assert.Throws<ArgumentException>(() => pipeline.Observe(live, new CustomerEvent("a", Generators.Epoch, CustomerEventType.Login)));
        Assert.InRange(live.SerializedBytes, 100, 300);
    }
}
