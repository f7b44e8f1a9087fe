// Train a churn model on IBM's Telco table and look at it: one HTML report with every chart, and a
// chart as PNG for a notebook's display:   dotnet run samples/scripts/report-telco.cs [output folder]
#:project ../../src/Churn.Reports/Churn.Reports.csproj
using Churn.Modeling;
using Churn.Reports;

var telco = Path.Combine(Here(), "..", "..", "tests", "data", "telco", "Telco-Customer-Churn.csv");
var table = ModelTable.FromCsv(telco, label: "Churn", positive: "Yes", id: "customerID");
var result = new ChurnModelTrainer(new ChurnModelTrainerOptions { Profit = new ProfitParameters { Clv = 500, IncentiveCost = 25, ContactCost = 2 } }).Train(table);

var folder = args.Length > 0 ? args[0] : Path.Combine(Path.GetTempPath(), "churn-reports");
Directory.CreateDirectory(folder);
var report = ChurnModelReport.Create(result, table, new ProfitParameters { Clv = 500, IncentiveCost = 25, ContactCost = 2 });
var html = Path.Combine(folder, "telco-model-report.html");
report.Save(html);
File.WriteAllBytes(Path.Combine(folder, "telco-roc.png"), report.Chart("roc").ToPng());

Console.WriteLine($"{report.Charts.Count()} charts: {string.Join(", ", report.Charts.Select(c => c.Id))}");
Console.WriteLine($"{report.Chart("roc").Title}; {report.Chart("profit").Caption}");
Console.WriteLine($"Open {html}");

// The script's own folder: file-based apps publish it (CallerFilePath is path-mapped in CI builds).
static string Here() => (string?)AppContext.GetData("EntryPointFileDirectoryPath") ?? Directory.GetCurrentDirectory();
