using BenchmarkDotNet.Attributes;
using Churn.Abstractions;
using Churn.Data;

namespace Churn.Benchmarks.Data;

/// <summary>
/// Ingest throughput of the events reader against a plain baseline in the same run: the baseline
/// splits lines on commas and parses nothing (no quotes, no validation), so the ratio is the cost
/// of doing the job properly. Rows/s = events / mean time; MB/s = file size / mean time.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class IngestBenchmarks
{
    private string _path = string.Empty;

    [Params(50_000)]
    public int Customers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _path = BenchData.EventsCsv(Customers);
        Console.WriteLine($"// events file: {new FileInfo(_path).Length / 1e6:F1} MB, {File.ReadLines(_path).Count() - 1} events");
    }

    [Benchmark(Baseline = true, Description = "plain line split (no parsing)")]
    public long PlainSplit() => BenchData.PlainSplit(_path);

    [Benchmark(Description = "CsvEventReader (validated events)")]
    public long CsvEventReader()
    {
        var report = new IngestReport();
        long n = 0;
        foreach (var _ in new CsvEventReader().ReadFile(_path, report))
        {
            n++;
        }

        return n + report.Rejected;
    }

    [Benchmark(Description = "CsvEventReader + EventLog build")]
    public int ReadIntoEventLog()
    {
        var report = new IngestReport();
        var log = EventLogBuilder.Build(new CsvEventReader().ReadFile(_path, report));
        return log.EventCount;
    }
}
