using Churn.Data;

namespace Churn.Benchmarks;

/// <summary>Shared benchmark data: synthetic bases written once per size into the temp folder and reused.</summary>
public static class BenchData
{
    /// <summary>Gets a value indicating whether CI asked for a smoke run (tiny sizes, so that broken benchmarks show up fast).</summary>
    public static bool Smoke => Environment.GetEnvironmentVariable("CHURN_BENCH_SMOKE") == "1";

    /// <summary>Synthetic options giving about 20 events per customer.</summary>
    public static SyntheticOptions Shape(int customers) => new()
    {
        Customers = Smoke ? Math.Min(customers, 2_000) : customers,
        Seed = 42,
        HistoryMonths = 6,
        LoginsPerMonth = 1.5,
        IncludeEventIds = false,
    };

    /// <summary>The plain baseline of the ingest benchmarks: split every line on commas, parse nothing.</summary>
    public static long PlainSplit(string path)
    {
        long fields = 0;
        foreach (var line in File.ReadLines(path))
        {
            fields += line.Split(',').Length;
        }

        return fields;
    }

    /// <summary>Writes (once) and returns the events CSV of a base of the given size.</summary>
    public static string EventsCsv(int customers)
    {
        var options = Shape(customers);
        var dir = Path.Combine(Path.GetTempPath(), "churn-bench", $"base-{options.Customers}-{options.Seed}-{options.HistoryMonths}");
        var path = Path.Combine(dir, "events.csv");
        if (!File.Exists(path) || !File.Exists(Path.Combine(dir, "truth.csv")))
        {
            new SyntheticCustomerBase(options).WriteCsvAsync(dir).GetAwaiter().GetResult();
        }

        return path;
    }
}
