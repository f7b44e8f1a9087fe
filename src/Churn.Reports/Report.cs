using System.Globalization;
using System.Net;
using System.Text;

namespace Churn.Reports;

/// <summary>A part of a report: a heading, then paragraphs, charts and tables in order.</summary>
public sealed class ReportSection
{
    private readonly List<object> _items = [];

    internal ReportSection(string heading) => Heading = heading;

    /// <summary>Gets the heading.</summary>
    public string Heading { get; }

    /// <summary>Gets the charts of the section, in order.</summary>
    public IEnumerable<Chart> Charts => _items.OfType<Chart>();

    /// <summary>Gets the tables of the section, in order.</summary>
    public IEnumerable<ReportTable> Tables => _items.OfType<ReportTable>();

    /// <summary>Adds a paragraph.</summary>
    /// <param name="text">The text (plain; it is escaped).</param>
    /// <returns>The section.</returns>
    public ReportSection Paragraph(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        _items.Add(text);
        return this;
    }

    /// <summary>Adds a chart.</summary>
    /// <param name="chart">The chart.</param>
    /// <returns>The section.</returns>
    public ReportSection Add(Chart chart)
    {
        ArgumentNullException.ThrowIfNull(chart);
        _items.Add(chart);
        return this;
    }

    /// <summary>Adds a table.</summary>
    /// <param name="table">The table.</param>
    /// <returns>The section.</returns>
    public ReportSection Add(ReportTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        _items.Add(table);
        return this;
    }

    internal IEnumerable<object> Items => _items;
}

/// <summary>A table of a report.</summary>
/// <param name="Caption">What it shows.</param>
/// <param name="Headers">The column headers.</param>
/// <param name="Rows">The rows (cells as text).</param>
public sealed record ReportTable(string Caption, IReadOnlyList<string> Headers, IReadOnlyList<IReadOnlyList<string>> Rows)
{
    /// <summary>Makes a two-column table of names and values.</summary>
    /// <param name="caption">The caption.</param>
    /// <param name="pairs">The names and values.</param>
    /// <returns>The table.</returns>
    public static ReportTable Of(string caption, IEnumerable<(string Name, string Value)> pairs) =>
        new(caption, ["", ""], [.. (pairs ?? throw new ArgumentNullException(nameof(pairs))).Select(p => (IReadOnlyList<string>)[p.Name, p.Value])]);
}

/// <summary>
/// A self-contained HTML report: charts embedded as images in the file, styles inline, no script,
/// and a content security policy that forbids any request leaving the file, so it opens the same
/// offline, in a mail attachment or in CI artefacts. Readable on a phone (fluid images, tables that
/// scroll) and printable (charts are not split across pages).
/// </summary>
public sealed class Report
{
    private const string Style = """
        :root { color-scheme: light; }
        body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 0; color: #1b1b1b; background: #fff; line-height: 1.45; }
        main { max-width: 960px; margin: 0 auto; padding: 1rem; }
        h1 { font-size: 1.6rem; margin: 0.5rem 0; }
        h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid #ccc; padding-bottom: 0.2rem; }
        p.meta { color: #555; margin-top: 0; }
        figure { margin: 1rem 0 1.5rem; break-inside: avoid; page-break-inside: avoid; }
        figure img { width: 100%; max-width: 800px; height: auto; display: block; }
        figcaption { font-size: 0.9rem; color: #444; margin-top: 0.3rem; }
        .table { overflow-x: auto; margin: 1rem 0; break-inside: avoid; }
        table { border-collapse: collapse; font-size: 0.9rem; min-width: 50%; }
        caption { text-align: left; font-weight: 600; padding-bottom: 0.3rem; }
        th, td { border-bottom: 1px solid #e3e3e3; padding: 0.25rem 0.6rem; text-align: left; vertical-align: top; }
        td.n { text-align: right; font-variant-numeric: tabular-nums; }
        @media print { main { max-width: none; } h2 { break-after: avoid; } }
        """;

    private readonly List<ReportSection> _sections = [];

    /// <summary>Initializes a new instance of the <see cref="Report"/> class.</summary>
    /// <param name="title">The title.</param>
    /// <param name="subtitle">A line under the title (data, instant, version).</param>
    public Report(string title, string? subtitle = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(title);
        Title = title;
        Subtitle = subtitle;
    }

    /// <summary>Gets the title.</summary>
    public string Title { get; }

    /// <summary>Gets the subtitle.</summary>
    public string? Subtitle { get; }

