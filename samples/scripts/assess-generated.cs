// Generate a customer base, train on earlier months, and assess every customer as of one instant:
//   dotnet run samples/scripts/assess-generated.cs
#:project ../../src/Churn.Sdk/Churn.Sdk.csproj
using Churn.Abstractions;
using Churn.Data;
using Churn.Sdk;

var options = new SyntheticOptions { Customers = 3000, Seed = 7 };
var data = CustomerData.Generate(options);
var pipeline = ChurnPipeline.CreateBuilder()
    .WithRulesFile(Path.Combine(Here(), "..", "rules", "churn-rules.json"))
    .WithTrainer(o => o.Folds = 3)
    .Build();
var trained = pipeline.Train(data, [options.AsOf.AddDays(-60), options.AsOf.AddDays(-30)]);
pipeline = pipeline.WithModel(trained.Model);

var assessments = pipeline.Assess(data, options.AsOf).ToList();
foreach (var level in assessments.GroupBy(a => a.Level).OrderBy(g => g.Key))
{
    Console.WriteLine($"{RiskLevelPolicy.Name(level.Key),-9} {level.Count(),6:N0}");
}

var worst = assessments.Where(a => a.Level != RiskLevel.Churned).MaxBy(a => a.Probability!.Value.Value)!;
Console.WriteLine($"Most at risk: {worst.CustomerId} ({worst.Owner}), {worst.Probability}: {worst.LevelReason}");
foreach (var reason in worst.Reasons)
{
    Console.WriteLine($"  {reason.Text}");
}

foreach (var symptom in worst.Symptoms)
{
    Console.WriteLine($"  {symptom.Severity} symptom {symptom.RuleId} since {symptom.FiredAt:yyyy-MM-dd}");
}

Console.WriteLine($"  worth {worst.Value!.Historical:N2} so far, {worst.Value.Predicted:N2} predicted over 12 months");
if (assessments.Count == 0 || worst.Reasons.Count == 0)
{
    throw new InvalidOperationException("Nothing was assessed.");
}

// The script's own folder: file-based apps publish it (CallerFilePath is path-mapped in CI builds).
static string Here() => (string?)AppContext.GetData("EntryPointFileDirectoryPath") ?? Directory.GetCurrentDirectory();
