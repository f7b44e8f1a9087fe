// Ours beside the peers: Churn.Modeling's 5-fold cross-validation on every table of tables.txt (paths relative to the
// repository root), each trainer given, printing the pooled out-of-fold ROC-AUC, the mean of the folds' AUCs and the
// seconds of the whole cross-validation. Run from the repository root, with ../shared beside it:
//
//     dotnet run -c Release benchmarks/peers/ours_cv.cs -- hgb+logistic hgb logistic
//
// A trainer is learners joined by '+', optionally followed by fixed tree settings: hgb+logistic:200:8:0.05:20.
#:project ../../src/Churn.Modeling/Churn.Modeling.csproj
using System.Diagnostics;
using System.Globalization;
using Churn.Modeling;

var c = CultureInfo.InvariantCulture;
var tables = File.ReadAllLines("benchmarks/peers/tables.txt").Select(l => l.Split('|')).ToList();
foreach (var trainer in args.Length > 0 ? args : ["hgb+logistic"])
{
    foreach (var t in tables)
    {
        var table = ModelTable.FromCsv(t[1], t[2], t[3], t[4].Length == 0 ? null : t[4], []);
        var parts = trainer.Split(':');
        var options = new ChurnModelTrainerOptions { Learners = [.. parts[0].Split('+')] };
        if (parts.Length == 5)
        {
            options.Trees = new TreeSettings(int.Parse(parts[1], c), int.Parse(parts[2], c), double.Parse(parts[3], c), int.Parse(parts[4], c));
        }

        var watch = Stopwatch.StartNew();
        var cv = new ChurnModelTrainer(options).CrossValidate(table);
        var seconds = watch.Elapsed.TotalSeconds;
        var labels = table.Labels!.ToArray();
        var folds = Enumerable.Range(0, options.Folds).Average(k =>
        {
            int[] rows = [.. Enumerable.Range(0, labels.Length).Where(i => cv.FoldOf[i] == k)];
            return MetricsCalculator.Auc([.. rows.Select(i => cv.Probabilities[i])], [.. rows.Select(i => labels[i])]);
        });
        Console.WriteLine(string.Create(c, $"{t[0]} | {trainer} | pooled AUC {cv.Metrics.Auc:F4} | mean fold AUC {folds:F4} | ECE {cv.Metrics.Ece:F4} | {seconds:F1} s"));
    }
}
