// Train and evaluate a churn model on IBM's Telco table (7,043 customers), as a data scientist would
// from a script:   dotnet run samples/scripts/train-telco.cs
#:project ../../src/Churn.Sdk/Churn.Sdk.csproj
using Churn.Modeling;

var telco = Path.Combine(Here(), "..", "..", "tests", "data", "telco", "Telco-Customer-Churn.csv");
var table = ModelTable.FromCsv(telco, label: "Churn", positive: "Yes", id: "customerID");
var result = new ChurnModelTrainer().Train(table);

var cv = result.CrossValidation.Metrics;
Console.WriteLine($"{table.Count:N0} customers, {cv.Positives:N0} churned; {string.Join(" + ", result.Model.Metadata.Learners)}, calibrated.");
Console.WriteLine($"5-fold CV: ROC-AUC {cv.Auc:F3}, PR-AUC {cv.PrAuc:F3}, Brier {cv.Brier:F4}, ECE {cv.Ece:F3}, EMPC {cv.Profit.Empc:F2} per customer.");
Console.WriteLine("decile  churn rate  lift");
foreach (var d in cv.Deciles.Take(3))
{
    Console.WriteLine($"{d.Decile,6}  {d.ChurnRate,10:P1}  {d.Lift,4:F2}x");
}

var explanation = result.Model.Explain(table.Subset([0, 1, 2]), top: 3);
for (var i = 0; i < 3; i++)
{
    Console.WriteLine($"{table.Ids![i]}: {explanation.Probabilities[i]:P0}");
    foreach (var reason in explanation.Reasons[i])
    {
        Console.WriteLine($"  {reason.Text}");
    }
}

if (cv.Auc < 0.8)
{
    throw new InvalidOperationException($"ROC-AUC {cv.Auc:F3} is far below the published figures (about 0.84).");
}

// The script's own folder: file-based apps publish it (CallerFilePath is path-mapped in CI builds).
static string Here() => (string?)AppContext.GetData("EntryPointFileDirectoryPath") ?? Directory.GetCurrentDirectory();
