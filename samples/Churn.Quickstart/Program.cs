// Churn.Sdk quickstart: generate (or read) a customer base and print what the SDK can tell about it.
//   dotnet run --project samples/Churn.Quickstart                       (synthetic, 20,000 customers)
//   dotnet run --project samples/Churn.Quickstart -- --customers 100000 --seed 7
//   dotnet run --project samples/Churn.Quickstart -- --data DIR --as-of 2026-01-01   (DIR holds events.csv and, optionally, customers.csv)
using System.Globalization;
using Churn.Abstractions;
using Churn.Data;
using Churn.Modeling;
using Churn.Rules;
using Churn.Value;

var options = QuickstartArgs.Parse(args);
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var cancel = CancellationToken.None;

Console.WriteLine("Churn.Sdk quickstart");
Console.WriteLine("====================");

// 1. Data: read a host's files, or generate a synthetic base with planted churn drivers.
List<CustomerEvent> events;
Dictionary<CustomerId, CustomerProfile> profiles;
Dictionary<CustomerId, SyntheticTruth>? truth = null;
DateTimeOffset asOf;
DateTimeOffset? observedUntil = null;
if (options.DataDir is { } dir)
{
    var eventReport = new IngestReport();
    events = new CsvEventReader().ReadFile(Path.Combine(dir, "events.csv"), eventReport, cancel).ToList();
    var customersPath = Path.Combine(dir, "customers.csv");
    var customerReport = new IngestReport();
    profiles = File.Exists(customersPath)
        ? new CsvCustomerReader().ReadFile(customersPath, customerReport, cancel).ToDictionary(p => p.Id)
        : [];
    Console.WriteLine($"Read {dir}: events {eventReport}; customers {customerReport}.");
    foreach (var e in eventReport.Errors.Take(5))
    {
        Console.WriteLine("  rejected " + e);
    }

    var last = events.Count == 0 ? DateTimeOffset.MinValue : events.Max(e => e.Timestamp);
    asOf = options.AsOf ?? last.AddDays(-30);
}
else
{
    var synthetic = new SyntheticOptions { Customers = options.Customers, Seed = options.Seed };
    var generator = new SyntheticCustomerBase(synthetic);
    var customers = generator.Generate(cancel).ToList();
    events = customers.SelectMany(c => c.Events).ToList();
    profiles = customers.ToDictionary(c => c.Profile.Id, c => c.Profile);
    truth = customers.ToDictionary(c => c.Profile.Id, c => c.Truth);
    asOf = synthetic.AsOf;
    observedUntil = generator.DataEnd;
    Console.WriteLine($"Generated a synthetic base: {customers.Count:N0} customers, {events.Count:N0} events (seed {options.Seed}).");
}

var log = EventLogBuilder.Build(events, profiles.Values, cancel);
Console.WriteLine($"Event log: {log.CustomerCount:N0} customers, {log.EventCount:N0} events from {log.FirstEventTime:yyyy-MM-dd} to {log.LastEventTime:yyyy-MM-dd}, {log.ColumnBytes / 1024.0 / 1024.0:F1} MiB of columns ({EventLog.BytesPerEvent} bytes per event).");
foreach (var g in events.GroupBy(e => e.Type).OrderByDescending(g => g.Count()))
{
    Console.WriteLine($"  {g.Key.Name,-20} {g.Count(),10:N0}");
}

// 2. Point-in-time snapshots as of one instant: nothing after it is used.
var features = new FeatureBuilder();
var batch = features.BuildAll(log, asOf, profiles, cancellationToken: cancel);
Console.WriteLine();
Console.WriteLine($"Snapshots as of {asOf:yyyy-MM-dd}: {batch.Count:N0} customers x {batch.Schema.Count} features.");

// 3. Labels: who churned (cancelled) in the 30 days after the as-of date.
var labelBuilder = new LabelBuilder(new LabelOptions { HorizonDays = 30, ObservedUntil = observedUntil });
IReadOnlyList<ChurnLabel> labels;
try
{
    labels = labelBuilder.LabelAll(log, asOf);
}
catch (ArgumentException ex)
{
    Console.WriteLine($"No labels: {ex.Message}");
    return 0;
}

