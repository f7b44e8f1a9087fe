using Churn.Data;
using Churn.Modeling;

namespace Churn.Evaluation.Tests;

public sealed class UpliftTests
{
    [Fact]
    public void TheCurves_AreTheCountsAfterEachCut_AndTheCoefficientsAreOneForThePerfectRanking_ZeroForNone()
    {
        // Ranked: t1 (responded), c0, t0, c1 — by hand: after 1: n_t 1, y_t 1 -> qini 1; after 2: qini 1 - 0 = 1;
        // after 3: n_t 2, y_t 1, n_c 1, y_c 0 -> 1; after 4: n_t 2, y_t 1, n_c 2, y_c 1 -> 1 - 1 = 0.
        double[] u = [0.9, 0.5, 0.3, 0.1];
        bool[] t = [true, false, true, false];
        bool[] y = [true, false, false, true];
        Assert.Equal([new UpliftPoint(0, 0), new(1, 1), new(2, 1), new(3, 1), new(4, 0)], UpliftMetrics.QiniCurve(u, t, y));
        Assert.Equal(0.5 - 0.5, UpliftMetrics.UpliftAt(u, t, y, 1.0), 12);
        Assert.Equal(1.0, UpliftMetrics.UpliftAt(u, t, y, 0.5), 12);

        // The perfect ranking scores 1; a constant score (one tie) is the random line: 0.
        var rng = new Random(3);
        var n = 2000;
        bool[] tt = [.. Enumerable.Range(0, n).Select(_ => rng.Next(2) == 0)];
        bool[] yy = [.. Enumerable.Range(0, n).Select(i => rng.NextDouble() < (tt[i] ? 0.3 : 0.2))];
        double[] perfect = [.. Enumerable.Range(0, n).Select(i => yy[i] ? (tt[i] ? 1.0 : -1.0) : 0.0)];
        Assert.Equal(1.0, UpliftMetrics.Qini(perfect, tt, yy), 12);
        Assert.Equal(1.0, UpliftMetrics.Auuc(perfect, tt, yy), 12);
        Assert.Equal(0.0, UpliftMetrics.Qini(new double[n], tt, yy), 12);
        double[] noise = [.. Enumerable.Range(0, n).Select(_ => rng.NextDouble())];
        Assert.InRange(UpliftMetrics.Qini(noise, tt, yy), -0.15, 0.15);
    }

    [Fact]
    public void TheSplit_IsSeeded_AndHoldsBackTheShare()
    {
        var (train, test) = UpliftEvaluation.Split(1000, 0.3, 7);
        Assert.Equal(300, test.Length);
        Assert.Equal(700, train.Length);
        Assert.Empty(train.Intersect(test));
        Assert.Equal(test, UpliftEvaluation.Split(1000, 0.3, 7).Test);
        Assert.NotEqual(test, UpliftEvaluation.Split(1000, 0.3, 8).Test);

        // The same customers as the Python port in benchmarks/peers/uplift_hillstrom.py holds back (its output for these seeds).
        Assert.Equal([0, 4, 17, 19, 23, 26], test.Take(6));
        Assert.Equal([9, 10, 20, 23, 29, 31], UpliftEvaluation.Split(42613, 0.3, 42).Test.Take(6));
    }

    [Fact]
    public void OnPlantedData_EveryMethodFindsWhoRespondsToTheTreatment()
    {
        // The treatment helps only customers with x > 0 (+30 points); x ≤ 0 see nothing.
        var rng = new Random(11);
        var n = 6000;
        var x = Enumerable.Range(0, n).Select(_ => (rng.NextDouble() * 2) - 1).ToArray();
        var z = Enumerable.Range(0, n).Select(_ => rng.NextDouble()).ToArray();
        bool[] t = [.. Enumerable.Range(0, n).Select(_ => rng.Next(2) == 0)];
        bool[] y = [.. Enumerable.Range(0, n).Select(i => rng.NextDouble() < 0.2 + (t[i] && x[i] > 0 ? 0.3 : 0))];
        var table = new ModelTable([new ModelColumn("x", ModelColumnKind.Numeric, x, null), new ModelColumn("z", ModelColumnKind.Numeric, z, null)]);
        // The best any ranking can do with these outcomes: the true uplift's own Qini on the same test customers.
        var (_, test) = UpliftEvaluation.Split(n, 0.3, 5);
        var oracle = UpliftMetrics.Qini([.. test.Select(i => x[i] > 0 ? 0.3 : 0)], [.. test.Select(i => t[i])], [.. test.Select(i => y[i])]);
        Assert.True(oracle > 0.1, $"oracle {oracle}");
        foreach (var method in Enum.GetValues<UpliftMethod>())
        {
            var report = UpliftEvaluation.Run(table, t, y, method, 0.3, 5, new UpliftOptions { Trees = new TreeSettings(60, 8, 0.1, 20) });
            Assert.True(report.Qini > 0.8 * oracle, $"{method}: qini {report.Qini}, the true uplift's {oracle}");
            Assert.True(report.UpliftAt[30] > 0.2, $"{method}: uplift@30 {report.UpliftAt[30]}");
            Assert.True(report.UpliftAt[100] < report.UpliftAt[30]);
        }

        // With the number of trees chosen on held-back rows, the same.
        var stopped = UpliftEvaluation.Run(table, t, y, UpliftMethod.XLearner, 0.3, 5, new UpliftOptions { EarlyStopping = true });
        Assert.True(stopped.Qini > 0.8 * oracle, $"early stopping: qini {stopped.Qini}, the true uplift's {oracle}");
    }

