using Churn.Modeling;

namespace Churn.Evaluation;

/// <summary>How an uplift model is built from the project's classifiers.</summary>
public enum UpliftMethod
{
    /// <summary>Two models: one on the treated, one on the control; uplift = P(y | x, treated) − P(y | x, control).</summary>
    TLearner = 0,

    /// <summary>One model with the treatment as a feature; uplift = P(y | x, 1) − P(y | x, 0).</summary>
    SLearner,

    /// <summary>
    /// Künzel et al. (2019): a T-learner first; then each group's imputed effect (treated: y − μ₀(x); control: μ₁(x) − y)
    /// is learnt by a second model of each group, and the two are mixed by the treated share. The classifiers learn the
    /// imputed effects as soft labels ((d + 1) / 2, a weighted pair of rows), so they stay classifiers.
    /// </summary>
    XLearner,

    /// <summary>The class transformation (Jaskowski and Jaroszewicz 2012): z = 1 for treated responders and control non-responders; uplift = 2 P(z | x) − 1, the groups weighted to equal size.</summary>
    ClassTransformation,
}

/// <summary>Options of an <see cref="UpliftModel"/>.</summary>
public sealed record UpliftOptions
{
    /// <summary>Gets one classifier to use alone; when null, <see cref="Learners"/> are used.</summary>
    public IChurnLearner? Learner { get; init; }

    /// <summary>
    /// Gets the classifiers whose uplifts are averaged when <see cref="Learner"/> is null (default: the histogram booster and
    /// logistic regression). An uplift is a small difference of two noisy probabilities; averaging two learners that err
    /// differently cuts that noise. On Hillstrom (both e-mails, visits and conversions, five splits; Qini and uplift@30 %) the
    /// average beat the booster alone on seven of the eight figures and logistic regression alone on six (docs/benchmarks.md).
    /// </summary>
    public IReadOnlyList<IChurnLearner>? Learners { get; init; }

    /// <summary>Gets the booster's settings (default: the trainer's, 200 trees of 8 leaves at 0.05).</summary>
    public TreeSettings Trees { get; init; } = new(200, 8, 0.05, 20);

    /// <summary>Gets the seed.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Gets the threads (0: all cores); the model is the same for any number.</summary>
    public int Threads { get; init; }

    /// <summary>Gets whether each booster's number of trees is chosen on a seeded tenth of its rows held back (the least log-loss there, up to <see cref="Trees"/>), then refitted on all of them (default false: on Hillstrom it changed nothing beyond the noise between splits). An uplift is a small difference of two probabilities: a booster that fits noise in either drowns it.</summary>
    public bool EarlyStopping { get; init; }
}

/// <summary>An uplift model: the effect of a treatment on each customer's chance of a binary outcome, learnt from a randomised experiment.</summary>
public sealed class UpliftModel
{
    private readonly Featurizer _featurizer;
    private readonly UpliftMethod _method;
    private readonly IFittedLearner[][] _models;
    private readonly double _treatedShare;

    private UpliftModel(Featurizer featurizer, UpliftMethod method, IFittedLearner[][] models, double treatedShare)
    {
        _featurizer = featurizer;
        _method = method;
        _models = models;
        _treatedShare = treatedShare;
    }

    /// <summary>Gets how the model was built.</summary>
    public UpliftMethod Method => _method;

