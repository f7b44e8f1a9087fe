using Churn.Abstractions;
using Churn.Data;
using Churn.Modeling;

namespace Churn.Modeling.Tests.Training;

public sealed class ChurnModelTrainerTests
{
    private static readonly string Telco = Path.Combine(AppContext.BaseDirectory, "data", "telco", "Telco-Customer-Churn.csv");

    [Fact]
    public void CrossValidate_Telco_DefaultsReachTheBestPythonBaseline()
    {
        var table = ModelTable.FromCsv(Telco, "Churn", "Yes", "customerID");

        var cv = new ChurnModelTrainer().CrossValidate(table, TestContext.Current.CancellationToken);

        // scikit-learn on the same data: HistGradientBoosting 0.836, logistic regression 0.845, xgboost 0.844.
        Assert.True(cv.Metrics.Auc >= 0.845, $"5-fold CV ROC-AUC {cv.Metrics.Auc:F4}");
        Assert.True(cv.Metrics.Ece < 0.03, $"ECE {cv.Metrics.Ece:F4}");
        Assert.Equal(7043, cv.Metrics.Count);
        Assert.Equal(1869, cv.Metrics.Positives);
        Assert.All(cv.Probabilities, p => Assert.InRange(p, 0, 1));
    }

    [Fact]
    public void FromCsv_Telco_InfersTypesAndMissingValues()
    {
        var table = ModelTable.FromCsv(Telco, "Churn", "Yes", "customerID");

        var total = table.Columns.Single(c => c.Name == "TotalCharges");
        Assert.Equal(ModelColumnKind.Numeric, total.Kind);
        Assert.Equal(11, total.Numbers!.Count(double.IsNaN));
        Assert.Equal(ModelColumnKind.Categorical, table.Columns.Single(c => c.Name == "Contract").Kind);
        Assert.DoesNotContain(table.Columns, c => c.Name is "customerID" or "Churn");
        Assert.Throws<ArgumentException>(() => ModelTable.FromCsv(Telco, "Churned"));
        Assert.Throws<ArgumentException>(() => ModelTable.FromCsv(Telco, "Contract"));
    }

    [Fact]
    public void Synthetic_ModelApproachesThePlantedTruth_AndIsCalibrated()
    {
        // Trained on six earlier months, scored at a later instant: one draw of that shift moves the AUC by about 0.01,
        // so two bases are averaged. On each, the model stays calibrated.
        var (modelAucs, truthAucs) = (new List<double>(), new List<double>());
        foreach (var seed in new[] { 5, 6 })
        {
            var (train, test) = SyntheticSets(5000, seed, 6);
            var model = new ChurnModelTrainer(new ChurnModelTrainerOptions { Folds = 3 }, catalog: TestLearners.Catalog).Train(ModelTable.FromSnapshots(train), TestContext.Current.CancellationToken).Model;
            var p = model.Score([.. test.Select(r => r.Snapshot)]);
            var y = test.Select(r => r.Churned).ToArray();
            var truth = test.Select(r => PlantedChurnModel.Probability(r.Snapshot)).ToArray();
            modelAucs.Add(MetricsCalculator.Auc(p, y));
            truthAucs.Add(MetricsCalculator.Auc(truth, y));
            Assert.True(MetricsCalculator.Ece(p, y) < 0.03, $"seed {seed}: ECE {MetricsCalculator.Ece(p, y):F4}");
        }

        Assert.True(modelAucs.Average() >= truthAucs.Average() - 0.02, $"model AUC {string.Join(", ", modelAucs.Select(a => a.ToString("F4", System.Globalization.CultureInfo.InvariantCulture)))} vs planted {string.Join(", ", truthAucs.Select(a => a.ToString("F4", System.Globalization.CultureInfo.InvariantCulture)))}");
    }

    [Theory]
    [InlineData("fasttree")]
    [InlineData("hgb")]
    public void BalanceClasses_WeightsTheRareChurners_AndCalibrationKeepsProbabilitiesTrue(string trainer)
    {
        var rows = SyntheticSets(3000, 11, 4).Train;
        var table = ModelTable.FromSnapshots(rows);
        var churnRate = rows.Count(r => r.Churned) / (double)rows.Count;

        var plain = new ChurnModelTrainer(new ChurnModelTrainerOptions { Folds = 3, Learners = TestLearners.Of(trainer) }, catalog: TestLearners.Catalog).Train(table, TestContext.Current.CancellationToken);
        var balanced = new ChurnModelTrainer(new ChurnModelTrainerOptions { Folds = 3, Learners = TestLearners.Of(trainer), BalanceClasses = true }, catalog: TestLearners.Catalog).Train(table, TestContext.Current.CancellationToken);

        // The rare class is weighted up: the learners' raw scores move towards one half...
        Assert.InRange(churnRate, 0.005, 0.25);
        Assert.True(balanced.CrossValidation.RawScores.Average() > plain.CrossValidation.RawScores.Average() + 0.1, $"raw means {balanced.CrossValidation.RawScores.Average():F3} vs {plain.CrossValidation.RawScores.Average():F3}");

        // ...while the calibrated probabilities still mean what they say, and ranking is kept.
        Assert.True(balanced.CrossValidation.Metrics.Ece < 0.03, $"ECE {balanced.CrossValidation.Metrics.Ece:F4}");
        Assert.Equal(churnRate, balanced.CrossValidation.Probabilities.Average(), 0.02);
        Assert.True(balanced.CrossValidation.Metrics.Auc > plain.CrossValidation.Metrics.Auc - 0.02, $"AUC {balanced.CrossValidation.Metrics.Auc:F4} vs {plain.CrossValidation.Metrics.Auc:F4}");
        Assert.True(balanced.Model.Metadata.BalancedClasses);
        Assert.False(plain.Model.Metadata.BalancedClasses);
    }