var churnedById = labels.ToDictionary(l => l.CustomerId, l => l.Churned);
var rows = Enumerable.Range(0, batch.Count).Where(r => churnedById.ContainsKey(batch.CustomerIds[r])).ToArray();
var rate = labels.Count == 0 ? 0 : labels.Count(l => l.Churned) / (double)labels.Count;
Console.WriteLine($"At risk on {asOf:yyyy-MM-dd}: {labels.Count:N0} customers; {labels.Count(l => l.Churned):N0} cancelled within 30 days ({rate:P1}).");

// 4. Early-warning signals: churn rate of customers with and without each symptom.
Console.WriteLine();
Console.WriteLine("Early-warning signals (churn rate in the next 30 days with vs without the signal):");
Console.WriteLine($"  {"signal",-40} {"customers",10} {"with",8} {"without",8} {"lift",6}");
Signal("a failed payment in the last 30 days", "payment_failures_30d", v => v >= 1);
Signal("2+ support tickets in the last 90 days", "tickets_90d", v => v >= 2);
Signal("a complaint in the last 90 days", "complaints_90d", v => v >= 1);
Signal("fewer logins than the month before", "logins_trend_30d", v => v < 0);
Signal("no login in the last 14 days", "days_since_last_login", v => double.IsNaN(v) || v > 14);
Signal("latest feedback score 5 or lower", "feedback_last", v => v <= 5);
Signal("customer for less than 180 days", "tenure_days", v => v < 180);

// 5. With synthetic data the planted truth shows the best any model can do.
if (truth is not null)
{
    var scored = rows.Select(r => (Score: truth[batch.CustomerIds[r]].ChurnProbability, Churned: churnedById[batch.CustomerIds[r]])).ToList();
    Console.WriteLine();
    Console.WriteLine($"Planted truth: the true churn probabilities rank churners with ROC-AUC {Auc(scored):F3}; that is the ceiling for a model trained on these features.");
    Console.WriteLine($"Planted drivers: {string.Join(", ", PlantedChurnModel.Drivers.Select(d => $"{d.Feature} ({d.Coefficient:+0.##;-0.##})"))}.");
}

// 6. Customer value: what each customer is worth, and what churn puts at stake.
Console.WriteLine();
var purchases = Transaction.FromEvents(events).ToList();
var summary = TransactionSummaryBuilder.Build(purchases, new SummaryOptions(TimeUnit.Weeks, asOf), cancel);
Console.WriteLine($"Customer value ({purchases.Count:N0} purchases; weeks; calibration up to {asOf:yyyy-MM-dd}):");
try
{
    var bgnbd = BgNbdModel.Fit(RepeatPurchaseData.From(summary.Customers), cancellationToken: cancel);
    var spend = GammaGammaModel.Fit(summary.Customers, cancellationToken: cancel);
    var p = bgnbd.Model.Parameters;
    var g = spend.Model.Parameters;
    Console.WriteLine($"  BG/NBD       r = {p.R:F3}, alpha = {p.Alpha:F3}, a = {p.A:F3}, b = {p.B:F3} (LL {bgnbd.LogLikelihood:F1}, {bgnbd.Diagnostics.Iterations} iterations)");
    Console.WriteLine($"  Gamma-Gamma  p = {g.P:F3}, q = {g.Q:F3}, gamma = {g.Gamma:F3}; corr(frequency, spend) = {spend.FrequencySpendCorrelation:F2}");
    var clv = new ClvCalculator(bgnbd.Model, spend.Model, new ClvOptions { Periods = 12, PeriodLength = 365.25 / 12 / 7, DiscountRate = 0.01 });
    var predictions = clv.PredictAll(summary.Customers, cancel).ToDictionary(x => x.Summary.CustomerId);
    var atStake = labels.Where(l => l.Churned && predictions.ContainsKey(l.CustomerId)).Sum(l => predictions[l.CustomerId].Clv);
    var total = labels.Where(l => predictions.ContainsKey(l.CustomerId)).Sum(l => predictions[l.CustomerId].Clv);
    Console.WriteLine($"  12-month CLV of the customers at risk: {total:N0}; of those who then cancelled: {atStake:N0} ({(total > 0 ? atStake / total : 0):P1}) - the value a retention programme fights for.");

    var rfmInputs = batch.CustomerIds.Select((id, r) => new RfmInput(id, double.IsNaN(batch.Row(r)[batch.Schema.IndexOf("recency_days")]) ? 9999 : batch.Row(r)[batch.Schema.IndexOf("recency_days")], batch.Row(r)[batch.Schema.IndexOf("frequency")], batch.Row(r)[batch.Schema.IndexOf("monetary")])).ToList();
    var rfm = new RfmScorer().Score(rfmInputs);
    Console.WriteLine("  RFM segments: " + string.Join(", ", rfm.GroupBy(s => s.Segment).OrderByDescending(s => s.Count()).Select(s => $"{s.Key} {s.Count():N0}")));
}
catch (Exception ex) when (ex is ModelFitException or ArgumentException)
{
    Console.WriteLine($"  The value models could not be fitted: {ex.Message}");
}

// 7. Symptoms: the sample rule set (samples/rules/churn-rules.json) applied to every customer at risk.
Console.WriteLine();
var (ruleSet, _) = RuleSetJson.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "churn-rules.json")));
var compiledRules = CompiledRuleSet.Compile(ruleSet, RuleSchema.FromFeatures(batch.Schema));
var flaggedChurn = new int[compiledRules.Rules.Count];
var flaggedAll = new int[compiledRules.Rules.Count];
var dry = RuleDryRun.Run(
    compiledRules,
    rows.Select(r => (batch.CustomerIds[r], compiledRules.Schema.InputFor(batch[r]))),
    onCustomer: (id, _, fired) =>
    {
        foreach (var i in fired)
        {
            flaggedAll[i]++;
            flaggedChurn[i] += churnedById[id] ? 1 : 0;
        }
    });
