using Churn.Abstractions;
using Churn.Data;

namespace Churn.Data.Tests.Synthetic;

public sealed class SyntheticCustomerBaseTests
{
    private static readonly SyntheticOptions Small = new() { Customers = 2_000, Seed = 7 };

    [Fact]
    public void Generate_SameSeed_SameBase_OtherSeed_OtherBase()
    {
        var a = new SyntheticCustomerBase(Small).Generate(TestContext.Current.CancellationToken).Take(200).ToList();
        var b = new SyntheticCustomerBase(Small).Generate(TestContext.Current.CancellationToken).Take(200).ToList();
        var c = new SyntheticCustomerBase(new SyntheticOptions { Customers = 200, Seed = 8 }).Generate(TestContext.Current.CancellationToken).ToList();

        Assert.Equal(a.SelectMany(x => x.Events), b.SelectMany(x => x.Events));
        Assert.Equal(a.Select(x => x.Truth), b.Select(x => x.Truth));
        Assert.NotEqual(a.SelectMany(x => x.Events).Count(), c.SelectMany(x => x.Events).Count());
    }

    [Fact]
    public void PlantedProbability_IsExactlyAFunctionOfBuiltFeatures()
    {
        var generator = new SyntheticCustomerBase(Small);
        var customers = generator.Generate(TestContext.Current.CancellationToken).ToList();
        var log = EventLogBuilder.Build(customers.SelectMany(c => c.Events));
        var profiles = customers.ToDictionary(c => c.Profile.Id, c => c.Profile);
        var batch = new FeatureBuilder().BuildAll(log, Small.AsOf, profiles, cancellationToken: TestContext.Current.CancellationToken);
        var rows = Enumerable.Range(0, batch.Count).ToDictionary(r => batch.CustomerIds[r]);

        var active = customers.Where(c => c.Truth.ActiveAtAsOf).ToList();
        Assert.True(active.Count > 800, $"{active.Count} active");
        foreach (var c in active)
        {
            var p = PlantedChurnModel.Probability(batch[rows[c.Profile.Id]]);
            Assert.Equal(c.Truth.ChurnProbability, p, 12);
        }
    }

    [Fact]
    public void Truth_MatchesContractualLabels_AndChurnRateMatchesProbabilities()
    {
        var generator = new SyntheticCustomerBase(Small);
        var customers = generator.Generate(TestContext.Current.CancellationToken).ToList();
        var log = EventLogBuilder.Build(customers.SelectMany(c => c.Events));

        var labels = new LabelBuilder(new LabelOptions { ObservedUntil = generator.DataEnd }).LabelAll(log, Small.AsOf).ToDictionary(l => l.CustomerId, l => l.Churned);

        var active = customers.Where(c => c.Truth.ActiveAtAsOf).ToList();
        Assert.Equal(active.Count, labels.Count);
        Assert.All(active, c => Assert.Equal(c.Truth.Churned, labels[c.Profile.Id]));

        // The realised churn rate agrees with the mean planted probability (binomial, 4 sd).
        var expected = active.Average(c => c.Truth.ChurnProbability);
        var observed = active.Average(c => c.Truth.Churned ? 1.0 : 0.0);
        var sd = Math.Sqrt(expected * (1 - expected) / active.Count);
        Assert.InRange(observed, expected - (4 * sd), expected + (4 * sd));
        Assert.InRange(expected, 0.03, 0.2);
    }

    [Fact]
    public async Task WriteCsv_ReadsBackCleanly_WithTheSameEvents()
    {
        var dir = Directory.CreateTempSubdirectory("churn-synth").FullName;
        try
        {
            var generator = new SyntheticCustomerBase(new SyntheticOptions { Customers = 300, Seed = 3 });
            var (customers, events) = await generator.WriteCsvAsync(dir, cancellationToken: TestContext.Current.CancellationToken);
            var report = new IngestReport();
            var read = new CsvEventReader().ReadFile(Path.Combine(dir, "events.csv"), report, TestContext.Current.CancellationToken).ToList();
            var profileReport = new IngestReport();
            var profiles = new CsvCustomerReader().ReadFile(Path.Combine(dir, "customers.csv"), profileReport, TestContext.Current.CancellationToken).ToList();

            Assert.Equal(300, customers);
            Assert.True(report.IsClean, string.Join("\n", report.Errors));
            Assert.Equal(events, read.Count);
            Assert.Equal(generator.Generate(TestContext.Current.CancellationToken).SelectMany(c => c.Events), read);
            Assert.Equal(300, profiles.Count);
            Assert.True(profileReport.IsClean);
            Assert.Equal(301, File.ReadAllLines(Path.Combine(dir, "truth.csv")).Length);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Options_OutOfRange_AreRejected()
    {
        Assert.Throws<ArgumentException>(() => new SyntheticCustomerBase(new SyntheticOptions { Customers = 0 }));
        Assert.Throws<ArgumentException>(() => new SyntheticCustomerBase(new SyntheticOptions { Customers = 10_000_001 }));
    }

    [Fact]
    public async Task WriteCsv_Cancelled_LeavesTheEarlierFilesAsTheyWere_AndNoTemporaryFile()
    {
        var dir = Directory.CreateTempSubdirectory("churn-generate").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "events.csv"), "earlier\n");
            using var cancelled = new CancellationTokenSource();
            var progress = new Progress<int>(_ => cancelled.Cancel());
            cancelled.CancelAfter(TimeSpan.FromMilliseconds(50));

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new SyntheticCustomerBase(new SyntheticOptions { Customers = 200_000, Seed = 3 }).WriteCsvAsync(dir, progress, cancelled.Token));

            Assert.Equal("earlier\n", File.ReadAllText(Path.Combine(dir, "events.csv")));
            Assert.Equal(["events.csv"], Directory.GetFiles(dir).Select(Path.GetFileName));

            var (customers, _) = await new SyntheticCustomerBase(new SyntheticOptions { Customers = 50, Seed = 3 }).WriteCsvAsync(dir, null, TestContext.Current.CancellationToken);
            Assert.Equal(50, customers);
            Assert.Equal(51, File.ReadAllLines(Path.Combine(dir, "customers.csv")).Length);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
