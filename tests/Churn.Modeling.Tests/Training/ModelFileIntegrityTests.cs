namespace Churn.Modeling.Tests.Training;

/// <summary>A sealed model file refuses any change: every single-byte change and every truncation is a <see cref="ModelFileException"/>, and nothing reaches a parser.</summary>
public sealed class ModelFileIntegrityTests
{
    private static readonly string Telco = Path.Combine(AppContext.BaseDirectory, "data", "telco", "Telco-Customer-Churn.csv");

    [Fact]
    public void EveryByteChange_AndEveryTruncation_IsRefused()
    {
        var table = ModelTable.FromCsv(Telco, "Churn", "Yes", "customerID").Subset([.. Enumerable.Range(0, 400)]);
        var model = new ChurnModelTrainer(new ChurnModelTrainerOptions { Folds = 2, Learners = ["hgb", "logistic"], Trees = new TreeSettings(3, 4, 0.1, 20) }, catalog: TestLearners.Catalog).Train(table, TestContext.Current.CancellationToken).Model;
        var dir = Directory.CreateTempSubdirectory("churn-model-fuzz").FullName;
        var path = Path.Combine(dir, "m.model");
        try
        {
            model.Save(path);
            var original = File.ReadAllBytes(path);
            var expected = model.Score(table);
            Assert.Equal(expected, ChurnModel.Load(path, TestLearners.Catalog).Score(table));
            Assert.True(original.Length < 40_000, $"{original.Length} bytes");

            var accepted = new List<string>();
            var damaged = (byte[])original.Clone();
            for (var i = 0; i < original.Length; i++)
            {
                foreach (var change in new byte[] { 0x01, 0x80, 0xFF })
                {
                    damaged[i] = (byte)(original[i] ^ change);
                    File.WriteAllBytes(path, damaged);
                    try
                    {
                        ChurnModel.Load(path, TestLearners.Catalog);
                        accepted.Add($"byte {i} ^ 0x{change:X2}");
                    }
                    catch (ModelFileException)
                    {
                    }
                }

                damaged[i] = original[i];
            }

            for (var length = 0; length < original.Length; length++)
            {
                File.WriteAllBytes(path, original[..length]);
                try
                {
                    ChurnModel.Load(path, TestLearners.Catalog);
                    accepted.Add($"truncated to {length}");
                }
                catch (ModelFileException)
                {
                }
            }

            File.WriteAllBytes(path, [.. original, 0]);
            Assert.Contains("bytes more than its header declares", Assert.Throws<ModelFileException>(() => ChurnModel.Load(path, TestLearners.Catalog)).Message, StringComparison.Ordinal);
            Assert.Empty(accepted);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void AZipBomb_IsRefusedBeforeItInflates()
    {
        var dir = Directory.CreateTempSubdirectory("churn-model-bomb").FullName;
        var path = Path.Combine(dir, "bomb.model");
        try
        {
            // A bare zip (the older format) whose learner entry inflates to 600 MB of zeros: refused by its declared size.
            using (var zip = System.IO.Compression.ZipFile.Open(path, System.IO.Compression.ZipArchiveMode.Create))
            {
                using (var meta = new StreamWriter(zip.CreateEntry("metadata.json").Open()))
                {
                    meta.Write("{\"Format\":\"churn-model/1\",\"Learners\":[\"Logistic\"],\"Features\":[]}");
                }

                using var entry = zip.CreateEntry("learner-0.linear", System.IO.Compression.CompressionLevel.SmallestSize).Open();
                var zeros = new byte[1 << 20];
                for (var i = 0; i < 600; i++)
                {
                    entry.Write(zeros);
                }
            }

            Assert.True(new FileInfo(path).Length < 5_000_000);
            var ex = Assert.Throws<ModelFileException>(() => ChurnModel.Load(path, TestLearners.Catalog));
            Assert.Contains("more than a model entry can be", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

/// <summary>Numbers no learner can hold are refused with their place, and training always ends.</summary>
public sealed class HugeNumberTests
{
    private static readonly string Telco = Path.Combine(AppContext.BaseDirectory, "data", "telco", "Telco-Customer-Churn.csv");

    [Theory]
    [InlineData(3.5e38)]
    [InlineData(-1e300)]
    [InlineData(double.PositiveInfinity)]
    public async Task Train_NumberBeyondSinglePrecision_IsRefusedNamingColumnAndRow_WithoutHanging(double value)
    {
        var table = ModelTable.FromCsv(Telco, "Churn", "Yes", "customerID").Subset([.. Enumerable.Range(0, 300)]);
        var columns = table.Columns.Select(c => c.Name == "MonthlyCharges" ? c with { Numbers = [.. c.Numbers!.Select((x, i) => i == 7 ? value : x)] } : c).ToList();
        var bad = new ModelTable(columns, [.. table.Labels!], [.. table.Ids!]);

        foreach (var learners in new[] { new[] { "logistic" }, ["hgb", "logistic"] })
        {
            var run = Task.Run(() => Assert.Throws<ArgumentException>(() => new ChurnModelTrainer(new ChurnModelTrainerOptions { Folds = 2, Learners = learners }, catalog: TestLearners.Catalog).Train(bad, TestContext.Current.CancellationToken)));

            var ex = await run.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
            Assert.Contains("Column 'MonthlyCharges', row 8", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void FromCsv_NumberBeyondSinglePrecision_RejectsTheRowWithItsPlace()
    {
        var dir = Directory.CreateTempSubdirectory("churn-huge").FullName;
        try
        {
            var lines = File.ReadLines(Telco).Take(201).ToArray();
            var column = Array.IndexOf(lines[0].Split(','), "MonthlyCharges");
            var row = lines[5].Split(',');
            row[column] = "3.5e38";
            lines[5] = string.Join(',', row);
            var path = Path.Combine(dir, "t.csv");
            File.WriteAllLines(path, lines);
            var report = new Churn.Data.IngestReport();

            var table = ModelTable.FromCsv(path, "Churn", "Yes", "customerID", report: report);

            Assert.Equal(199, table.Count);
            Assert.Equal((200L, 199L, 1L), (report.Read, report.Accepted, report.Rejected));
            var error = Assert.Single(report.Errors);
            Assert.Equal((6L, column + 1), (error.Line, error.Column));
            Assert.Contains("beyond ±3.4E+38", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

/// <summary>A label written as a number matches however it is written; a churn value that matches nothing says what there is.</summary>
public sealed class LabelValueTests
{
    [Fact]
    public void Positive_MatchesNumbersWrittenAnotherWay_AndAMissSaysWhatThereIs()
    {
        var dir = Directory.CreateTempSubdirectory("churn-labels").FullName;
        try
        {
            var path = Path.Combine(dir, "t.csv");
            File.WriteAllText(path, "x,churned\n1,1.0\n2,0.0\n3,1.0\n4,0.0\n");

            var table = ModelTable.FromCsv(path, "churned", "1");
            var inferred = ModelTable.FromCsv(path, "churned");
            var ex = Assert.Throws<ArgumentException>(() => ModelTable.FromCsv(path, "churned", "yes"));

            Assert.Equal([true, false, true, false], table.Labels);
            Assert.Equal([true, false, true, false], inferred.Labels);
            Assert.Contains("--positive 'yes' is none of the values of the label 'churned': 1.0, 0.0", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
