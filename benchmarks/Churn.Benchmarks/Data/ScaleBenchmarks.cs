using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Churn.Data;

namespace Churn.Benchmarks.Data;

/// <summary>
/// The foundation's scale target end to end: read about 20 million events from CSV into an
/// EventLog and build the snapshots of 1 million customers. Run alone:
/// <c>dotnet run -c Release --project benchmarks/Churn.Benchmarks -- --filter *ScaleBenchmarks*</c>.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 0, iterationCount: 2)]
public class ScaleBenchmarks
{
    private string _path = string.Empty;
    private EventLog? _log;

    [Params(1_000_000)]
    public int Customers { get; set; }

    [GlobalSetup]
    public void Setup() => _path = BenchData.EventsCsv(Customers);

    [Benchmark(Baseline = true, Description = "plain line split (no parsing)")]
    public long PlainSplit() => BenchData.PlainSplit(_path);

    [Benchmark(Description = "read CSV into EventLog + build all snapshots")]
    public int ReadAndBuild()
    {
        var report = new IngestReport();
        _log = EventLogBuilder.Build(new CsvEventReader().ReadFile(_path, report));
        var batch = new FeatureBuilder().BuildAll(_log, BenchData.Shape(Customers).AsOf);
        return batch.Count;
    }
}
