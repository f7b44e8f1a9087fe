using Churn.Dashboard;

// dotnet run --project samples/Churn.Dashboard -- --Dashboard:ApiKey=<key> [--Dashboard:Database=churn-dashboard.db] [--urls http://localhost:5080]
var app = await DashboardApp.CreateAsync(args);
await app.RunAsync();