    /// <summary>Gets the sections.</summary>
    public IReadOnlyList<ReportSection> Sections => _sections;

    /// <summary>Gets every chart, in order.</summary>
    public IEnumerable<Chart> Charts => _sections.SelectMany(s => s.Charts);

    /// <summary>Adds a section.</summary>
    /// <param name="heading">Its heading.</param>
    /// <returns>The section, to fill.</returns>
    public ReportSection Section(string heading)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(heading);
        var section = new ReportSection(heading);
        _sections.Add(section);
        return section;
    }

    /// <summary>Gets a chart by id.</summary>
    /// <param name="id">The id.</param>
    /// <returns>The chart.</returns>
    /// <exception cref="KeyNotFoundException">No chart has the id.</exception>
    public Chart Chart(string id) => Charts.FirstOrDefault(c => c.Id == id) ?? throw new KeyNotFoundException($"The report has no chart '{id}' (it has: {string.Join(", ", Charts.Select(c => c.Id))}).");

    /// <summary>Writes the report as one HTML document; charts are rendered in parallel, as PNG at twice the pixel density.</summary>
    /// <param name="cancellationToken">Stops the rendering.</param>
    /// <returns>The HTML.</returns>
    public string ToHtml(CancellationToken cancellationToken = default)
    {
        var charts = Charts.ToList();
        var images = new string[charts.Count];
        Parallel.For(0, charts.Count, new ParallelOptions { CancellationToken = cancellationToken }, i => images[i] = Convert.ToBase64String(charts[i].ToPng(scale: 2)));
        var index = new Dictionary<Chart, int>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < charts.Count; i++)
        {
            index.TryAdd(charts[i], i);
        }

        var html = new StringBuilder(1 << 16);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        html.Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">\n");
        html.Append("<meta name=\"generator\" content=\"Churn.Reports\">\n");
        html.Append(CultureInfo.InvariantCulture, $"<title>{E(Title)}</title>\n<style>\n{Style}\n</style>\n</head>\n<body>\n<main>\n<h1>{E(Title)}</h1>\n");
        if (Subtitle is not null)
        {
            html.Append(CultureInfo.InvariantCulture, $"<p class=\"meta\">{E(Subtitle)}</p>\n");
        }

        foreach (var section in _sections)
        {
            html.Append(CultureInfo.InvariantCulture, $"<section>\n<h2>{E(section.Heading)}</h2>\n");
            foreach (var item in section.Items)
            {
                switch (item)
                {
                    case string text:
                        html.Append(CultureInfo.InvariantCulture, $"<p>{E(text)}</p>\n");
                        break;
                    case Chart chart:
                        html.Append(CultureInfo.InvariantCulture, $"<figure id=\"{E(chart.Id)}\">\n<img src=\"data:image/png;base64,{images[index[chart]]}\" width=\"800\" height=\"480\" alt=\"{E(chart.Title)}\">\n<figcaption>{E(chart.Caption)}</figcaption>\n</figure>\n");
                        break;
                    case ReportTable table:
                        AppendTable(html, table);
                        break;
                }
            }

            html.Append("</section>\n");
        }

        html.Append("</main>\n</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>Saves the report as a self-contained HTML file, atomically (a temporary file renamed over the target).</summary>
    /// <param name="path">The file.</param>
    /// <param name="cancellationToken">Stops the rendering.</param>
    public void Save(string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        Churn.Shared.AtomicText.Write(path, ToHtml(cancellationToken));
    }

    private static void AppendTable(StringBuilder html, ReportTable table)
    {
        html.Append(CultureInfo.InvariantCulture, $"<div class=\"table\"><table>\n<caption>{E(table.Caption)}</caption>\n");
        if (table.Headers.Any(h => h.Length > 0))
        {
            html.Append("<thead><tr>");
            foreach (var h in table.Headers)
            {
                html.Append(CultureInfo.InvariantCulture, $"<th>{E(h)}</th>");
            }

            html.Append("</tr></thead>\n");
        }

        html.Append("<tbody>\n");
        foreach (var row in table.Rows)
        {
            html.Append("<tr>");
            foreach (var cell in row)
            {
                var numeric = cell.Length > 0 && (char.IsDigit(cell[0]) || (cell[0] is '-' or '+' && cell.Length > 1 && char.IsDigit(cell[1])));
                html.Append(numeric ? "<td class=\"n\">" : "<td>").Append(E(cell)).Append("</td>");
            }

            html.Append("</tr>\n");
        }

        html.Append("</tbody></table></div>\n");
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
