using Churn.Modeling;
using Churn.Modeling.MLNet;

namespace Churn.Modeling.Tests.Training;

public sealed class LogisticRegressionTests
{
    private static readonly string Telco = Path.Combine(AppContext.BaseDirectory, "data", "telco", "Telco-Customer-Churn.csv");

    [Fact]
    public void Fit_RecoversThePlantedCoefficients()
    {
        // Features on very different scales: the fit standardises, the weights come back on the raw scale.
        var (x, y) = Planted(200_000, seed: 3, [1.0, -2.0, 0.5], scales: [1, 100, 0.01], intercept: -0.5);

        var model = LogisticRegression.Fit(x, 3, y, null, threads: 2, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(1.0, model.Weights[0], 0.05);
        Assert.Equal(-2.0 / 100, model.Weights[1], 0.001);
        Assert.Equal(0.5 / 0.01, model.Weights[2], 1.5);
        Assert.Equal(-0.5, model.Bias, 0.05);
    }

    [Fact]
    public void Fit_GivesTheSameModelForEveryThreadCount()
    {
        var (x, y) = Planted(60_000, seed: 4, [0.3, -0.7, 0.0, 1.2], scales: [1, 2, 3, 4], intercept: 0.2);

        var one = LogisticRegression.Fit(x, 4, y, null, threads: 1, cancellationToken: TestContext.Current.CancellationToken);
        var two = LogisticRegression.Fit(x, 4, y, null, threads: 2, cancellationToken: TestContext.Current.CancellationToken);
        var three = LogisticRegression.Fit(x, 4, y, null, threads: 3, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(one.Weights, two.Weights);
        Assert.Equal(one.Weights, three.Weights);
        Assert.Equal(one.Bias, three.Bias);
    }

    [Fact]
    public void Fit_Telco_ReachesMlNetsOptimumOrBetter()
    {
        var table = ModelTable.FromCsv(Telco, "Churn", "Yes", "customerID");
        var featurizer = Featurizer.Fit(table);
        var x = featurizer.Transform(table, imputeMissing: true);
        var width = featurizer.FeatureNames.Count;
        var y = table.Labels!.ToArray();

        var own = LogisticRegression.Fit(x, width, y, null, cancellationToken: TestContext.Current.CancellationToken).Probabilities(x);
        var reference = MLNetLearners.Logistic.Fit(new LearnerData(x, width, y, null), new LearnerSettings(new TreeSettings(1, 2, 0.1, 1), 1, 1), TestContext.Current.CancellationToken).Probabilities(x, width);

        var ownMetrics = MetricsCalculator.Compute(own, y);
        var referenceMetrics = MetricsCalculator.Compute(reference, y);
        Assert.Equal(referenceMetrics.Auc, ownMetrics.Auc, 0.002);
        Assert.True(ownMetrics.LogLoss <= referenceMetrics.LogLoss + 1e-4, $"log-loss {ownMetrics.LogLoss:F5} vs ML.NET {referenceMetrics.LogLoss:F5}");
    }

    [Fact]
    public void Fit_ConstantFeatureGetsNoWeight_BalancedWeightsCentreTheScores_BadSizesThrow()
    {
        var (x, y) = Planted(5000, seed: 5, [1.0, 0.0], scales: [1, 0], intercept: -2);

        var plain = LogisticRegression.Fit(x, 2, y, null, cancellationToken: TestContext.Current.CancellationToken);
        var balanced = LogisticRegression.Fit(x, 2, y, ChurnModelTrainer.BalancedWeights(y), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(0, plain.Weights[1]);
        var rate = y.Count(v => v) / (double)y.Length;
        Assert.Equal(rate, plain.Probabilities(x).Average(), 0.005);
        Assert.True(balanced.Probabilities(x).Average() > plain.Probabilities(x).Average() + 0.2);
        Assert.Throws<ArgumentException>(() => LogisticRegression.Fit(x, 3, y, null));
        Assert.Throws<ArgumentException>(() => LogisticRegression.Fit(x, 2, y, new float[2]));
    }

    [Fact]
    public void WriteRead_RoundTrips_AndDamageIsReported()
    {
        var model = new LinearModel([0.5, -1.25, 3], 0.75, 12);
        using var stream = new MemoryStream();
        model.Write(stream);
        var bytes = stream.ToArray();

        var back = LinearModel.Read(new MemoryStream(bytes));
        Assert.Equal(model.Weights, back.Weights);
        Assert.Equal(model.Bias, back.Bias);
        Assert.Equal(12, back.Iterations);
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => LinearModel.Read(new MemoryStream(bytes[..^4]))).Message, StringComparison.Ordinal);
        var header = (byte[])bytes.Clone();
        header[1] ^= 0x10;
        Assert.Contains("header", Assert.Throws<InvalidDataException>(() => LinearModel.Read(new MemoryStream(header))).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new LinearModel([double.NaN], 0));
    }

    private static (float[] X, bool[] Y) Planted(int n, int seed, double[] beta, double[] scales, double intercept)
    {
        var random = new Random(seed);
        var d = beta.Length;
        var x = new float[n * d];
        var y = new bool[n];
        for (var i = 0; i < n; i++)
        {
            var logit = intercept;
            for (var j = 0; j < d; j++)
            {
                // Standard normal (Box-Muller), scaled; a zero scale makes a constant feature of 7.
                var z = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
                var v = scales[j] == 0 ? 7f : (float)(z * scales[j]);
                x[(i * d) + j] = v;
                logit += beta[j] * (scales[j] == 0 ? 0 : v / scales[j]);
            }

            y[i] = random.NextDouble() < 1 / (1 + Math.Exp(-logit));
        }

        return (x, y);
    }
}
