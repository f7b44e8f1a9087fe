using Microsoft.Playwright;

namespace Churn.Reports.Tests;

/// <summary>Opens reports in Debian's Chromium, headless: every chart loads, nothing is fetched, no console error.</summary>
public class BrowserTests(TelcoReport telco) : IClassFixture<TelcoReport>
{
    /// <summary>Where CI installs Chromium (Debian's package); CHURN_CHROMIUM overrides it.</summary>
    private static string Chromium => Environment.GetEnvironmentVariable("CHURN_CHROMIUM") ?? "/usr/bin/chromium";

    [Fact]
    public async Task ModelReport_LoadsEveryChart_FetchesNothing_LogsNoError()
    {
        Assert.True(File.Exists(Chromium), $"Chromium is needed at {Chromium} (apt-get install chromium), or set CHURN_CHROMIUM.");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox"] });
        foreach (var (width, height) in new[] { (1280, 900), (390, 844) })
        {
            var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
            var problems = new List<string>();
            var requests = new List<string>();
            page.Console += (_, m) =>
            {
                if (m.Type is "error" or "warning")
                {
                    problems.Add($"{m.Type}: {m.Text}");
                }
            };
            page.PageError += (_, e) => problems.Add("page error: " + e);
            page.Request += (_, r) => requests.Add(r.Url);

            await page.GotoAsync(new Uri(telco.File).AbsoluteUri, new PageGotoOptions { WaitUntil = WaitUntilState.Load });
            var sizes = await page.EvaluateAsync<int[][]>("() => Array.from(document.images).map(i => [i.naturalWidth, i.naturalHeight, i.getBoundingClientRect().width])");
            var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Environment.GetEnvironmentVariable("CHURN_REPORT_OUT") ?? telco.Directory, $"model-report-{width}.png"), FullPage = true });

            Assert.Equal(telco.Report.Charts.Count(), sizes.Length);
            Assert.All(sizes, s => Assert.True(s[0] == 1600 && s[1] == 960 && s[2] > 0 && s[2] <= width, string.Join("x", s)));
            Assert.Empty(problems);
            Assert.All(requests, r => Assert.True(r.StartsWith("file:", StringComparison.Ordinal) || r.StartsWith("data:", StringComparison.Ordinal), r));
            Assert.True(overflow <= 0, $"the page is {overflow} px wider than a {width} px screen");
            await page.CloseAsync();
        }
    }
}
