// Ours beside the peers: Churn.Modeling's 5-fold cross-validation on every table of tables.txt (name|csv|label|positive
// value|id column|columns to ignore, paths relative to the repository root), each trainer given, printing the pooled out-of-fold ROC-AUC, the mean of the folds' AUCs, the
// expected calibration error and the seconds of the whole cross-validation. Run from the repository root, with
// ../shared beside it:
//
//     dotnet run -c Release benchmarks/peers/ours_cv.cs -- hgb+logistic hgb logistic
//     dotnet run -c Release benchmarks/peers/ours_cv.cs -- --seeds 42,1,2,3,4 hgb+logistic
//
// A trainer is learners joined by '+', optionally followed by fixed tree settings: hgb+logistic:200:8:0.05:20.
// With several seeds (each seed draws other folds, as classify_all.sh does for the peers), a line per seed is
// followed by the mean over the seeds.
#:project ../../src/Churn.Modeling/Churn.Modeling.csproj
using System.Diagnostics;
using System.Globalization;
using Churn.Modeling;

var c = CultureInfo.InvariantCulture;
var tables = File.ReadAllLines(Environment.GetEnvironmentVariable("CHURN_TABLES") ?? "benchmarks/peers/tables.txt").Select(l => l.Split('|')).ToList();
var seeds = new List<int> { 42 };
var trainers = new List<string>();
for (var a = 0; a < args.Length; a++)
{
    if (args[a] == "--seeds" && a + 1 < args.Length)
    {
        seeds = [.. args[++a].Split(',').Select(s => int.Parse(s, c))];
    }
    else
    {
        trainers.Add(args[a]);
    }
}

foreach (var trainer in trainers.Count > 0 ? trainers : ["hgb+logistic"])
{
    foreach (var t in tables)
    {
        var table = ModelTable.FromCsv(t[1], t[2], t[3], t[4].Length == 0 ? null : t[4], t.Length > 5 && t[5].Length > 0 ? t[5].Split(',') : []);
        var labels = table.Labels!.ToArray();
        var runs = new List<(double Pooled, double Folds, double Ece, double Seconds)>();
        foreach (var seed in seeds)
        {
            var parts = trainer.Split(':');
            var options = new ChurnModelTrainerOptions { Learners = [.. parts[0].Split('+')], Seed = seed };
            if (parts.Length == 5)
            {
                options.Trees = new TreeSettings(int.Parse(parts[1], c), int.Parse(parts[2], c), double.Parse(parts[3], c), int.Parse(parts[4], c));
            }

            var watch = Stopwatch.StartNew();
            var cv = new ChurnModelTrainer(options).CrossValidate(table);
            var seconds = watch.Elapsed.TotalSeconds;
            var folds = Enumerable.Range(0, options.Folds).Average(k =>
            {
                int[] rows = [.. Enumerable.Range(0, labels.Length).Where(i => cv.FoldOf[i] == k)];
                return MetricsCalculator.Auc([.. rows.Select(i => cv.Probabilities[i])], [.. rows.Select(i => labels[i])]);
            });
            runs.Add((cv.Metrics.Auc, folds, cv.Metrics.Ece, seconds));
            Console.WriteLine(string.Create(c, $"{t[0]} | {trainer} | pooled AUC {cv.Metrics.Auc:F5} | mean fold AUC {folds:F5} | ECE {cv.Metrics.Ece:F4} | {seconds:F1} s | seed {seed}"));
        }

        if (seeds.Count > 1)
        {
            Console.WriteLine(string.Create(c, $"{t[0]} | {trainer} | mean of {seeds.Count} seeds | pooled AUC {runs.Average(r => r.Pooled):F5} | mean fold AUC {runs.Average(r => r.Folds):F5} | ECE {runs.Average(r => r.Ece):F4} | {runs.Average(r => r.Seconds):F1} s"));
        }
    }
}
