using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Churn.Abstractions;
using Churn.Data;
using Churn.Modeling;
using Churn.Monitoring;
using Churn.Rules;
using Churn.Sdk;
using Churn.Storage.Sqlite;

namespace Churn.Dashboard;

/// <summary>Settings of the dashboard (configuration section <c>Dashboard</c>, or command-line <c>--Dashboard:Name=value</c>).</summary>
public sealed class DashboardOptions
{
    /// <summary>Gets or sets the key a client sends in <c>X-Api-Key</c> to post events; a random one is made (and logged) when empty.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Gets or sets the SQLite file holding events, assessments, alerts and the monitor's checkpoints.</summary>
    public string Database { get; set; } = "churn-dashboard.db";

    /// <summary>Gets or sets the model file; when it does not exist, a model is trained on a generated base and saved there.</summary>
    public string? Model { get; set; }

    /// <summary>Gets or sets the rule set (JSON); the sample rules when empty.</summary>
    public string? Rules { get; set; }

    /// <summary>Gets or sets how many generated customers' events are posted when the store is new, so that the pages have something to show (0 for none).</summary>
    public int SeedCustomers { get; set; } = 300;

    /// <summary>Gets or sets the size of the generated base a missing model is trained on.</summary>
    public int TrainCustomers { get; set; } = 2_000;

    /// <summary>Gets or sets the lowest level alerted: medium, high or critical.</summary>
    public string AlertLevel { get; set; } = "high";

    /// <summary>Gets or sets the seconds between checkpoints (the monitor's state and the changed assessments saved).</summary>
    public double CheckpointSeconds { get; set; } = 5;

    /// <summary>Gets or sets the most events one request may post.</summary>
    public int MaxEventsPerRequest { get; set; } = 10_000;
}

