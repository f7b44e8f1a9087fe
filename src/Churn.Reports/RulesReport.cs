using System.Globalization;
using Churn.Abstractions;
using Churn.Rules;

namespace Churn.Reports;

/// <summary>The rules report of a dry run: customers flagged per rule, how the rules overlap, and the mix of severities.</summary>
public static class RulesReport
{
    /// <summary>Builds the report.</summary>
    /// <param name="run">The dry run's counts.</param>
    /// <param name="source">What the rules ran on (a file name), for the captions.</param>
    /// <returns>The report.</returns>
    public static Report Create(RuleDryRunReport run, string source)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(source);
        var n = run.Customers;
        var on = string.Create(CultureInfo.InvariantCulture, $"{n:N0} customers of {source}");
        var report = new Report("Churn rules report", on);
        var section = report.Section("What the rules flag");
        var rules = run.Rules.Reverse().ToList();
        section.Add(new Chart("flagged", "Customers flagged by each rule", "Customers flagged", string.Empty,
            $"How many customers each rule flags (share of the base in the table below). {on}.",
            [
                new ChartSeries("critical", [.. rules.Select((r, i) => (r, i)).Where(t => t.r.Severity == SymptomSeverity.Critical).Select(t => t.i + 1.0)], [.. rules.Where(r => r.Severity == SymptomSeverity.Critical).Select(r => (double)r.Flagged)]) { Style = SeriesStyle.Bars },
                new ChartSeries("minor", [.. rules.Select((r, i) => (r, i)).Where(t => t.r.Severity != SymptomSeverity.Critical).Select(t => t.i + 1.0)], [.. rules.Where(r => r.Severity != SymptomSeverity.Critical).Select(r => (double)r.Flagged)]) { Style = SeriesStyle.Bars },
            ])
        { Categories = [.. rules.Select(r => r.Id)], Horizontal = true, SingleBarGroup = true });
        section.Add(new ReportTable("Rules", ["rule", "severity", "customers flagged", "share"],
            [.. run.Rules.Select(r => (IReadOnlyList<string>)[r.Id, r.Severity.ToString().ToLowerInvariant(), r.Flagged.ToString("N0", CultureInfo.InvariantCulture), n == 0 ? "-" : (r.Flagged / (double)n).ToString("P1", CultureInfo.InvariantCulture)])]));

        var critical = run.Rules.Any(r => r.Severity == SymptomSeverity.Critical);
        var mix = new (string Name, double Count)[]
        {
            ("flagged by any rule", run.AnyFlagged),
            ("minor symptoms add up (recapitulative)", run.RecapitulativeFlagged),
            ("not flagged", n - run.AnyFlagged),
        };
        section.Add(new Chart("mix", "Flagged and not", "Customers", string.Empty,
            $"Customers flagged by at least one rule, those whose minor symptoms reach the recapitulative threshold, and the rest{(critical ? string.Empty : " (the set has no critical rule)")}. {on}.",
            [new ChartSeries("customers", [1, 2, 3], [.. mix.Select(m => m.Count)]) { Style = SeriesStyle.Bars }])
        { Categories = [.. mix.Select(m => m.Name)], Horizontal = true });

        var ids = run.Rules.Select(r => r.Id).ToList();
        report.Section("How the rules overlap").Add(new ReportTable(
            "Customers flagged by both the row's and the column's rule (the diagonal: by the rule itself)",
            ["", .. ids],
            [.. ids.Select((id, i) => (IReadOnlyList<string>)[id, .. ids.Select((_, j) => run.Overlap[i, j].ToString("N0", CultureInfo.InvariantCulture))])]));
        return report;
    }
}