Console.WriteLine($"Symptoms (rule set version {ruleSet.Version}, {ruleSet.Rules.Count} rules): {dry.AnyFlagged:N0} of {dry.Customers:N0} customers at risk show at least one; {dry.RecapitulativeFlagged:N0} reach the recapitulative threshold.");
for (var i = 0; i < compiledRules.Rules.Count; i++)
{
    var r = compiledRules.Rules[i].Rule;
    Console.WriteLine($"  {r.Id,-18} {r.Severity.ToString().ToLowerInvariant(),-9} flags {flaggedAll[i],7:N0}; {(flaggedAll[i] == 0 ? 0 : flaggedChurn[i] / (double)flaggedAll[i]),6:P1} of them cancelled within 30 days ({rate:P1} overall)");
}

// 8. A churn model: trained on earlier months (rolling as-of dates), scored on the as-of date.
Console.WriteLine();
var trainDates = labelBuilder.RollingAsOfDates(log, asOf.AddDays(-30 * 4), TimeSpan.FromDays(30)).Where(d => d < asOf).ToList();
if (trainDates.Count > 0)
{
    var trainingSet = labelBuilder.BuildTrainingSet(log, features, trainDates, profiles, cancel);
    var trained = new ChurnModelTrainer(new ChurnModelTrainerOptions { Folds = 3 }).Train(ModelTable.FromSnapshots(trainingSet.Rows), cancel);
    var cvm = trained.CrossValidation.Metrics;
    Console.WriteLine($"Churn model ({string.Join(" + ", trained.Model.Metadata.Learners)}, calibrated) trained on {trainingSet.Rows.Count:N0} customer-months from {trainDates[0]:yyyy-MM-dd} to {trainDates[^1]:yyyy-MM-dd}:");
    Console.WriteLine($"  3-fold CV: ROC-AUC {cvm.Auc:F3}, PR-AUC {cvm.PrAuc:F3}, ECE {cvm.Ece:F3}, EMPC {cvm.Profit.Empc:F2} per customer (contact the top {cvm.Profit.EmpcFraction:P0})");
    var atRisk = rows.Select(r => batch[r]).ToList();
    var probabilities = trained.Model.Score(atRisk);
    var outcomes = rows.Select(r => churnedById[batch.CustomerIds[r]]).ToArray();
    var held = MetricsCalculator.Compute(probabilities, outcomes);
    Console.WriteLine($"  On {asOf:yyyy-MM-dd} (a month it never saw): ROC-AUC {held.Auc:F3}, ECE {held.Ece:F3}; top decile churns {held.Deciles[0].ChurnRate:P1} ({held.Deciles[0].Lift:F1}x the base rate).");
    if (truth is not null)
    {
        var planted = rows.Select(r => truth[batch.CustomerIds[r]].ChurnProbability).ToArray();
        var ceiling = MetricsCalculator.Auc(planted, outcomes);
        Console.WriteLine($"  The planted probabilities score ROC-AUC {ceiling:F3} on the same customers (the best any model can do): the model is at {held.Auc - ceiling:+0.000;-0.000} from that ceiling.");
    }

    var top = Enumerable.Range(0, atRisk.Count).OrderByDescending(i => probabilities[i]).Take(3).ToList();
    var (reasons, _) = ReasonExplainer.Explain(trained.Model, ModelTable.FromSnapshots([.. top.Select(i => (atRisk[i], false))]), top: 2);
    var levels = new RiskLevelOptions();
    for (var k = 0; k < top.Count; k++)
    {
        var i = top[k];
        Console.WriteLine($"  {atRisk[i].CustomerId}: {probabilities[i]:P0} ({levels.LevelOf(probabilities[i])}) - {string.Join("; ", reasons[k].Select(x => x.Text))}");
    }
}

