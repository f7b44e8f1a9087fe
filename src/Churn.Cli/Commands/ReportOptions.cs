using System.CommandLine;
using System.Globalization;
using Churn.Modeling;
using Churn.Reports;

namespace Churn.Cli.Commands;

/// <summary>The business's economics for EMPC, MPC and the profit curve: <c>--clv</c>, <c>--incentive-cost</c>, <c>--contact-cost</c>, <c>--acceptance-alpha</c>, <c>--acceptance-beta</c>.</summary>
internal sealed class EconomicsOptions
{
    private readonly ProfitParameters _defaults = new();

    public EconomicsOptions()
    {
        Clv = new Option<double>("--clv") { Description = "Value of a retained customer (EMPC, MPC, profit curve).", DefaultValueFactory = _ => _defaults.Clv };
        Incentive = new Option<double>("--incentive-cost") { Description = "Cost of the incentive given to a contacted customer who accepts.", DefaultValueFactory = _ => _defaults.IncentiveCost };
        Contact = new Option<double>("--contact-cost") { Description = "Cost of contacting a customer.", DefaultValueFactory = _ => _defaults.ContactCost };
        Alpha = new Option<double>("--acceptance-alpha") { Description = "α of the Beta distribution of the acceptance rate of would-be churners.", DefaultValueFactory = _ => _defaults.Alpha };
        Beta = new Option<double>("--acceptance-beta") { Description = "β of that Beta distribution.", DefaultValueFactory = _ => _defaults.Beta };
    }

    public Option<double> Clv { get; }

    public Option<double> Incentive { get; }

    public Option<double> Contact { get; }

    public Option<double> Alpha { get; }

    public Option<double> Beta { get; }

    public static object Json(ProfitParameters p) => new { clv = p.Clv, incentiveCost = p.IncentiveCost, contactCost = p.ContactCost, acceptanceAlpha = p.Alpha, acceptanceBeta = p.Beta };

    public void AddTo(Command command)
    {
        foreach (var o in new[] { Clv, Incentive, Contact, Alpha, Beta })
        {
            command.Options.Add(o);
        }
    }

    /// <summary>Reads the options; null and a reason when they make no sense.</summary>
    public (ProfitParameters? Parameters, string? Error) Read(ParseResult parse)
    {
        var p = new ProfitParameters
        {
            Clv = parse.GetValue(Clv),
            IncentiveCost = parse.GetValue(Incentive),
            ContactCost = parse.GetValue(Contact),
            Alpha = parse.GetValue(Alpha),
            Beta = parse.GetValue(Beta),
        };
        string? error = null;
        if (!(p.Clv > 0) || !double.IsFinite(p.Clv))
        {
            error = "--clv must be a positive number.";
        }
        else if (!(p.IncentiveCost >= 0) || !double.IsFinite(p.IncentiveCost) || !(p.ContactCost >= 0) || !double.IsFinite(p.ContactCost))
        {
            error = "--incentive-cost and --contact-cost must be zero or positive.";
        }
        else if (p.IncentiveCost + p.ContactCost >= p.Clv)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"--incentive-cost plus --contact-cost ({p.IncentiveCost + p.ContactCost}) must be below --clv ({p.Clv}): no campaign could pay.");
        }
        else if (!(p.Alpha > 0) || !(p.Beta > 0) || !double.IsFinite(p.Alpha) || !double.IsFinite(p.Beta))
        {
            error = "--acceptance-alpha and --acceptance-beta must be positive.";
        }

        return error is null ? (p, null) : (null, error);
    }
}

/// <summary>Writes a report into a folder given by <c>--report DIR</c>.</summary>
internal static class ReportOutput
{
    public static Option<string?> Option(string what) => new("--report") { Description = $"Also write {what} as a self-contained HTML report (charts embedded, nothing fetched) into this folder." };

    /// <summary>Saves the report as DIR/NAME and each chart as DIR/charts/ID.svg; returns the HTML file.</summary>
    public static string Save(Report report, string directory, string name, CancellationToken ct)
    {
        var charts = Path.Combine(directory, "charts");
        Directory.CreateDirectory(charts);
        var path = Path.Combine(directory, name);
        report.Save(path, ct);
        foreach (var chart in report.Charts)
        {
            AtomicFile.Write(Path.Combine(charts, chart.Id + ".svg"), s =>
            {
                using var w = new StreamWriter(s);
                w.Write(chart.ToSvg());
            });
        }

        return path;
    }
}