    [Fact]
    public void OnHillstrom_MensEmailAgainstNoEmail_TheDefaultTLearnerReachesTheIssuesReferenceFigures_TheSameOnEveryRun()
    {
        // The signal is weak (a Qini coefficient of about 0.01, varying by as much between splits), so one split proves
        // little: over the five seeded 70/30 splits the default T-learner (booster and logistic regression averaged) must
        // reach, on average, what issue 18 reports for a T-learner of scikit-learn defaults scored by scikit-uplift's
        // metrics on its split: Qini 0.0062 and uplift@30 % 0.0762 (docs/benchmarks.md compares both on the same splits).
        var (table, treated, visit) = MensVersusControl();
        var reports = new[] { 42, 1, 2, 3, 4 }.Select(seed => UpliftEvaluation.Run(table, treated, visit, UpliftMethod.TLearner, 0.3, seed)).ToList();
        Assert.True(reports.Average(r => r.Qini) >= 0.0062, string.Join(", ", reports.Select(r => r.Qini)));
        Assert.True(reports.Average(r => r.UpliftAt[30]) >= 0.0762, string.Join(", ", reports.Select(r => r.UpliftAt[30])));
        Assert.True(reports.Average(r => r.UpliftAt[30]) > reports.Average(r => r.AverageEffect));
        Assert.All(reports, r => Assert.Equal((29829, 12784), (r.Train, r.Test)));
        var again = UpliftEvaluation.Run(table, treated, visit, UpliftMethod.TLearner, 0.3, 1);
        Assert.Equal(reports[1].Qini, again.Qini);
        Assert.Equal(reports[1].UpliftAt[30], again.UpliftAt[30]);
    }

    [Fact]
    public void TheDefaultModel_IsTheAverageOfTheBoostersAndTheLogisticModelsUplifts_ForEveryMethod()
    {
        var rng = new Random(3);
        var n = 1500;
        var x = Enumerable.Range(0, n).Select(_ => (rng.NextDouble() * 2) - 1).ToArray();
        bool[] t = [.. Enumerable.Range(0, n).Select(_ => rng.Next(2) == 0)];
        bool[] y = [.. Enumerable.Range(0, n).Select(i => rng.NextDouble() < 0.3 + (t[i] ? 0.2 * x[i] : 0))];
        var table = new ModelTable([new ModelColumn("x", ModelColumnKind.Numeric, x, null)]);
        var trees = new TreeSettings(20, 4, 0.1, 20);
        foreach (var method in Enum.GetValues<UpliftMethod>())
        {
            var both = UpliftModel.Fit(table, t, y, method, new UpliftOptions { Trees = trees }).Predict(table);
            var hgb = UpliftModel.Fit(table, t, y, method, new UpliftOptions { Trees = trees, Learner = new HistGradientBoostingLearner() }).Predict(table);
            var linear = UpliftModel.Fit(table, t, y, method, new UpliftOptions { Trees = trees, Learners = [new LogisticLearner()] }).Predict(table);
            Assert.NotEqual(hgb, linear);
            for (var i = 0; i < n; i++)
            {
                Assert.Equal((hgb[i] + linear[i]) / 2, both[i], 12);
            }
        }
    }

    internal static (ModelTable Table, bool[] Treated, bool[] Visit) MensVersusControl()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "data", "hillstrom", "hillstrom.csv");
        var all = ModelTable.FromCsv(path, label: "visit", positive: "1", ignore: ["conversion", "spend"]);
        var arm = all.Columns.Single(c => c.Name == "segment").Categories!;
        int[] keep = [.. Enumerable.Range(0, all.Count).Where(i => arm[i] is "Mens E-Mail" or "No E-Mail")];
        var subset = all.Subset(keep);
        var features = new ModelTable([.. subset.Columns.Where(c => c.Name != "segment")]);
        return (features, [.. keep.Select(i => arm[i] == "Mens E-Mail")], [.. subset.Labels!]);
    }
}
