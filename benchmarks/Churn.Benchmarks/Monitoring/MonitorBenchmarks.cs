using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Churn.Abstractions;
using Churn.Data;
using Churn.Modeling;
using Churn.Monitoring;
using Churn.Sdk;

namespace Churn.Benchmarks.Monitoring;

/// <summary>
/// Events per second through the live monitor, on a generated base of 100,000 customers (about
/// 20 events each, replayed in time order) with the default model: the whole monitor (dedup,
/// ordering, live features, probability, level, reasons, alerts) one event at a time and in
/// batches on all cores, with and without the sample rules, against the live features alone on
/// one thread (the baseline) and with the probability. Timed per replay (divide the events by the
/// time). Run alone: <c>--filter *MonitorBenchmarks*</c>.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class MonitorBenchmarks
{
    private const int Customers = 100_000;
    private const int Batch = 512;
    private readonly DateTimeOffset _asOf = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private CustomerEvent[] _events = [];
    private ChurnPipeline _pipeline = null!;
    private ChurnPipeline _withRules = null!;
    private FeatureBuilder _features = null!;
    private ChurnModel _model = null!;

    /// <summary>Gets the number of events replayed per invocation (set in setup).</summary>
    public static int Events { get; private set; } = 1;

    /// <summary>The data and models, and (once, in the baseline's process) the state sizes and the event-to-alert latency.</summary>
    [GlobalSetup(Target = nameof(LiveFeatures))]
    public void SetupWithFigures()
    {
        Setup();
        Figures();
    }

    [GlobalSetup(Targets = [nameof(LiveProbability), nameof(Monitor), nameof(MonitorBatches), nameof(MonitorBigBatches), nameof(MonitorRulesBatches)])]
    public void Setup()
    {
        var shape = BenchData.Shape(Customers);
        shape.AsOf = _asOf;
        var data = CustomerData.Generate(shape);
        _model = ChurnPipeline.CreateBuilder().WithTrainer(o => o.Folds = 2).Build().Train(data, _asOf.AddDays(-30)).Model;
        _pipeline = ChurnPipeline.CreateBuilder().WithModel(_model).Configure(o => o.PredictValue = false).Build();
        var rules = Path.Combine(AppContext.BaseDirectory, "churn-rules.json");
        _withRules = ChurnPipeline.CreateBuilder().WithModel(_model).WithRulesFile(rules).Configure(o => o.PredictValue = false).Build();
        _features = new FeatureBuilder();
        var log = data.Log;
        var all = new List<(long Tick, CustomerEvent Event)>();
        for (var c = 0; c < log.CustomerCount; c++)
        {
            var t = log.Timeline(c);
            for (var i = 0; i < t.Count; i++)
            {
                all.Add((t.Ticks[i], new CustomerEvent(log.Customers[c], new DateTimeOffset(t.Ticks[i], TimeSpan.Zero), log.Types[t.TypeCodes[i]], double.IsNaN(t.Amounts[i]) ? null : (decimal)t.Amounts[i], $"e{all.Count}")));
            }
        }

        _events = [.. all.OrderBy(e => e.Tick).Select(e => e.Event)];
        Events = _events.Length;
        Console.WriteLine($"// {Events:N0} events of {log.CustomerCount:N0} customers");
    }

    private void Figures()
    {
        // The state each customer costs once the history is replayed (serialised; in memory add object headers).
        foreach (var (name, pipeline) in new[] { ("without rules", _pipeline), ("with the sample rules", _withRules) })
        {
            var live = new Dictionary<CustomerId, LiveCustomer>();
            foreach (var e in _events)
            {
                if (!live.TryGetValue(e.CustomerId, out var c))
                {
                    live[e.CustomerId] = c = pipeline.StartLive(e.CustomerId);
                }

                pipeline.Observe(c, e);
            }

            foreach (var c in live.Values)
            {
                pipeline.AssessLive(c, _events[^1].Timestamp, 0);
            }

            var bytes = live.Values.Select(c => c.SerializedBytes).Order().ToArray();
            Console.WriteLine($"// state per customer {name}: mean {bytes.Average():N0} bytes, p99 {bytes[(int)(bytes.Length * 0.99)]:N0}, max {bytes[^1]:N0}");
        }

        // Event-to-alert latency as the monitor's own histogram records it (arrival to the alert sent), alerting from medium up so that there are many.
        var latencies = new List<double>();
        using (var listener = new System.Diagnostics.Metrics.MeterListener())
        {
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "Churn.Monitoring" && instrument.Name == "churn.monitor.event_to_alert")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<double>((_, value, _, _) => latencies.Add(value));
            listener.Start();
            using var monitor = new ChurnMonitor(_pipeline, new MonitorOptions { AlertLevel = RiskLevel.Medium }, [new InMemoryAlertSink()]);
            foreach (var e in _events)
            {
                monitor.ObserveAsync(e).AsTask().GetAwaiter().GetResult();
            }
        }

        latencies.Sort();
        if (latencies.Count > 0)
        {
            Console.WriteLine($"// event-to-alert: {latencies.Count:N0} alerts, p50 {latencies[latencies.Count / 2] * 1000:N0} µs, p99 {latencies[(int)(latencies.Count * 0.99)] * 1000:N0} µs, max {latencies[^1] * 1000:N0} µs");
        }
    }

    [Benchmark(Baseline = true, Description = "live features only, one replay")]
    public double LiveFeatures()
    {
        var states = new Dictionary<CustomerId, FeatureState>();
        var row = new double[_features.Schema.Count];
        foreach (var e in _events)
        {
            if (!states.TryGetValue(e.CustomerId, out var s))
            {
                states[e.CustomerId] = s = _features.NewState();
            }

            s.Absorb(e.Timestamp, e.Type, e.Amount is { } a ? (double)a : double.NaN);
            _features.Compute(s, e.Timestamp, null, row);
        }

        return row[0];
    }

    [Benchmark(Description = "live features + probability, one replay")]
    public double LiveProbability()
    {
        var states = new Dictionary<CustomerId, FeatureState>();
        var row = new double[_features.Schema.Count];
        var p = new double[1];
        foreach (var e in _events)
        {
            if (!states.TryGetValue(e.CustomerId, out var s))
            {
                states[e.CustomerId] = s = _features.NewState();
            }

            s.Absorb(e.Timestamp, e.Type, e.Amount is { } a ? (double)a : double.NaN);
            _features.Compute(s, e.Timestamp, null, row);
            _model.Score(_features.Schema, row, p);
        }

        return p[0];
    }

    [Benchmark(Description = "the monitor (dedup, order, assessment, reasons, alerts), one event at a time, one replay")]
    public long Monitor()
    {
        using var monitor = new ChurnMonitor(_pipeline, new MonitorOptions(), [new InMemoryAlertSink()]);
        foreach (var e in _events)
        {
            monitor.ObserveAsync(e).AsTask().GetAwaiter().GetResult();
        }

        return monitor.Stats.Events;
    }

    [Benchmark(Description = "the monitor, batches of 512 on all cores, one replay")]
    public long MonitorBatches() => Batches(_pipeline);

    [Benchmark(Description = "the monitor, batches of 4,096 on all cores, one replay")]
    public long MonitorBigBatches() => Batches(_pipeline, 4_096);

    [Benchmark(Description = "the monitor with the sample rules, batches of 512 on all cores, one replay")]
    public long MonitorRulesBatches() => Batches(_withRules);

    private long Batches(ChurnPipeline pipeline, int size = Batch)
    {
        using var monitor = new ChurnMonitor(pipeline, new MonitorOptions { BatchSize = size }, [new InMemoryAlertSink()]);
        for (var i = 0; i < _events.Length; i += size)
        {
            monitor.ObserveManyAsync(new ArraySegment<CustomerEvent>(_events, i, Math.Min(size, _events.Length - i))).AsTask().GetAwaiter().GetResult();
        }

        return monitor.Stats.Events;
    }
}
