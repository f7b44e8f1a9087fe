using Churn.Modeling;

namespace Churn.Modeling.Tests.Training;

public sealed class PlattCalibratorTests
{
    [Fact]
    public void Fit_OverconfidentScores_AreCalibrated()
    {
        // True probability q; the score exaggerates it: s = sigmoid(3 * logit(q)).
        var random = new Random(1);
        var n = 20_000;
        var q = new double[n];
        var s = new double[n];
        var y = new bool[n];
        for (var i = 0; i < n; i++)
        {
            q[i] = 0.05 + (0.5 * random.NextDouble());
            s[i] = 1 / (1 + Math.Exp(-3 * Math.Log(q[i] / (1 - q[i]))));
            y[i] = random.NextDouble() < q[i];
        }

        var platt = PlattCalibrator.Fit(s, y);
        var calibrated = s.Select(platt.Apply).ToArray();

        Assert.Equal(1.0 / 3, platt.A, 0.05);
        Assert.True(MetricsCalculator.Ece(calibrated, y) < 0.02);
        Assert.True(MetricsCalculator.Ece(s, y) > 0.05);
        Assert.Equal(MetricsCalculator.Auc(s, y), MetricsCalculator.Auc(calibrated, y), 12);
    }

    [Fact]
    public void Fit_OneClass_IsTheIdentity() =>
        Assert.Equal(PlattCalibrator.Identity, PlattCalibrator.Fit([0.2, 0.4], [true, true]));
}