/// <summary>Builds the dashboard's web application.</summary>
public static partial class DashboardApp
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    /// <summary>Builds the application: the model (trained when missing), the pipeline with the rules, the SQLite store, the monitor as a hosted service, and the endpoints.</summary>
    /// <param name="args">Command-line arguments (ASP.NET Core's, and <c>--Dashboard:...</c>).</param>
    /// <param name="configure">Overrides the settings after configuration is read.</param>
    /// <returns>The application, not started.</returns>
    public static async Task<WebApplication> CreateAsync(string[] args, Action<DashboardOptions>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
            WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot"),
        });
        var options = builder.Configuration.GetSection("Dashboard").Get<DashboardOptions>() ?? new DashboardOptions();
        configure?.Invoke(options);
        var generatedKey = string.IsNullOrEmpty(options.ApiKey);
        var apiKey = generatedKey ? Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant() : options.ApiKey!;
        var alertLevel = RiskLevelPolicy.Parse(options.AlertLevel);
        var database = Path.GetFullPath(options.Database);
        var model = LoadOrTrain(options, database);
        var rules = RuleSetJson.Parse(await File.ReadAllTextAsync(options.Rules ?? Path.Combine(AppContext.BaseDirectory, "churn-rules.json"))).RuleSet;

        // Owners for the generated customers (a real host reads them from its CRM); others go to the team.
        var seed = options.SeedCustomers > 0 ? Seed(options.SeedCustomers) : null;
        var profiles = seed?.Profiles.ToDictionary(p => p.Key, p => p.Value with { Owner = $"am-{(p.Key.Value.Length % 4) + 1}" }) ?? [];

        var feed = new AlertFeed();
        builder.Services.AddSingleton(feed);
        builder.Services.AddSingleton<IAlertSink>(feed);
        builder.Services.AddSingleton<IAlertSink>(sp => new StoreAlertSink(sp.GetRequiredService<IAlertStore>()));
        builder.Services.AddChurn(churn => churn
            .UseModel(model)
            .AddRules(rules)
            .AddPipeline(o => o.PredictValue = false)
            .AddSqliteStore(o => o.Path = database)
            .AddMonitoring(
                o => (o.AlertLevel, o.DefaultOwner) = (alertLevel, "retention-team"),
                id => profiles.TryGetValue(id, out var p) ? p : null)
            .AddMonitorHostedService(o => o.CheckpointEvery = TimeSpan.FromSeconds(options.CheckpointSeconds)));

        var app = builder.Build();
        if (generatedKey)
        {
            Log.GeneratedKey(app.Logger, apiKey);
        }

        app.UseDefaultFiles();
        app.UseStaticFiles();
        MapApi(app, options, Encoding.UTF8.GetBytes(apiKey));
        if (seed is not null)
        {
            app.Lifetime.ApplicationStarted.Register(() => _ = SeedAsync(app, seed, app.Lifetime.ApplicationStopping));
        }

        return app;
    }

    private static void MapApi(WebApplication app, DashboardOptions options, byte[] apiKey)
    {
        var api = app.MapGroup("/api");

        // Events in: all or nothing, stored before they are applied (202 once they are durable).
        api.MapPost("/events", async (HttpRequest request, MonitorHostedService host, CancellationToken ct) =>
        {
            var key = request.Headers["X-Api-Key"].ToString();
            if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(key), apiKey))
            {
                return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "A valid X-Api-Key header is required to post events.");
            }

            var (events, errors) = await EventsJson.ReadAsync(request.Body, options.MaxEventsPerRequest, ct);
            if (errors.Count > 0)
            {
                return Results.BadRequest(new { title = "No event was accepted: the request has errors.", errors });
            }

            var result = await host.AcceptAsync(events, ct);
            return Results.Accepted(value: new { accepted = result.Added, duplicates = result.Duplicates });
        });

        // The live alerts feed: the recent ones first, then each as it is raised.
        api.MapGet("/alerts/stream", (AlertFeed feed, CancellationToken ct) => TypedResults.ServerSentEvents(feed.Subscribe(ct), "alert"));
        api.MapGet("/alerts/recent", (AlertFeed feed) => Results.Json(feed.Recent.Select(AlertFeed.ToJson), Web));

        // Who is at risk now, riskiest first, with the reasons in words.
        api.MapGet("/at-risk", (ChurnMonitor monitor, int? limit) => Results.Json(
            monitor.CurrentAll()
                .Where(a => a.Level is RiskLevel.High or RiskLevel.Critical || a.Symptoms.Any(s => s.Severity == SymptomSeverity.Critical))
                .OrderByDescending(a => a.Level).ThenByDescending(a => a.Probability?.Value ?? 0).ThenBy(a => a.CustomerId.Value, StringComparer.Ordinal)
                .Take(Math.Clamp(limit ?? 100, 1, 1_000))
                .Select(Summary),
            Web));

        // One customer: now (the monitor) and the history (the store, saved at each checkpoint).
        api.MapGet("/customers/{id}", async (string id, ChurnMonitor monitor, IAssessmentStore store, CancellationToken ct) =>
        {
            var current = monitor.Current(id);
            var history = new List<object>();
            await foreach (var a in store.ReadAssessmentHistoryAsync(new StoreQuery { CustomerId = id }, ct))
            {
                history.Add(Summary(a));
            }

            return current is null && history.Count == 0
                ? Results.NotFound(new { title = $"No customer '{id}' has been seen." })
                : Results.Json(new { customerId = id, current = current is null ? null : Summary(current), history }, Web);
        });
    }

    private static object Summary(RiskAssessment a) => new
    {
        customerId = a.CustomerId.Value,
        asOf = a.AsOf,
        level = RiskLevelPolicy.Name(a.Level),
        probability = a.Probability?.Value,
        owner = a.Owner,
        segment = a.Segment,
        levelReason = a.LevelReason,
        reasons = a.Reasons.Select(r => r.Text).ToList(),
        symptoms = a.Symptoms.Select(s => new { s.RuleId, severity = s.Severity.ToString().ToLowerInvariant(), s.Explanation }).ToList(),
        historicalValue = a.Value?.Historical,
    };

    private static ChurnModel LoadOrTrain(DashboardOptions options, string database)
    {
        var path = Path.GetFullPath(options.Model ?? Path.ChangeExtension(database, ".model"));
        if (File.Exists(path))
        {
            return ChurnModel.Load(path);
        }

        var shape = new SyntheticOptions { Customers = options.TrainCustomers, Seed = 7, AsOf = Today().AddDays(-30) };
        var model = ChurnPipeline.CreateBuilder().WithTrainer(o => o.Folds = 2).Build().Train(CustomerData.Generate(shape), shape.AsOf.AddDays(-30)).Model;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        model.Save(path);
        return model;
    }

    /// <summary>A generated base whose history ends today.</summary>
    private static CustomerData Seed(int customers) =>
        CustomerData.Generate(new SyntheticOptions { Customers = customers, Seed = 11, AsOf = Today().AddDays(-30) });

    private static DateTimeOffset Today() => new(TimeProvider.System.GetUtcNow().UtcDateTime.Date, TimeSpan.Zero);

    /// <summary>Posts the generated base's events once, when the store has none, as a client would.</summary>
    private static async Task SeedAsync(WebApplication app, CustomerData seed, CancellationToken ct)
    {
        try
        {
            var store = app.Services.GetRequiredService<IEventStore>();
            await foreach (var _ in store.ReadEventsAsync(null, ct))
            {
                return;
            }

            var log = seed.Log;
            var events = new List<CustomerEvent>();
            for (var c = 0; c < log.CustomerCount; c++)
            {
                events.AddRange(log.EventsOf(log.Customers[c]));
            }

            var host = app.Services.GetRequiredService<MonitorHostedService>();
            foreach (var chunk in events.OrderBy(e => e.Timestamp).Chunk(5_000))
            {
                await host.AcceptAsync(chunk, ct);
            }

            await host.CheckpointAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "No Dashboard:ApiKey was set: post events with the header X-Api-Key: {ApiKey}")]
        public static partial void GeneratedKey(ILogger logger, string apiKey);
    }
}
