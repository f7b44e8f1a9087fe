using System.Buffers.Binary;
using System.Text.RegularExpressions;
using Churn.Modeling;

namespace Churn.Reports.Tests;

/// <summary>The Telco model, trained once (3 folds), and its report saved to a temporary file.</summary>
public sealed class TelcoReport : IDisposable
{
    public TelcoReport()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "data", "telco", "Telco-Customer-Churn.csv");
        Table = ModelTable.FromCsv(path, "Churn", "Yes", "customerID", ["TotalCharges"]);
        Result = new ChurnModelTrainer(new ChurnModelTrainerOptions { Folds = 3 }).Train(Table);
        Report = ChurnModelReport.Create(Result, Table, data: [("source", "IBM Telco customer churn (7,043 customers)")]);
        Directory = System.IO.Directory.CreateTempSubdirectory("churn-report").FullName;
        File = Path.Combine(Directory, "model-report.html");
        Report.Save(File);
        Html = System.IO.File.ReadAllText(File);
    }

    public ModelTable Table { get; }

    public TrainingResult Result { get; }

    public Report Report { get; }

    public string Directory { get; }

    public string File { get; }

    public string Html { get; }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}

public partial class ReportTests(TelcoReport telco) : IClassFixture<TelcoReport>
{
    [Fact]
    public void ModelReport_HasEveryChart_WithTitleAxesAndCaption()
    {
        string[] expected = ["roc", "pr", "gains", "lift", "reliability", "profit", "scores", "importance", "folds"];

        Assert.Equal(expected.Order(), telco.Report.Charts.Select(c => c.Id).Order());
        Assert.All(telco.Report.Charts, c =>
        {
            Assert.False(string.IsNullOrWhiteSpace(c.Title));
            Assert.False(string.IsNullOrWhiteSpace(c.XLabel));
            Assert.Contains("customers", c.Caption, StringComparison.Ordinal);
        });
        Assert.Contains(telco.Report.Chart("roc").Title, $"ROC curve (AUC {telco.Result.CrossValidation.Metrics.Auc:0.000})", StringComparison.Ordinal);
        Assert.Equal(3, telco.Report.Chart("folds").Series[0].X.Count);
    }

    [Fact]
    public void Html_IsSelfContained_EveryChartAnEmbeddedPng()
    {
        var html = telco.Html;

        var text = ImageSource().Replace(html, string.Empty);
        Assert.DoesNotMatch("(?i)(https?:|src=|href=|url\\()\\s*[\"']?//", text);
        Assert.DoesNotMatch("(?i)https?:", text.Replace("http-equiv", string.Empty, StringComparison.Ordinal));
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("default-src 'none'", html, StringComparison.Ordinal);
        Assert.Contains("name=\"viewport\"", html, StringComparison.Ordinal);
        var images = ImageSource().Matches(html).Select(m => Convert.FromBase64String(m.Groups[1].Value)).ToList();
        Assert.Equal(telco.Report.Charts.Count(), images.Count);
        Assert.Equal(images.Count, Regex.Count(html, "<img "));
        foreach (var png in images)
        {
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
            Assert.Equal(1600, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4)));
            Assert.Equal(960, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20, 4)));
        }
    }

    [Fact]
    public void Charts_RenderAsPngAndSvg()
    {
        var chart = telco.Report.Chart("importance");

        var svg = chart.ToSvg();
        var png = chart.ToPng(400, 300);

        Assert.StartsWith("<?xml", svg, StringComparison.Ordinal);
        Assert.Contains("<svg", svg, StringComparison.Ordinal);
        Assert.Equal(400, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4)));
    }

    [GeneratedRegex("<img src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"")]
    private static partial Regex ImageSource();
}
