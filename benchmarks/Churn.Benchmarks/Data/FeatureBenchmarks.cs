using BenchmarkDotNet.Attributes;
using Churn.Data;

namespace Churn.Benchmarks.Data;

/// <summary>Snapshot building for a whole base as of one instant: all cores against one core in the same run.</summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class FeatureBenchmarks
{
    private EventLog _log = null!;
    private DateTimeOffset _asOf;

    [Params(100_000)]
    public int Customers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var options = BenchData.Shape(Customers);
        var generator = new SyntheticCustomerBase(options);
        var builder = new EventLogBuilder();
        foreach (var c in generator.Generate())
        {
            foreach (var e in c.Events)
            {
                builder.Add(e);
            }
        }

        _log = builder.Build();
        _asOf = options.AsOf;
        Console.WriteLine($"// {_log.CustomerCount} customers, {_log.EventCount} events");
    }

    [Benchmark(Baseline = true, Description = "BuildAll, 1 thread")]
    public int OneThread() => new FeatureBuilder(new FeatureBuilderOptions { MaxDegreeOfParallelism = 1 }).BuildAll(_log, _asOf).Count;

    [Benchmark(Description = "BuildAll, all cores")]
    public int AllCores() => new FeatureBuilder().BuildAll(_log, _asOf).Count;
}
