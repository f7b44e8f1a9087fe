// Churn.Sdk quickstart: generate a customer base with planted churn drivers, train a model on
// earlier months, back-test it on a month it never saw, and print the complete assessment of the
// three customers most at risk.
//   dotnet run --project samples/Churn.Quickstart -c Release                 (20,000 customers)
//   dotnet run --project samples/Churn.Quickstart -c Release -- --customers 100000 --seed 7
using System.Globalization;
using Churn.Abstractions;
using Churn.Data;
using Churn.Sdk;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var (customers, seed) = QuickstartArgs.Parse(args);
var rules = Path.Combine(AppContext.BaseDirectory, "churn-rules.json");

var synthetic = new SyntheticOptions { Customers = customers, Seed = seed };

// <readme>
var data = CustomerData.Generate(synthetic);
var asOf = synthetic.AsOf;                                           // 2026-01-01: nothing later is read

var pipeline = ChurnPipeline.CreateBuilder().WithRulesFile(rules).Build();
var backtest = pipeline.Backtest(data, trainAsOf: asOf.AddDays(-30), testAsOf: asOf);
var trained = pipeline.Train(data, [.. Enumerable.Range(1, 4).Select(m => asOf.AddDays(-30 * m))]);
pipeline = pipeline.WithModel(trained.Model);

var assessments = pipeline.Assess(data, asOf).ToList();
foreach (var a in assessments.OrderByDescending(a => a.Probability?.Value ?? 0).Take(3))
{
    Console.WriteLine($"{a.CustomerId}: {a.Probability} -> {a.Level} because {a.LevelReason}");
    foreach (var r in a.Reasons) Console.WriteLine($"  reason   {r.Text}");
    foreach (var s in a.Symptoms) Console.WriteLine($"  symptom  {s.Severity} {s.RuleId} since {s.FiredAt:yyyy-MM-dd}");
    Console.WriteLine($"  value    {a.Value?.Historical:N2} so far, {a.Value?.Predicted:N2} in the next 12 months, P(alive) {a.Value?.PAlive:P0}; owner {a.Owner}");
}
// </readme>

Console.WriteLine();
Console.WriteLine($"{data.Log.CustomerCount:N0} customers, {data.Log.EventCount:N0} events from {data.Log.FirstEventTime:yyyy-MM-dd} to {data.Log.LastEventTime:yyyy-MM-dd} (seed {seed}).");
Console.WriteLine($"Back-test: trained as of {asOf.AddDays(-30):yyyy-MM-dd} on {backtest.TrainCustomers:N0} customers ({backtest.TrainChurners:N0} cancelled within 30 days),");
Console.WriteLine($"  scored as of {asOf:yyyy-MM-dd}: {backtest.TestCustomers:N0} customers, {backtest.TestChurners:N0} cancelled; ROC-AUC {backtest.Test.Auc:F3}, PR-AUC {backtest.Test.PrAuc:F3}, Brier {backtest.Test.Brier:F4}, ECE {backtest.Test.Ece:F3}.");
var cv = trained.CrossValidation.Metrics;
Console.WriteLine($"Model on four months ({string.Join(" + ", trained.Model.Metadata.Learners)}): {trained.Model.Metadata.TrainingRows:N0} customer-months, 5-fold ROC-AUC {cv.Auc:F3}, ECE {cv.Ece:F3}.");
Console.WriteLine("Assessed as of " + asOf.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + ": " + string.Join(", ", assessments.GroupBy(a => a.Level).OrderBy(g => g.Key).Select(g => $"{RiskLevelPolicy.Name(g.Key)} {g.Count():N0}")) + ".");
Console.WriteLine($"Symptoms: {assessments.Count(a => a.Symptoms.Any(s => s.Severity == SymptomSeverity.Critical)):N0} customers with a critical one, {assessments.Count(a => a.Symptoms.Any(s => s.Severity == SymptomSeverity.Recapitulative)):N0} whose minor ones add up.");
Console.WriteLine();
Console.WriteLine("Next: `churn dataset build`, `churn model train`, `churn assess` and `churn backtest` do the same from the command line.");
return 0;

internal static class QuickstartArgs
{
    public static (int Customers, long Seed) Parse(string[] args)
    {
        var (customers, seed) = (20_000, 42L);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--customers":
                    customers = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
                case "--seed":
                    seed = long.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
                default:
                    throw new ArgumentException($"Unknown option '{args[i]}'. Use --customers N or --seed S.");
            }
        }

        return (customers, seed);
    }
}