    /// <summary>Fits an uplift model.</summary>
    /// <param name="features">The customers' features (no outcome, no treatment, nothing measured after the treatment).</param>
    /// <param name="treated">Whether each customer was treated.</param>
    /// <param name="outcome">Each customer's outcome.</param>
    /// <param name="method">T-, S-, X-learner or class transformation.</param>
    /// <param name="options">The classifier, its settings, the seed and threads.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The model.</returns>
    /// <exception cref="ArgumentException">The lengths differ, or a group has no customer or only one outcome.</exception>
    public static UpliftModel Fit(ModelTable features, IReadOnlyList<bool> treated, IReadOnlyList<bool> outcome, UpliftMethod method = UpliftMethod.TLearner, UpliftOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(treated);
        ArgumentNullException.ThrowIfNull(outcome);
        options ??= new UpliftOptions();
        if (treated.Count != features.Count || outcome.Count != features.Count)
        {
            throw new ArgumentException($"{features.Count} customers, {treated.Count} treatment flags and {outcome.Count} outcomes: one each.", nameof(treated));
        }

        var t = Enumerable.Range(0, features.Count).Where(i => treated[i]).ToArray();
        var c = Enumerable.Range(0, features.Count).Where(i => !treated[i]).ToArray();
        foreach (var (group, name) in new[] { (t, "treated"), (c, "control") })
        {
            if (group.Length == 0 || group.All(i => outcome[i]) || group.All(i => !outcome[i]))
            {
                throw new ArgumentException($"The {name} group has no customer, or only one outcome: nothing to learn from.", nameof(outcome));
            }
        }

        IReadOnlyList<IChurnLearner> learners = options.Learner is { } one ? [one] : options.Learners is { Count: > 0 } many ? many : [new HistGradientBoostingLearner(), new LogisticLearner()];
        var featurizer = Featurizer.Fit(features);
        var share = (double)t.Length / features.Count;
        var models = new IFittedLearner[learners.Count][];
        for (var k = 0; k < learners.Count; k++)
        {
            var learner = learners[k] ?? throw new ArgumentException("A learner is null.", nameof(options));
            var rows = featurizer.Transform(features, imputeMissing: learner.Missing == MissingValueEncoding.Mean);
            models[k] = FitOne(learner, rows, featurizer.FeatureNames.Count, t, c, treated, outcome, method, options, cancellationToken);
        }

        return new UpliftModel(featurizer, method, models, share);
    }

    private static IFittedLearner[] FitOne(IChurnLearner learner, float[] rows, int w, int[] t, int[] c, IReadOnlyList<bool> treated, IReadOnlyList<bool> outcome, UpliftMethod method, UpliftOptions options, CancellationToken cancellationToken)
    {
        var settings = new LearnerSettings(options.Trees, options.Seed, options.Threads);
        var count = t.Length + c.Length;
        var share = (double)t.Length / count;
        IFittedLearner Learn(int[] which, Func<int, bool> label, float[]? weights = null, float[]? source = null, int width = 0)
        {
            source ??= rows;
            width = width == 0 ? w : width;
            return FitStopped(learner, new LearnerData(Select(source, width, which), width, [.. which.Select(label)], weights), settings, options.EarlyStopping, 0, cancellationToken);
        }

        switch (method)
        {
            case UpliftMethod.TLearner:
                return [Learn(t, i => outcome[i]), Learn(c, i => outcome[i])];
            case UpliftMethod.SLearner:
            {
                var withT = WithTreatment(rows, w, i => treated[i]);
                var all = Enumerable.Range(0, count).ToArray();
                return [Learn(all, i => outcome[i], null, withT, w + 1)];
            }

            case UpliftMethod.ClassTransformation:
            {
                var all = Enumerable.Range(0, count).ToArray();
                var weights = all.Select(i => (float)(treated[i] ? 0.5 / share : 0.5 / (1 - share))).ToArray();
                return [Learn(all, i => treated[i] == outcome[i], weights)];
            }

            default:
            {
                var mu1 = Learn(t, i => outcome[i]);
                var mu0 = Learn(c, i => outcome[i]);
                var p1 = mu1.Probabilities(rows, w);
                var p0 = mu0.Probabilities(rows, w);

                // Imputed effects in [-1, 1] as soft labels (d + 1) / 2: each row twice, labelled 1 and 0, weighted.
                IFittedLearner Effects(int[] which, Func<int, double> d)
                {
                    var doubled = which.Concat(which).ToArray();
                    var weights = which.Select(i => (float)((d(i) + 1) / 2)).Concat(which.Select(i => (float)((1 - d(i)) / 2))).ToArray();
                    var labels = Enumerable.Repeat(true, which.Length).Concat(Enumerable.Repeat(false, which.Length)).ToArray();
                    return FitStopped(learner, new LearnerData(Select(rows, w, doubled), w, labels, weights), settings, options.EarlyStopping, which.Length, cancellationToken);
                }

                var tau1 = Effects(t, i => (outcome[i] ? 1 : 0) - p0[i]);
                var tau0 = Effects(c, i => p1[i] - (outcome[i] ? 1 : 0));
                return [tau1, tau0];
            }
        }
    }

