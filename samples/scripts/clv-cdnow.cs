// Customer lifetime value on the CDNOW sample (2,357 customers, 1997-1998), as in Fader, Hardie
// and Lee (2005):   dotnet run samples/scripts/clv-cdnow.cs
#:project ../../src/Churn.Sdk/Churn.Sdk.csproj
using System.Globalization;
using Churn.Abstractions;
using Churn.Value;

var path = Path.Combine(Here(), "..", "..", "tests", "data", "cdnow", "cdnow_sample_transactions.csv");
var transactions = File.ReadLines(path).Skip(1).Select(line => line.Split(','))
    .Select(f => new Transaction(f[0], DateTimeOffset.ParseExact(f[1], "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal), decimal.Parse(f[2], CultureInfo.InvariantCulture)))
    .ToList();
var calibrationEnd = new DateTimeOffset(1997, 9, 30, 0, 0, 0, TimeSpan.Zero);
var summaries = TransactionSummaryBuilder.Build(transactions, new SummaryOptions(TimeUnit.Weeks, calibrationEnd)).Customers;

// 52 weekly periods: one year of CLV, discounted 0.2 % a week.
var fit = new ClvEstimator(new ClvOptions { Periods = 52, DiscountRate = 0.002 }, model: new ValueModelOptions { Unit = TimeUnit.Weeks }).Fit(summaries);
if (!fit.IsFitted)
{
    throw new InvalidOperationException(fit.Reason);
}

var p = fit.Purchases!.Model.Parameters;
Console.WriteLine($"BG/NBD on {summaries.Count:N0} customers: r = {p.R:F3}, alpha = {p.Alpha:F3}, a = {p.A:F3}, b = {p.B:F3} (published: 0.243, 4.414, 0.793, 2.426)");
var g = fit.Spend!.Model.Parameters;
Console.WriteLine($"Gamma-Gamma: p = {g.P:F2}, q = {g.Q:F2}, gamma = {g.Gamma:F2}");
Console.WriteLine("Most valuable customers over the next year:");
foreach (var (s, v) in summaries.Select(s => (s, fit.Predict(s)!)).OrderByDescending(x => x.Item2.Clv).Take(5))
{
    Console.WriteLine($"  customer {s.CustomerId,-5} {s.Frequency,3} repeat purchases: CLV {v.Clv,8:F2}, P(alive) {v.ProbabilityAlive:P0}");
}

if (Math.Abs(p.R - 0.243) > 0.01 || Math.Abs(p.Alpha - 4.414) > 0.1)
{
    throw new InvalidOperationException("The BG/NBD fit does not reproduce the published parameters.");
}

// The script's own folder: file-based apps publish it (CallerFilePath is path-mapped in CI builds).
static string Here() => (string?)AppContext.GetData("EntryPointFileDirectoryPath") ?? Directory.GetCurrentDirectory();
