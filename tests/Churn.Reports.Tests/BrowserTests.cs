using Churn.Abstractions;
using Churn.Segmentation;
using Microsoft.Playwright;

namespace Churn.Reports.Tests;

/// <summary>Opens reports in Debian's Chromium, headless: every chart loads, nothing is fetched, no console error, nothing wider than a phone.</summary>
public class BrowserTests(TelcoReport telco) : IClassFixture<TelcoReport>
{
    /// <summary>Where CI installs Chromium (Debian's package); CHURN_CHROMIUM overrides it.</summary>
    private static string Chromium => Environment.GetEnvironmentVariable("CHURN_CHROMIUM") ?? "/usr/bin/chromium";

    [Fact]
    public Task ModelReport_LoadsEveryChart_FetchesNothing_LogsNoError() => OpenAsync(telco.File, telco.Report.Charts.Count(), "model-report");

    [Fact]
    public async Task ValueReport_LoadsEveryChart()
    {
        var report = ValueReport.Create(ValueReportTests.Cdnow());
        var dir = Directory.CreateTempSubdirectory("churn-reports").FullName;
        try
        {
            report.Save(Path.Combine(dir, "v.html"));
            await OpenAsync(Path.Combine(dir, "v.html"), report.Charts.Count(), "value-report");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task RulesReport_LoadsEveryChart_AndCountsTheRun()
    {
        var run = new Churn.Rules.RuleDryRunReport(
            100,
            [new("payment_failed", SymptomSeverity.Critical, 12), new("quiet", SymptomSeverity.Minor, 30), new("tickets", SymptomSeverity.Minor, 20)],
            new int[,] { { 12, 4, 3 }, { 4, 30, 8 }, { 3, 8, 20 } },
            45,
            6);
        var report = RulesReport.Create(run, "customers.csv");
        var flagged = report.Chart("flagged");

        Assert.Equal([12.0], flagged.Series[0].Y);
        Assert.Equal([20.0, 30.0], flagged.Series[1].Y);
        Assert.Equal([45.0, 6.0, 55.0], report.Chart("mix").Series[0].Y);
        var dir = Directory.CreateTempSubdirectory("churn-reports").FullName;
        try
        {
            report.Save(Path.Combine(dir, "r.html"));
            Assert.Contains("<td>quiet</td><td class=\"n\">4</td><td class=\"n\">30</td><td class=\"n\">8</td>", File.ReadAllText(Path.Combine(dir, "r.html")), StringComparison.Ordinal);
            await OpenAsync(Path.Combine(dir, "r.html"), 2, "rules-report");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task AssessmentAndSegmentReports_LoadEveryChart()
    {
        var rng = new Random(4);
        var asOf = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var assessments = Enumerable.Range(0, 3000).Select(i =>
        {
            var p = rng.NextDouble() * rng.NextDouble();
            var level = p > 0.6 ? RiskLevel.Critical : p > 0.3 ? RiskLevel.High : p > 0.1 ? RiskLevel.Medium : RiskLevel.Low;
            return new RiskAssessment($"c{i}", asOf, p, level)
            {
                Value = new CustomerValue((decimal)(rng.NextDouble() * 1000), (decimal)(rng.NextDouble() * 1500)),
                Reasons = [new RiskReason(i % 3 == 0 ? "tickets_90d" : "logins_30d", 2, p / 2, "raises the risk")],
                Symptoms = i % 7 == 0 ? [new Symptom("payment_trouble", SymptomSeverity.Critical, asOf, "failed payments")] : [],
                Owner = "am-" + (i % 5),
            };
        }).ToList();
        var builder = new AssessmentReportBuilder(assessments.Count);
        assessments.ForEach(builder.Add);
        var assessmentReport = builder.Build();
        var inputs = assessments.Select(a => new SegmentInput(a, null, new CustomerProfile(a.CustomerId) { PreferredChannels = [a.CustomerId.Value.Length % 2 == 0 ? "email" : "phone"] })).ToList();
        var result = Segmenter.Fit([new ValueRiskMatrix(), new ClusterSegmentation("k", ["probability", "value"]) { MaxClusters = 4 }], inputs).Run(inputs);
        var segmentReport = SegmentReport.Create(result, inputs);
        var dir = Directory.CreateTempSubdirectory("churn-reports").FullName;
        try
        {
            assessmentReport.Save(Path.Combine(dir, "a.html"));
            segmentReport.Save(Path.Combine(dir, "s.html"));

            Assert.Equal(["levels", "value-risk", "reasons"], assessmentReport.Charts.Select(c => c.Id));
            Assert.Equal(3000, assessmentReport.Chart("levels").Series[0].Y.Sum());
            Assert.Equal(6, segmentReport.Charts.Count());
            Assert.Equal(3000, segmentReport.Chart("value-risk-sizes").Series[0].Y.Sum());
            await OpenAsync(Path.Combine(dir, "a.html"), 3, "assessment-report");
            await OpenAsync(Path.Combine(dir, "s.html"), 6, "segment-report");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task EvaluationReports_CarryTheCurvesData_AndLoadEveryChart()
    {
        var rng = new Random(6);
        var n = 4000;
        bool[] treated = [.. Enumerable.Range(0, n).Select(_ => rng.Next(2) == 0)];
        var x = Enumerable.Range(0, n).Select(_ => rng.NextDouble()).ToArray();
        bool[] outcome = [.. Enumerable.Range(0, n).Select(i => rng.NextDouble() < 0.1 + (treated[i] && x[i] > 0.5 ? 0.2 : 0))];
        var upliftReport = new Churn.Evaluation.UpliftReport(Churn.Evaluation.UpliftMethod.TLearner, 0, n, Churn.Evaluation.UpliftMetrics.Qini(x, treated, outcome), Churn.Evaluation.UpliftMetrics.Auuc(x, treated, outcome), Enumerable.Range(1, 10).ToDictionary(k => k * 10, k => Churn.Evaluation.UpliftMetrics.UpliftAt(x, treated, outcome, k / 10.0)), 0)
        {
            QiniCurve = Churn.Evaluation.UpliftMetrics.QiniCurve(x, treated, outcome),
        };
        var uplift = Churn.Reports.EvaluationReport.Uplift(upliftReport, "planted");
        var campaign = Churn.Reports.EvaluationReport.Campaign(Churn.Evaluation.CampaignEvaluator.Evaluate(Enumerable.Range(0, n).Select(i => (treated[i] ? "t" : "c", outcome[i] ? 1.0 : 0.0)), "c", Churn.Evaluation.OutcomeKind.Binary), "response");
        var qini = uplift.Chart("qini");
        Assert.Equal(upliftReport.QiniCurve[^1].Gain, qini.Series[0].Y[^1], 12);
        Assert.True(qini.Series[0].X.Count <= 1000);
        Assert.Equal([10.0, 20, 30, 40, 50, 60, 70, 80, 90, 100], uplift.Chart("uplift-at-k").Series[0].X);
        Assert.Equal(upliftReport.UpliftAt[30], uplift.Chart("uplift-at-k").Series[0].Y[2], 12);
        var dir = Directory.CreateTempSubdirectory("churn-reports").FullName;
        try
        {
            uplift.Save(Path.Combine(dir, "u.html"));
            campaign.Save(Path.Combine(dir, "c.html"));
            await OpenAsync(Path.Combine(dir, "u.html"), 2, "uplift-report");
            await OpenAsync(Path.Combine(dir, "c.html"), 1, "campaign-report");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task OpenAsync(string file, int charts, string name)
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

            await page.GotoAsync(new Uri(file).AbsoluteUri, new PageGotoOptions { WaitUntil = WaitUntilState.Load });
            var sizes = await page.EvaluateAsync<int[][]>("() => Array.from(document.images).map(i => [i.naturalWidth, i.naturalHeight, Math.round(i.getBoundingClientRect().width)])");
            var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
            var shots = Environment.GetEnvironmentVariable("CHURN_REPORT_OUT") ?? Path.GetDirectoryName(file)!;
            Directory.CreateDirectory(shots);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, $"{name}-{width}.png"), FullPage = true });

            Assert.Equal(charts, sizes.Length);
            Assert.All(sizes, s => Assert.True(s[0] == 1600 && s[1] == 960 && s[2] > 0 && s[2] <= width, string.Join("x", s)));
            Assert.Empty(problems);
            Assert.All(requests, r => Assert.True(r.StartsWith("file:", StringComparison.Ordinal) || r.StartsWith("data:", StringComparison.Ordinal), r));
            Assert.True(overflow <= 0, $"the page is {overflow} px wider than a {width} px screen");
            await page.CloseAsync();
        }
    }
}
