using Churn.Modeling;

namespace Churn.Evaluation.Tests;

public sealed class LoopPolicyTests
{
    [Fact]
    public void TheRetrainingPolicy_RetrainsOnSchedule_OnTheProbabilitysDrift_AndOnAFeaturesWhenAsked()
    {
        var rng = new Random(2);
        var x = Enumerable.Range(0, 600).Select(_ => rng.NextDouble()).ToArray();
        bool[] y = [.. x.Select(v => rng.NextDouble() < v)];
        var model = new ChurnModelTrainer(new ChurnModelTrainerOptions { Folds = 2, Trees = new TreeSettings(20, 4, 0.1, 10) })
            .Train(new ModelTable([new ModelColumn("x", ModelColumnKind.Numeric, x, null)], y)).Model;
        var trained = model.Metadata.TrainedAt;
        var policy = new RetrainingPolicy();
        Assert.True(policy.Decide(model, trained.AddDays(31)).Retrain);
        Assert.Contains("31 days old", policy.Decide(model, trained.AddDays(31)).Reason, StringComparison.Ordinal);
        Assert.False(policy.Decide(model, trained.AddDays(10)).Retrain);

        var calm = new ModelDrift(0.05, 0.25, false, [new FeatureDrift("x", 0.4, "major shift")], 100);
        var moved = calm with { Overall = 0.3, Drifted = true };
        Assert.False(policy.Decide(model, trained.AddDays(10), calm).Retrain);
        Assert.True(policy.Decide(model, trained.AddDays(10), moved).Retrain);
        Assert.True((policy with { FeatureDrift = 0.25 }).Decide(model, trained.AddDays(10), calm).Retrain);
        Assert.False((policy with { Every = null }).Decide(model, trained.AddDays(400)).Retrain);

        // The drift the model measures itself: on its own training data, calm; on shifted data, moved.
        var table = new ModelTable([new ModelColumn("x", ModelColumnKind.Numeric, x, null)]);
        Assert.False(policy.Decide(model, trained.AddDays(1), model.Drift(table)).Retrain);
        Assert.True(policy.Decide(model, trained.AddDays(1), model.Drift(new ModelTable([new ModelColumn("x", ModelColumnKind.Numeric, [.. x.Select(v => v + 0.6)], null)]))).Retrain);
    }

    [Fact]
    public void SeveralTreatments_EachCustomersBestArm_IsTheOneThatHelpsThem()
    {
        // Arm A helps x > 0, arm B helps x < 0 (+30 points each); the control helps nobody.
        var rng = new Random(9);
        var n = 9000;
        var x = Enumerable.Range(0, n).Select(_ => (rng.NextDouble() * 2) - 1).ToArray();
        string[] arms = [.. Enumerable.Range(0, n).Select(_ => new[] { "A", "B", "control" }[rng.Next(3)])];
        bool[] y = [.. Enumerable.Range(0, n).Select(i => rng.NextDouble() < 0.2 + ((arms[i] == "A" && x[i] > 0) || (arms[i] == "B" && x[i] < 0) ? 0.3 : 0))];
        var table = new ModelTable([new ModelColumn("x", ModelColumnKind.Numeric, x, null)]);
        var model = MultiArmUplift.Fit(table, arms, "control", y, UpliftMethod.TLearner, new UpliftOptions { Trees = new TreeSettings(60, 8, 0.1, 20) });
        Assert.Equal(["A", "B"], model.Models.Keys.Order());
        var best = model.Best(table);
        int[] clear = [.. Enumerable.Range(0, n).Where(i => Math.Abs(x[i]) > 0.3)];
        var right = clear.Count(i => best[i].Arm == (x[i] > 0 ? "A" : "B"));
        Assert.True(right > 0.9 * clear.Length, $"{right} of {clear.Length}");
        Assert.Throws<ArgumentException>(() => MultiArmUplift.Fit(table, arms, "nobody", y));
    }
}