    [Fact]
    public void Train_SameSeedSameModel_SaveLoadScoresIdentically()
    {
        var table = ModelTable.FromCsv(Telco, "Churn", "Yes", "customerID").Subset([.. Enumerable.Range(0, 1500)]);
        var trainer = new ChurnModelTrainer(new ChurnModelTrainerOptions { Folds = 3 }, catalog: TestLearners.Catalog);

        var a = trainer.Train(table, TestContext.Current.CancellationToken);
        var b = trainer.Train(table, TestContext.Current.CancellationToken);
        var path = Path.GetTempFileName();
        try
        {
            a.Model.Save(path);
            var loaded = ChurnModel.Load(path, TestLearners.Catalog);

            Assert.Equal(a.Model.Score(table), b.Model.Score(table));
            Assert.Equal(a.Model.Score(table), loaded.Score(table));
            Assert.Equal(a.CrossValidation.Metrics.Auc, loaded.Metadata.CrossValidation!.Auc);
            Assert.Equal(ModelMetadata.CurrentFormat, loaded.Metadata.Format);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Train_Default_GivesTheSameModelOnOneThreadOrMany()
    {
        // The whole table, so that the booster's histograms are shared among threads.
        var table = ModelTable.FromCsv(Telco, "Churn", "Yes", "customerID");

        var one = new ChurnModelTrainer(new ChurnModelTrainerOptions { Folds = 2, Threads = 1 }, catalog: TestLearners.Catalog).Train(table, TestContext.Current.CancellationToken);
        var all = new ChurnModelTrainer(new ChurnModelTrainerOptions { Folds = 2 }, catalog: TestLearners.Catalog).Train(table, TestContext.Current.CancellationToken);

        Assert.Equal(0, new ChurnModelTrainerOptions().Threads);
        Assert.Equal(one.CrossValidation.Probabilities, all.CrossValidation.Probabilities);
        Assert.Equal(one.Model.Score(table), all.Model.Score(table));
        Assert.Equal([HistGradientBoostingLearner.LearnerName, LogisticLearner.LearnerName], all.Model.Metadata.Learners);
    }

    [Theory]
    [InlineData("fasttree")]
    [InlineData("hgb")]
    public void Search_PicksACandidate_Deterministically(string trainer)
    {
        var table = ModelTable.FromCsv(Telco, "Churn", "Yes", "customerID").Subset([.. Enumerable.Range(0, 1500)]);
        var options = new ChurnModelTrainerOptions { Folds = 2, Learners = TestLearners.Of(trainer), Search = true };

        var a = new ChurnModelTrainer(options, catalog: TestLearners.Catalog).Train(table, TestContext.Current.CancellationToken);
        var b = new ChurnModelTrainer(options, catalog: TestLearners.Catalog).Train(table, TestContext.Current.CancellationToken);

        Assert.Contains(a.Model.Metadata.TreeSettings!, options.SearchCandidates);
        Assert.Equal(a.Model.Metadata.TreeSettings, b.Model.Metadata.TreeSettings);
        Assert.Equal(a.Model.Score(table), b.Model.Score(table));
        Assert.InRange(a.CrossValidation.Metrics.Auc, 0.75, 1);
    }

    [Fact]
    public void Load_CorruptTruncatedOrWrongData_AreClearErrors()
    {
        var table = ModelTable.FromCsv(Telco, "Churn", "Yes", "customerID").Subset([.. Enumerable.Range(0, 600)]);
        var model = new ChurnModelTrainer(new ChurnModelTrainerOptions { Folds = 2, Learners = ["logistic"] }, catalog: TestLearners.Catalog).Train(table, TestContext.Current.CancellationToken).Model;
        var path = Path.GetTempFileName();
        try
        {
            model.Save(path);
            var bytes = File.ReadAllBytes(path);
            File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
            Assert.Contains("is truncated", Assert.Throws<ModelFileException>(() => ChurnModel.Load(path, TestLearners.Catalog)).Message, StringComparison.Ordinal);
            File.WriteAllText(path, "not a model");
            Assert.Throws<ModelFileException>(() => ChurnModel.Load(path, TestLearners.Catalog));
            Assert.Throws<ModelFileException>(() => ChurnModel.Load(path + ".missing", TestLearners.Catalog));

            var wrong = new ModelTable([new ModelColumn("tenure", ModelColumnKind.Categorical, null, ["x"])]);
            var ex = Assert.Throws<ModelFileException>(() => model.Score(wrong));
            Assert.Contains("column 'gender' is missing", ex.Message, StringComparison.Ordinal);
            Assert.Contains("'tenure' holds text", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Load_DamagedBoostedTrees_AreClearErrors()
    {
        var table = ModelTable.FromCsv(Telco, "Churn", "Yes", "customerID").Subset([.. Enumerable.Range(0, 800)]);
        var model = new ChurnModelTrainer(new ChurnModelTrainerOptions { Folds = 2, Learners = ["hgb"], Trees = new TreeSettings(30, 8, 0.1, 20) }, catalog: TestLearners.Catalog).Train(table, TestContext.Current.CancellationToken).Model;
        var path = Path.GetTempFileName();
        try
        {
            model.Save(path);
            Assert.Equal(model.Score(table), ChurnModel.Load(path, TestLearners.Catalog).Score(table));

            // Behind the sealed envelope, the loaders check what they read too: take the bare zip (as files
            // written before the envelope are) and cut the trees entry short inside it.
            File.WriteAllBytes(path, File.ReadAllBytes(path)[49..]);
            Assert.Equal(model.Score(table), ChurnModel.Load(path, TestLearners.Catalog).Score(table));
            using (var zip = System.IO.Compression.ZipFile.Open(path, System.IO.Compression.ZipArchiveMode.Update))
            {
                var entry = zip.GetEntry("learner-0.trees")!;
                byte[] bytes;
                using (var s = entry.Open())
                using (var copy = new MemoryStream())
                {
                    s.CopyTo(copy);
                    bytes = copy.ToArray();
                }

                entry.Delete();
                using var w = zip.CreateEntry("learner-0.trees").Open();
                w.Write(bytes, 0, bytes.Length / 2);
            }

            var ex = Assert.Throws<ModelFileException>(() => ChurnModel.Load(path, TestLearners.Catalog));
            Assert.Contains("tree ensemble is truncated", ex.Message, StringComparison.Ordinal);

            using (var zip = System.IO.Compression.ZipFile.Open(path, System.IO.Compression.ZipArchiveMode.Update))
            {
                zip.GetEntry("learner-0.trees")!.Delete();
            }

            Assert.Contains("lacks its learner 0 (HistGradientBoosting)", Assert.Throws<ModelFileException>(() => ChurnModel.Load(path, TestLearners.Catalog)).Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ValidateByTime_TrainsOnOlderAndMeasuresOnNewer()
    {
        var options = new SyntheticOptions { Customers = 2500, Seed = 9 };
        var generator = new SyntheticCustomerBase(options);
        var customers = generator.Generate(TestContext.Current.CancellationToken).ToList();
        var log = EventLogBuilder.Build(customers.SelectMany(c => c.Events));
        var labels = new LabelBuilder(new LabelOptions { ObservedUntil = generator.DataEnd });
        var set = labels.BuildTrainingSet(log, new FeatureBuilder(), generator.Checkpoints.TakeLast(4), customers.ToDictionary(c => c.Profile.Id, c => c.Profile), TestContext.Current.CancellationToken);
        var table = ModelTable.FromSnapshots(set.Rows);

        var metrics = new ChurnModelTrainer(new ChurnModelTrainerOptions { Folds = 2, Learners = ["logistic"] }, catalog: TestLearners.Catalog).ValidateByTime(table, options.AsOf, TestContext.Current.CancellationToken);

        Assert.Equal(set.Rows.Count(r => r.Snapshot.AsOf >= options.AsOf), metrics.Count);
        Assert.InRange(metrics.Auc, 0.6, 1);
        Assert.Throws<ArgumentException>(() => new ChurnModelTrainer().ValidateByTime(table, options.AsOf.AddYears(5)));
    }

    /// <summary>Synthetic training rows (the last <paramref name="months"/> complete as-of dates) and test rows (the final as-of date).</summary>
    private static (IReadOnlyList<(CustomerSnapshot Snapshot, bool Churned)> Train, IReadOnlyList<(CustomerSnapshot Snapshot, bool Churned)> Test) SyntheticSets(int customers, int seed, int months)
    {
        var options = new SyntheticOptions { Customers = customers, Seed = seed };
        var generator = new SyntheticCustomerBase(options);
        var all = generator.Generate(TestContext.Current.CancellationToken).ToList();
        var log = EventLogBuilder.Build(all.SelectMany(c => c.Events));
        var profiles = all.ToDictionary(c => c.Profile.Id, c => c.Profile);
        var features = new FeatureBuilder();
        var labels = new LabelBuilder(new LabelOptions { ObservedUntil = generator.DataEnd });
        var train = labels.BuildTrainingSet(log, features, generator.Checkpoints.SkipLast(1).TakeLast(months), profiles, TestContext.Current.CancellationToken);
        var test = labels.BuildTrainingSet(log, features, [options.AsOf], profiles, TestContext.Current.CancellationToken);
        return (train.Rows, test.Rows);
    }
}
