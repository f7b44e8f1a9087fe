using Churn.Modeling;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Churn.Modeling.Tests.Training;

public sealed class IsotonicCalibratorTests
{
    private static readonly string Telco = Path.Combine(AppContext.BaseDirectory, "data", "telco", "Telco-Customer-Churn.csv");

    [Property(MaxTest = 300)]
    public Property Fit_IsMonotone_InRange_AndIndependentOfRowOrder() =>
        Prop.ForAll(Gen.ArrayOf(Gen.Zip(Gen.Choose(0, 40), Gen.Elements(true, false, false))).ToArbitrary(), rows =>
        {
            if (rows.Length == 0)
            {
                return true;
            }

            var scores = rows.Select(r => r.Item1 / 40.0).ToArray();
            var labels = rows.Select(r => r.Item2).ToArray();
            var iso = IsotonicCalibrator.Fit(scores, labels);
            var reversed = IsotonicCalibrator.Fit([.. scores.Reverse()], [.. labels.Reverse()]);
            var grid = Enumerable.Range(-5, 51).Select(i => iso.Apply(i / 40.0)).ToArray();

            return grid.Zip(grid.Skip(1)).All(p => p.First <= p.Second)
                && grid.All(p => p is >= 0 and <= 1)
                && iso.X.Zip(iso.X.Skip(1)).All(p => p.First < p.Second)
                && iso.X.Count == reversed.X.Count
                && iso.X.Zip(reversed.X).All(p => Math.Abs(p.First - p.Second) < 1e-12)
                && iso.Y.Zip(reversed.Y).All(p => Math.Abs(p.First - p.Second) < 1e-12)
                && iso.Y[^1] <= labels.Max(l => l ? 1 : 0) && iso.Y[0] >= labels.Min(l => l ? 1 : 0);
        });

    [Fact]
    public void Fit_SeparatedClasses_GiveZeroBelowAndOneAbove_AndPoolViolators()
    {
        var separated = IsotonicCalibrator.Fit([0.1, 0.2, 0.3, 0.7, 0.8], [false, false, false, true, true]);
        Assert.Equal(0, separated.Apply(0.25));
        Assert.Equal(1, separated.Apply(0.75));
        Assert.Equal(0.5, separated.Apply(0.5), 12);

        // 0.4 → churned, 0.5 → not: a violation, pooled into one block of rate 1/2 at score 0.45.
        var pooled = IsotonicCalibrator.Fit([0.1, 0.4, 0.5, 0.9], [false, true, false, true]);
        Assert.Equal([0.1, 0.45, 0.9], pooled.X);
        Assert.Equal([0, 0.5, 1], pooled.Y);

        Assert.Throws<ArgumentException>(() => new IsotonicCalibrator([0.2, 0.1], [0, 1]));
        Assert.Throws<ArgumentException>(() => new IsotonicCalibrator([0.1, 0.2], [0.6, 0.5]));
        Assert.Throws<ArgumentException>(() => IsotonicCalibrator.Fit([0.1], [true, false]));
    }

    [Fact]
    public void IsotonicCalibration_Telco_IsCalibrated_SavedAndScoredAlike()
    {
        var table = ModelTable.FromCsv(Telco, "Churn", "Yes", "customerID");
        var options = new ChurnModelTrainerOptions { Folds = 3, Learners = ["fasttree"], Calibration = CalibrationMethod.Isotonic };

        var result = new ChurnModelTrainer(options, catalog: TestLearners.Catalog).Train(table, TestContext.Current.CancellationToken);

        Assert.True(result.CrossValidation.Metrics.Ece < 0.03, $"ECE {result.CrossValidation.Metrics.Ece:F4}");
        Assert.True(result.CrossValidation.Metrics.Auc > 0.83, $"AUC {result.CrossValidation.Metrics.Auc:F4}");
        Assert.NotNull(result.Model.Metadata.IsotonicX);
        var fast = result.Model.Score(table);
        var reference = result.Model.ScoreReference(table);
        var path = Path.GetTempFileName();
        try
        {
            result.Model.Save(path);
            var loaded = ChurnModel.Load(path, TestLearners.Catalog).Score(table);
            for (var i = 0; i < fast.Length; i++)
            {
                Assert.Equal(reference[i], fast[i], 1e-5);
                Assert.Equal(fast[i], loaded[i]);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }
}
