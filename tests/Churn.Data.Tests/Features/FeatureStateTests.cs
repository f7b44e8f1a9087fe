using System.Buffers;
using Churn.Abstractions;
using Churn.Data;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Churn.Data.Tests.Features;

public sealed class FeatureStateTests
{
    /// <summary>Bit for bit: the live state does the batch's arithmetic in the batch's order.</summary>
    private static bool Same(double[] a, double[] b) =>
        a.Length == b.Length && a.Zip(b).All(p => BitConverter.DoubleToInt64Bits(p.First) == BitConverter.DoubleToInt64Bits(p.Second));

    [Property(MaxTest = 200)]
    public Property LiveFeatures_AtEveryEventAndBetween_EqualTheBatchSnapshot_BitForBit() =>
        Prop.ForAll(Generators.Events(days: 400), Gen.ArrayOf(Gen.Choose(0, 500)).ToArbitrary(), Gen.Choose(0, 1_000).ToArbitrary(), (events, extra, cut) =>
        {
            var log = EventLogBuilder.Build(events);
            var builder = new FeatureBuilder();
            var width = builder.Schema.Count;
            var live = new double[width];
            return Enumerable.Range(0, log.CustomerCount).All(c =>
            {
                // The customer's events in the log's order (time, then arrival), with instants between them.
                var timeline = log.Timeline(c);
                var types = log.Types;
                var state = builder.NewState();
                var checks = extra.Select(d => Generators.Epoch.AddDays(d).AddHours(d % 7).UtcTicks).Order().ToArray();
                var k = 0;
                for (var i = 0; i < timeline.Count; i++)
                {
                    var t = timeline.Ticks[i];
                    for (; k < checks.Length && checks[k] < t; k++)
                    {
                        if (state.Events > 0 && !Check(checks[k]))
                        {
                            return false;
                        }
                    }

                    state.Absorb(new DateTimeOffset(t, TimeSpan.Zero), types[timeline.TypeCodes[i]], timeline.Amounts[i]);
                    if (i == cut % timeline.Count)
                    {
                        // A checkpoint and a restart change nothing.
                        var buffer = new ArrayBufferWriter<byte>();
                        state.WriteTo(buffer);
                        if (buffer.WrittenCount != state.SerializedBytes)
                        {
                            return false;
                        }

                        state = FeatureState.ReadFrom(buffer.WrittenSpan);
                    }

                    if ((i + 1 == timeline.Count || timeline.Ticks[i + 1] > t) && !Check(t))
                    {
                        return false;
                    }
                }

                return checks.Skip(k).All(Check);

                bool Check(long at)
                {
                    var instant = new DateTimeOffset(at, TimeSpan.Zero);
                    builder.Compute(state, instant, null, live);
                    return Same(live, builder.Build(log, log.Customers[c], instant).Values.ToArray());
                }
            });
        });

    [Fact]
    public void OldEvents_AreForgotten_ButStillCount_AndTheStateStaysSmall()
    {
        var builder = new FeatureBuilder();
        var state = builder.NewState();
        var start = Generators.Epoch;
        var events = new List<CustomerEvent>();
        for (var day = 0; day < 3 * 365; day++)
        {
            var e = new CustomerEvent("a", start.AddDays(day), day % 3 == 0 ? CustomerEventType.Purchase : CustomerEventType.Login, day % 3 == 0 ? 10 : null);
            events.Add(e);
            state.Absorb(e.Timestamp, e.Type, e.Amount is { } a ? (double)a : double.NaN);
        }

        var at = start.AddDays(3 * 365);
        var live = new double[builder.Schema.Count];
        builder.Compute(state, at, null, live);

        Assert.Equal(builder.Build(EventLogBuilder.Build(events), "a", at).Values.ToArray(), live);
        Assert.Equal(3 * 365, state.Events);
        Assert.InRange(state.RecentEvents, 179, 180);
        Assert.True(state.SerializedBytes < 3_200, $"{state.SerializedBytes} bytes");
        Assert.Throws<ArgumentException>(() => state.Absorb(start, CustomerEventType.Login, double.NaN));
        Assert.Throws<FormatException>(() => FeatureState.ReadFrom([1, 2, 3]));
        Assert.Throws<NotSupportedException>(() => new FeatureBuilder(null, [new DelegateFeature(new("x", FeatureKind.Count, "x"), (t, _, _) => t.Count)]).NewState());
    }
}