Console.WriteLine();
Console.WriteLine("Next: `churn features build` writes these snapshots as CSV; `churn labels build` writes the labels;");
Console.WriteLine("`churn model train` / `score` / `evaluate` train, apply and judge churn models;");
Console.WriteLine("`churn rules check` / `churn rules run` check and apply rule sets;");
Console.WriteLine("`churn value fit` and `churn value score` fit BG/NBD and Gamma-Gamma and write each customer's CLV.");
return 0;

void Signal(string name, string feature, Func<double, bool> test)
{
    var f = batch.Schema.IndexOf(feature);
    int withN = 0, withChurn = 0, withoutN = 0, withoutChurn = 0;
    foreach (var r in rows)
    {
        var churned = churnedById[batch.CustomerIds[r]];
        if (test(batch.Row(r)[f]))
        {
            withN++;
            withChurn += churned ? 1 : 0;
        }
        else
        {
            withoutN++;
            withoutChurn += churned ? 1 : 0;
        }
    }

    var a = withN == 0 ? 0 : withChurn / (double)withN;
    var b = withoutN == 0 ? 0 : withoutChurn / (double)withoutN;
    Console.WriteLine($"  {name,-40} {withN,10:N0} {a,8:P1} {b,8:P1} {(b > 0 ? a / b : double.NaN),6:F1}x");
}

static double Auc(List<(double Score, bool Churned)> scored)
{
    var sorted = scored.OrderBy(s => s.Score).ToList();
    double rankSum = 0;
    var positives = 0;
    for (var i = 0; i < sorted.Count;)
    {
        var j = i;
        while (j < sorted.Count && sorted[j].Score == sorted[i].Score)
        {
            j++;
        }

        var rank = (i + j + 1) / 2.0;
        for (var k = i; k < j; k++)
        {
            if (sorted[k].Churned)
            {
                rankSum += rank;
                positives++;
            }
        }

        i = j;
    }

    var negatives = sorted.Count - positives;
    return positives == 0 || negatives == 0 ? double.NaN : (rankSum - (positives * (positives + 1) / 2.0)) / ((double)positives * negatives);
}

internal sealed record QuickstartArgs(int Customers, long Seed, string? DataDir, DateTimeOffset? AsOf)
{
    public static QuickstartArgs Parse(string[] args)
    {
        var result = new QuickstartArgs(20_000, 42, null, null);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            result = args[i] switch
            {
                "--customers" => result with { Customers = int.Parse(args[i + 1], CultureInfo.InvariantCulture) },
                "--seed" => result with { Seed = long.Parse(args[i + 1], CultureInfo.InvariantCulture) },
                "--data" => result with { DataDir = args[i + 1] },
                "--as-of" => result with { AsOf = DateTimeOffset.Parse(args[i + 1], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal) },
                _ => throw new ArgumentException($"Unknown option '{args[i]}'. Use --customers N, --seed S, --data DIR, --as-of DATE."),
            };
        }

        return result;
    }
}