    /// <summary>The uplift of each customer: the change in the chance of the outcome the treatment brings.</summary>
    /// <param name="features">The customers' features (the columns the model was fitted on).</param>
    /// <returns>One uplift per customer, in [−1, 1].</returns>
    public double[] Predict(ModelTable features)
    {
        ArgumentNullException.ThrowIfNull(features);
        var w = _featurizer.FeatureNames.Count;
        var sum = new double[features.Count];
        foreach (var models in _models)
        {
            var rows = _featurizer.Transform(features, imputeMissing: models[0].Learner.Missing == MissingValueEncoding.Mean);
            var uplift = PredictOne(models, rows, w);
            for (var i = 0; i < sum.Length; i++)
            {
                sum[i] += uplift[i];
            }
        }

        return [.. sum.Select(x => x / _models.Length)];
    }

    private double[] PredictOne(IFittedLearner[] models, float[] rows, int w)
    {
        switch (_method)
        {
            case UpliftMethod.TLearner:
            {
                var p1 = models[0].Probabilities(rows, w);
                var p0 = models[1].Probabilities(rows, w);
                return [.. p1.Select((p, i) => p - p0[i])];
            }

            case UpliftMethod.SLearner:
            {
                var p1 = models[0].Probabilities(WithTreatment(rows, w, _ => true), w + 1);
                var p0 = models[0].Probabilities(WithTreatment(rows, w, _ => false), w + 1);
                return [.. p1.Select((p, i) => p - p0[i])];
            }

            case UpliftMethod.ClassTransformation:
                return [.. models[0].Probabilities(rows, w).Select(p => (2 * p) - 1)];
            default:
            {
                var tau1 = models[0].Probabilities(rows, w);
                var tau0 = models[1].Probabilities(rows, w);

                // g·τ₀ + (1 − g)·τ₁ with g the treated share (the propensity of a randomised experiment).
                return [.. tau1.Select((p, i) => (_treatedShare * ((2 * tau0[i]) - 1)) + ((1 - _treatedShare) * ((2 * p) - 1)))];
            }
        }
    }

    /// <summary>Fits, choosing a booster's number of trees on a seeded tenth of the rows held back (a row and its pair, for soft labels, stay together); then refits on every row.</summary>
    private static IFittedLearner FitStopped(IChurnLearner learner, LearnerData data, LearnerSettings settings, bool stop, int pairs, CancellationToken cancellationToken)
    {
        var n = data.Labels.Count;
        var groups = pairs > 0 ? pairs : n;
        if (!stop || groups < 200)
        {
            return learner.Fit(data, settings, cancellationToken);
        }

        var (fitGroups, valGroups) = UpliftEvaluation.Split(groups, 0.1, settings.Seed + 1L);
        int[] Expand(int[] g) => pairs > 0 ? [.. g, .. g.Select(i => i + pairs)] : g;
        int[] fit = Expand(fitGroups), val = Expand(valGroups);
        LearnerData Part(int[] which) => new(Select(data.Rows, data.Width, which), data.Width, [.. which.Select(i => data.Labels[i])], data.Weights is null ? null : [.. which.Select(i => data.Weights[i])]);
        var first = learner.Fit(Part(fit), settings, cancellationToken);
        if (first.Compile() is not CompiledTrees trees || trees.Roots.Length < 2)
        {
            return learner.Fit(data, settings, cancellationToken);
        }

        // The validation rows' log-loss after each tree; the number of trees is where it is least.
        var sums = new double[val.Length];
        Array.Fill(sums, trees.Bias);
        var (best, bestLoss) = (trees.Roots.Length, double.PositiveInfinity);
        for (var k = 0; k < trees.Roots.Length; k++)
        {
            var loss = 0.0;
            for (var j = 0; j < val.Length; j++)
            {
                var r = val[j];
                var node = trees.Roots[k];
                while (node >= 0)
                {
                    node = data.Rows[(r * data.Width) + trees.Feature[node]] > trees.Threshold[node] ? trees.Right[node] : trees.Left[node];
                }

                sums[j] += trees.Leaves[~node];
                var p = Math.Clamp(1 / (1 + Math.Exp((trees.Slope * sums[j]) + trees.Offset)), 1e-12, 1 - 1e-12);
                loss -= (data.Weights?[r] ?? 1f) * (data.Labels[r] ? Math.Log(p) : Math.Log(1 - p));
            }

            if (loss < bestLoss)
            {
                (best, bestLoss) = (k + 1, loss);
            }
        }

        return learner.Fit(data, settings with { Trees = settings.Trees with { Trees = best } }, cancellationToken);
    }

