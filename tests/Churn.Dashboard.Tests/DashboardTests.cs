using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Churn.Abstractions;
using Churn.Dashboard;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Churn.Dashboard.Tests;

/// <summary>The sample host end to end: its API over HTTP, its pages in Debian's Chromium (headless), and a restart on the same SQLite file.</summary>
public sealed class DashboardTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("churn-dashboard").FullName;

    /// <summary>Where CI installs Chromium (Debian's package); CHURN_CHROMIUM overrides it.</summary>
    private static string Chromium => Environment.GetEnvironmentVariable("CHURN_CHROMIUM") ?? "/usr/bin/chromium";

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_dir, recursive: true);
        return ValueTask.CompletedTask;
    }

    /// <summary>A month of logins, then two failed payments: the critical symptom "payment_trouble" begins on the second.</summary>
    private static object[] Events(string customer) =>
    [
        .. Enumerable.Range(0, 30).Select(d => new { customerId = customer, timestamp = Start.AddDays(d), type = "login", eventId = $"{customer}-l{d}" }),
        new { customerId = customer, timestamp = Start.AddDays(30), type = "payment_failure", eventId = $"{customer}-f1" },
        new { customerId = customer, timestamp = Start.AddDays(31), type = "payment_failure", eventId = $"{customer}-f2" },
    ];

    private async Task<(WebApplication App, HttpClient Http)> StartAsync()
    {
        var app = await DashboardApp.CreateAsync(["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning"], o =>
        {
            (o.ApiKey, o.Database, o.SeedCustomers, o.TrainCustomers, o.AlertLevel, o.CheckpointSeconds) = ("test-key", Path.Combine(_dir, "dashboard.db"), 0, 600, "high", 0.3);
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, new HttpClient { BaseAddress = new Uri(address + "/"), Timeout = TimeSpan.FromSeconds(30) });
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient http, object body, string? key = "test-key")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/events") { Content = JsonContent.Create(body) };
        if (key is not null)
        {
            request.Headers.Add("X-Api-Key", key);
        }

        return await http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private static async Task<JsonElement> JsonAsync(HttpClient http, string url) =>
        JsonDocument.Parse(await http.GetStringAsync(url, TestContext.Current.CancellationToken)).RootElement;

    /// <summary>Waits (at most 20 s) until the customer's history holds an assessment: it is saved at the next checkpoint.</summary>
    private static async Task<JsonElement> HistoryAsync(HttpClient http, string customer)
    {
        for (var i = 0; i < 200; i++)
        {
            using var response = await http.GetAsync($"api/customers/{customer}", TestContext.Current.CancellationToken);
            if (response.IsSuccessStatusCode)
            {
                var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
                if (json.GetProperty("history").GetArrayLength() > 0)
                {
                    return json;
                }
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException($"No assessment history for {customer}.");
    }

    [Fact]
    public async Task TheEventsEndpoint_WantsTheKey_RefusesBadEventsWhole_AndAcceptsEachEventOnce()
    {
        var (app, http) = await StartAsync();
        await using (app)
        using (http)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(http, Events("a"), key: null)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(http, Events("a"), key: "wrong")).StatusCode);

            // One bad event: nothing is accepted, and the error says which and why.
            var bad = Events("a").Append(new { customerId = "a", timestamp = "01/02/2026", type = "login" }).ToArray();
            using var refused = await PostAsync(http, bad);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("event 32: timestamp", await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
            using (var notJson = new HttpRequestMessage(HttpMethod.Post, "api/events") { Content = new StringContent("[{\"customerId\": ") })
            {
                notJson.Headers.Add("X-Api-Key", "test-key");
                Assert.Equal(HttpStatusCode.BadRequest, (await http.SendAsync(notJson, TestContext.Current.CancellationToken)).StatusCode);
            }

            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("api/customers/a", TestContext.Current.CancellationToken)).StatusCode);

            using var accepted = await PostAsync(http, Events("a"));
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
            var counts = JsonDocument.Parse(await accepted.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
            Assert.Equal((32, 0), (counts.GetProperty("accepted").GetInt32(), counts.GetProperty("duplicates").GetInt32()));
            using var again = await PostAsync(http, Events("a"));
            var twice = JsonDocument.Parse(await again.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
            Assert.Equal((0, 32), (twice.GetProperty("accepted").GetInt32(), twice.GetProperty("duplicates").GetInt32()));

            // The critical symptom lifted the level to high: one alert, to the team (no profile says who owns "a").
            var alerts = await JsonAsync(http, "api/alerts/recent");
            var alert = Assert.Single(alerts.EnumerateArray());
            Assert.Equal(("a", "high", "retention-team"), (alert.GetProperty("customerId").GetString(), alert.GetProperty("level").GetString(), alert.GetProperty("owner").GetString()));
            Assert.Contains("critical symptom 'payment_trouble'", alert.GetProperty("message").GetString(), StringComparison.Ordinal);
            var atRisk = await JsonAsync(http, "api/at-risk");
            Assert.Contains(atRisk.EnumerateArray(), r => r.GetProperty("customerId").GetString() == "a");
        }
    }

    [Fact]
    public async Task InChromium_AnAlertAppearsLive_AndTheCustomerPageShowsTheHistory_AndARestartRaisesNothingTwice()
    {
        var (app, http) = await StartAsync();
        var errors = new List<string>();
        await using (app)
        using (http)
        {
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox"] });
            var page = await browser.NewPageAsync();
            page.Console += (_, m) =>
            {
                if (m.Type == "error")
                {
                    errors.Add(m.Text);
                }
            };
            await page.GotoAsync(http.BaseAddress!.ToString());
            await page.WaitForSelectorAsync("#at-risk-empty:not([hidden])");

            // Events posted by a client: the alert appears in the open page without a reload, and the customer joins the at-risk list.
            Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(http, Events("web-1"))).StatusCode);
            var item = await page.WaitForSelectorAsync("#alerts li[data-customer='web-1']", new PageWaitForSelectorOptions { Timeout = 20_000 });
            Assert.Contains("critical symptom", await item!.TextContentAsync(), StringComparison.Ordinal);
            await page.WaitForSelectorAsync("#at-risk tr[data-customer='web-1']", new PageWaitForSelectorOptions { Timeout = 20_000 });
            Assert.Equal("payment_trouble", (await HistoryAsync(http, "web-1")).GetProperty("current").GetProperty("symptoms")[0].GetProperty("ruleId").GetString());

            // The customer page, opened from the alert: the assessment now and its history.
            await page.ClickAsync("#alerts li[data-customer='web-1'] a");
            await page.WaitForSelectorAsync("#history tbody tr");
            Assert.Equal("web-1", await page.TextContentAsync("#customer-id"));
            Assert.Contains("payment", await page.TextContentAsync("#symptoms"), StringComparison.Ordinal);
            Assert.Matches("^(high|critical)$", (await page.TextContentAsync("#current .level"))!);
            Assert.Empty(errors);
            await app.StopAsync(TestContext.Current.CancellationToken);
        }

        // Restarted on the same file: the customer is where they were, and the same events again raise nothing.
        var (restarted, http2) = await StartAsync();
        await using (restarted)
        using (http2)
        {
            var customer = await JsonAsync(http2, "api/customers/web-1");
            Assert.Equal("payment_trouble", customer.GetProperty("current").GetProperty("symptoms")[0].GetProperty("ruleId").GetString());
            using var again = await PostAsync(http2, Events("web-1"));
            Assert.Equal(0, JsonDocument.Parse(await again.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("accepted").GetInt32());
            Assert.Empty((await JsonAsync(http2, "api/alerts/recent")).EnumerateArray());
            var stored = new List<StoredAlert>();
            await foreach (var a in restarted.Services.GetRequiredService<IAlertStore>().ReadAlertsAsync(null, TestContext.Current.CancellationToken))
            {
                stored.Add(a);
            }

            Assert.Equal("web-1", Assert.Single(stored).Alert.Assessment.CustomerId.Value);
        }
    }
}
