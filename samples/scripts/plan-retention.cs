// Assess a generated base, then plan this month's retention work with the sample playbooks and offers:
// who gets which playbook, over which channel, with which offer, within a budget, with a holdout on every playbook.
//   dotnet run samples/scripts/plan-retention.cs
#:project ../../src/Churn.Sdk/Churn.Sdk.csproj
#:project ../../src/Churn.Interventions/Churn.Interventions.csproj
using Churn.Abstractions;
using Churn.Data;
using Churn.Interventions;
using Churn.Sdk;

var options = new SyntheticOptions { Customers = 3000, Seed = 7 };
var data = CustomerData.Generate(options);
var pipeline = ChurnPipeline.CreateBuilder()
    .WithRulesFile(Path.Combine(Here(), "..", "rules", "churn-rules.json"))
    .WithTrainer(o => o.Folds = 3)
    .Build();
pipeline = pipeline.WithModel(pipeline.Train(data, [options.AsOf.AddDays(-60), options.AsOf.AddDays(-30)]).Model);
var customers = pipeline.Assess(data, options.AsOf).Select(a => new PlanCustomer(a) { Profile = data.ProfileOf(a.CustomerId) }).ToList();

var folder = Path.Combine(Here(), "..", "interventions");
var playbooks = PlaybookSet.Parse(File.ReadAllText(Path.Combine(folder, "playbooks.json")), "playbooks.json");
var offers = OfferCatalog.Parse(File.ReadAllText(Path.Combine(folder, "offers.json")), "offers.json");
var key = Environment.GetEnvironmentVariable("CHURN_HOLDOUT_KEY") ?? playbooks.Holdout!.Key;
var planner = new InterventionPlanner(playbooks, offers, new Holdout(new HoldoutOptions { Key = key, Share = 0.1, Period = HoldoutPeriod.Monthly }));
// The morning plan: assessed as of midnight, planned at 10:00 (the sample's monthly status call is due at 09:00 on the 1st).
var plan = planner.Plan(customers, new PlanRequest(options.AsOf.AddHours(10)) { Budget = 5_000m });

Console.WriteLine($"{plan.Customers:N0} customers as of {plan.AsOf:yyyy-MM-dd}: {plan.Planned:N0} decided, {plan.HeldOut:N0} held out, {plan.Contacted:N0} contacted, cost {plan.Cost:N2} of {plan.Budget:N2}");
Console.WriteLine("Tiers: " + string.Join(", ", plan.Tiers.Select(t => $"{t.Id} from {t.MinValue:N0}")));
foreach (var p in plan.ByPlaybook)
{
    Console.WriteLine($"  {p.Id,-22} {p.Planned,6:N0} decided {p.HeldOut,5:N0} held out  cost {p.Cost,10:N2}");
}

foreach (var i in plan.Items.Where(i => !i.IsHoldout).OrderByDescending(i => i.ExpectedValue).Take(3))
{
    Console.WriteLine($"{i.CustomerId} ({i.Segment}, {i.Tier}): {i.Playbook} because {i.Reason}; {i.Action} over {i.Channel}, offer {i.Offer ?? "none"}, cost {i.Cost:N2}, expected {i.ExpectedValue:N2}, owner {i.Owner}");
}

if (plan.Planned == 0 || plan.Cost > plan.Budget)
{
    throw new InvalidOperationException("Nothing was planned, or the plan is over budget.");
}

// The script's own folder: file-based apps publish it (CallerFilePath is path-mapped in CI builds).
static string Here() => (string?)AppContext.GetData("EntryPointFileDirectoryPath") ?? Directory.GetCurrentDirectory();