    private static float[] Select(float[] rows, int width, int[] which)
    {
        var result = new float[which.Length * width];
        for (var k = 0; k < which.Length; k++)
        {
            Array.Copy(rows, which[k] * width, result, k * width, width);
        }

        return result;
    }

    private static float[] WithTreatment(float[] rows, int width, Func<int, bool> treated)
    {
        var n = rows.Length / Math.Max(1, width);
        var result = new float[n * (width + 1)];
        for (var i = 0; i < n; i++)
        {
            Array.Copy(rows, i * width, result, i * (width + 1), width);
            result[(i * (width + 1)) + width] = treated(i) ? 1f : 0f;
        }

        return result;
    }
}

/// <summary>Uplift models for several treatments against one control: one model per treated arm, and each customer's best arm.</summary>
public sealed class MultiArmUplift
{
    private MultiArmUplift(IReadOnlyDictionary<string, UpliftModel> models) => Models = models;

    /// <summary>Gets each treated arm's model against the control.</summary>
    public IReadOnlyDictionary<string, UpliftModel> Models { get; }

    /// <summary>Fits one uplift model per treated arm, each on that arm's and the control's customers.</summary>
    /// <param name="features">Every customer's features.</param>
    /// <param name="arms">Each customer's arm.</param>
    /// <param name="control">The control arm.</param>
    /// <param name="outcome">Each customer's outcome.</param>
    /// <param name="method">The uplift method.</param>
    /// <param name="options">The classifier and its settings.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The models.</returns>
    /// <exception cref="ArgumentException">The control has no customer, or there is no other arm.</exception>
    public static MultiArmUplift Fit(ModelTable features, IReadOnlyList<string> arms, string control, IReadOnlyList<bool> outcome, UpliftMethod method = UpliftMethod.TLearner, UpliftOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(arms);
        ArgumentNullException.ThrowIfNull(outcome);
        var treatments = arms.Where(a => a != control).Distinct().Order(StringComparer.Ordinal).ToList();
        if (!arms.Contains(control) || treatments.Count == 0)
        {
            throw new ArgumentException($"The control '{control}' has no customer, or there is no treated arm.", nameof(arms));
        }

        var models = new Dictionary<string, UpliftModel>(StringComparer.Ordinal);
        foreach (var arm in treatments)
        {
            int[] rows = [.. Enumerable.Range(0, arms.Count).Where(i => arms[i] == arm || arms[i] == control)];
            models[arm] = UpliftModel.Fit(features.Subset(rows), [.. rows.Select(i => arms[i] == arm)], [.. rows.Select(i => outcome[i])], method, options, cancellationToken);
        }

        return new MultiArmUplift(models);
    }

    /// <summary>Each treated arm's predicted uplift per customer.</summary>
    /// <param name="features">The customers' features.</param>
    /// <returns>Per arm, one uplift per customer.</returns>
    public IReadOnlyDictionary<string, double[]> Predict(ModelTable features) =>
        Models.ToDictionary(kv => kv.Key, kv => kv.Value.Predict(features), StringComparer.Ordinal);

    /// <summary>Each customer's best arm: the treated arm of highest predicted uplift, or none when no arm's is above <paramref name="minimum"/>.</summary>
    /// <param name="features">The customers' features.</param>
    /// <param name="minimum">The least uplift worth treating for (default 0).</param>
    /// <returns>Per customer, the arm (null: leave untreated) and its uplift.</returns>
    public IReadOnlyList<(string? Arm, double Uplift)> Best(ModelTable features, double minimum = 0)
    {
        var predicted = Predict(features);
        return [.. Enumerable.Range(0, features.Count).Select(i =>
        {
            var best = predicted.OrderByDescending(kv => kv.Value[i]).ThenBy(kv => kv.Key, StringComparer.Ordinal).First();
            return best.Value[i] > minimum ? ((string?)best.Key, best.Value[i]) : (null, best.Value[i]);
        })];
    }
}
