using System.Globalization;
using Churn.Abstractions;

namespace Churn.Reports;

/// <summary>
/// Builds the assessment report while assessments stream past (one pass, bounded memory): customers
/// by level, the value × risk map (a systematic sample of at most 5,000 customers), the reasons and
/// symptoms that recur across the at-risk base, and the most valuable customers at risk with their
/// reasons.
/// </summary>
/// <remarks>Not thread-safe: add from one thread.</remarks>
public sealed class AssessmentReportBuilder
{
    private const int MapPoints = 5_000;
    private readonly long[] _levels = new long[5];
    private readonly Dictionary<string, long> _reasons = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Rule, SymptomSeverity Severity), long> _symptoms = [];
    private readonly PriorityQueue<RiskAssessment, double> _valuable = new();
    private readonly List<(double P, double Value, RiskLevel Level)> _map = [];
    private readonly long _expected;
    private readonly int _top;
    private long _count;
    private DateTimeOffset? _asOf;

    /// <summary>Initializes a new instance of the <see cref="AssessmentReportBuilder"/> class.</summary>
    /// <param name="expected">How many assessments will be added (for an even sample on the map); 0 when unknown (the first 5,000 are mapped).</param>
    /// <param name="top">How many valuable at-risk customers to list.</param>
    public AssessmentReportBuilder(long expected = 0, int top = 20)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(expected);
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        _expected = expected;
        _top = top;
    }

    /// <summary>Adds an assessment.</summary>
    /// <param name="assessment">The assessment.</param>
    public void Add(RiskAssessment assessment)
    {
        ArgumentNullException.ThrowIfNull(assessment);
        _asOf ??= assessment.AsOf;
        var index = _count++;
        _levels[(int)assessment.Level]++;
        var value = assessment.Value is { } v ? (double)(v.Predicted ?? v.Historical) : 0;
        var atRisk = assessment.Level is RiskLevel.High or RiskLevel.Critical;
        if (atRisk)
        {
            foreach (var r in assessment.Reasons)
            {
                if (r.Contribution > 0)
                {
                    _reasons[r.Feature] = _reasons.GetValueOrDefault(r.Feature) + 1;
                }
            }

            _valuable.Enqueue(assessment, value);
            if (_valuable.Count > _top)
            {
                _valuable.Dequeue();
            }
        }

        foreach (var s in assessment.Symptoms)
        {
            _symptoms[(s.RuleId, s.Severity)] = _symptoms.GetValueOrDefault((s.RuleId, s.Severity)) + 1;
        }

        var step = _expected > MapPoints ? _expected / MapPoints : 1;
        if (assessment.Probability is { } p && _map.Count < MapPoints && index % step == 0)
        {
            _map.Add((p.Value, value, assessment.Level));
        }
    }

    /// <summary>Builds the report.</summary>
    /// <returns>The report.</returns>
    public Report Build()
    {
        var n = _count;
        var on = string.Create(CultureInfo.InvariantCulture, $"{n:N0} customers assessed as of {_asOf:yyyy-MM-dd}");
        var report = new Report("Churn assessment report", on);
        var levels = report.Section("Who is at risk");
        string[] names = ["low", "medium", "high", "critical", "churned"];
        levels.Add(new Chart("levels", "Customers by risk level", "Risk level", "Customers",
            $"Every customer's level from the probability and the symptoms; churned customers had left by the instant. {on}.",
            [new ChartSeries("customers", [1, 2, 3, 4, 5], [.. _levels.Select(c => (double)c)]) { Style = SeriesStyle.Bars }])
        { Categories = names });
        levels.Add(ReportTable.Of("Customers by level", names.Select((l, i) => (l, _levels[i].ToString("N0", CultureInfo.InvariantCulture)))));
        if (_map.Count > 0)
        {
            var series = Enum.GetValues<RiskLevel>().Where(l => l != RiskLevel.Churned)
                .Select(l => (Level: l, Points: _map.Where(m => m.Level == l).ToList()))
                .Where(s => s.Points.Count > 0)
                .Select(s => new ChartSeries(names[(int)s.Level], [.. s.Points.Select(p => p.P)], [.. s.Points.Select(p => p.Value)]) { Style = SeriesStyle.Markers });
            levels.Add(new Chart("value-risk", "Value and risk", "Probability of churning", "Value (predicted CLV, else historical; currency)",
                $"Each dot is a customer, coloured by level: top right is valuable and at risk. {_map.Count:N0} of {n:N0} customers, an even sample. {on}.",
                series)
            { XRange = (0, 1) });
        }

        var why = report.Section("Why");
        if (_reasons.Count > 0)
        {
            var top = _reasons.OrderByDescending(r => r.Value).ThenBy(r => r.Key, StringComparer.Ordinal).Take(12).Reverse().ToList();
            why.Add(new Chart("reasons", "What raises the risk of the customers at risk", "Customers (high or critical) with this reason", string.Empty,
                $"How often each input is among the reasons that raise the probability, over the {_levels[2] + _levels[3]:N0} high and critical customers. {on}.",
                [new ChartSeries("customers", [.. top.Select((_, i) => i + 1.0)], [.. top.Select(t => (double)t.Value)]) { Style = SeriesStyle.Bars }])
            { Categories = [.. top.Select(t => t.Key)], Horizontal = true });
        }

        if (_symptoms.Count > 0)
        {
            why.Add(new ReportTable("Symptoms across the base", ["rule", "severity", "customers"],
                [.. _symptoms.OrderByDescending(s => s.Value).ThenBy(s => s.Key.Rule, StringComparer.Ordinal)
                    .Select(s => (IReadOnlyList<string>)[s.Key.Rule, s.Key.Severity.ToString().ToLowerInvariant(), s.Value.ToString("N0", CultureInfo.InvariantCulture)])]));
        }

        if (_valuable.Count > 0)
        {
            var list = new List<(RiskAssessment A, double Value)>();
            while (_valuable.TryDequeue(out var a, out var v))
            {
                list.Add((a, v));
            }

            list.Reverse();
            foreach (var (a, v) in list)
            {
                _valuable.Enqueue(a, v);
            }

            report.Section("The most valuable customers at risk").Add(new ReportTable(
                $"The {list.Count} most valuable high or critical customers, with the reason that raises their risk most",
                ["customer", "level", "probability", "value", "owner", "why"],
                [.. list.Select(x => (IReadOnlyList<string>)[
                    x.A.CustomerId.Value,
                    RiskLevelPolicy.Name(x.A.Level),
                    x.A.Probability is { } p ? p.Value.ToString("0.000", CultureInfo.InvariantCulture) : "-",
                    x.Value.ToString("N2", CultureInfo.InvariantCulture),
                    x.A.Owner ?? "-",
                    x.A.Reasons.FirstOrDefault(r => r.Contribution > 0)?.Text ?? (x.A.Symptoms.Count > 0 ? x.A.Symptoms[0].Explanation : x.A.LevelReason)])]));
        }

        return report;
    }
}
