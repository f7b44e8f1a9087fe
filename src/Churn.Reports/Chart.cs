using System.Globalization;
using ScottPlot;

namespace Churn.Reports;

/// <summary>How a series is drawn.</summary>
public enum SeriesStyle
{
    /// <summary>A line through the points.</summary>
    Line = 0,

    /// <summary>Points only.</summary>
    Markers,

    /// <summary>Bars at the x positions (grouped beside other bar series).</summary>
    Bars,
}

/// <summary>One series of a chart: the points plotted, kept as data so that tests and scripts can check them.</summary>
/// <param name="Name">The legend text.</param>
/// <param name="X">The x values.</param>
/// <param name="Y">The y values.</param>
public sealed record ChartSeries(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y)
{
    /// <summary>Gets how the series is drawn.</summary>
    public SeriesStyle Style { get; init; }

    /// <summary>Gets a value indicating whether a line is dashed (a reference such as the diagonal).</summary>
    public bool Dashed { get; init; }
}

/// <summary>A labelled vertical line, for example the profit-optimal cut-off.</summary>
/// <param name="X">Where.</param>
/// <param name="Label">What it marks.</param>
public sealed record ChartMarker(double X, string Label);

/// <summary>
/// A chart: title, axis labels with units, a caption saying what it shows and on how many
/// customers, and the series as data. Renders to PNG or SVG headless (ScottPlot 5 on SkiaSharp),
/// with colours from the Okabe–Ito palette, which colour-blind readers can tell apart.
/// </summary>
/// <remarks>Immutable; rendering builds a new plot each time and is safe from several threads.</remarks>
public sealed class Chart
{
    /// <summary>The Okabe–Ito palette, without yellow (too light on white).</summary>
    internal static readonly string[] Palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"];

    /// <summary>Initializes a new instance of the <see cref="Chart"/> class.</summary>
    /// <param name="id">A short id (a file name for the chart's image).</param>
    /// <param name="title">The title.</param>
    /// <param name="xLabel">The x axis label, with its unit.</param>
    /// <param name="yLabel">The y axis label, with its unit.</param>
    /// <param name="caption">What the chart shows, and on how many customers.</param>
    /// <param name="series">The series.</param>
    /// <exception cref="ArgumentException">A series has x and y of different lengths, or a non-finite value.</exception>
    public Chart(string id, string title, string xLabel, string yLabel, string caption, IEnumerable<ChartSeries> series)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ArgumentNullException.ThrowIfNull(title);
        ArgumentNullException.ThrowIfNull(xLabel);
        ArgumentNullException.ThrowIfNull(yLabel);
        ArgumentNullException.ThrowIfNull(caption);
        ArgumentNullException.ThrowIfNull(series);
        Id = id;
        Title = title;
        XLabel = xLabel;
        YLabel = yLabel;
        Caption = caption;
        Series = [.. series];
        foreach (var s in Series)
        {
            if (s.X.Count != s.Y.Count)
            {
                throw new ArgumentException($"Chart '{id}', series '{s.Name}': {s.X.Count} x values for {s.Y.Count} y values.", nameof(series));
            }

            if (s.X.Any(v => !double.IsFinite(v)) || s.Y.Any(v => !double.IsFinite(v)))
            {
                throw new ArgumentException($"Chart '{id}', series '{s.Name}': values must be finite.", nameof(series));
            }
        }
    }

    /// <summary>Gets the id.</summary>
    public string Id { get; }

    /// <summary>Gets the title.</summary>
    public string Title { get; }

    /// <summary>Gets the x axis label.</summary>
    public string XLabel { get; }

    /// <summary>Gets the y axis label.</summary>
    public string YLabel { get; }

    /// <summary>Gets the caption.</summary>
    public string Caption { get; }

    /// <summary>Gets the series: the points plotted.</summary>
    public IReadOnlyList<ChartSeries> Series { get; }

    /// <summary>Gets labelled vertical lines.</summary>
    public IReadOnlyList<ChartMarker> Markers { get; init; } = [];

    /// <summary>Gets category names for the x positions 1, 2, … (bar charts by decile, segment or feature).</summary>
    public IReadOnlyList<string> Categories { get; init; } = [];

    /// <summary>Gets the x range to show, when fixed (for example 0–1 for rates).</summary>
    public (double Min, double Max)? XRange { get; init; }

    /// <summary>Gets the y range to show, when fixed.</summary>
    public (double Min, double Max)? YRange { get; init; }

    /// <summary>Gets the width of a bar group in x units (1 for categories; a bin's width for histograms).</summary>
    public double BarWidth { get; init; } = 1;

    /// <summary>Gets a value indicating whether bar series share one slot per category (series that never fill the same category, such as rules coloured by severity) instead of standing side by side.</summary>
    public bool SingleBarGroup { get; init; }

    /// <summary>Gets a value indicating whether the bars lie horizontally (long category names such as features).</summary>
    public bool Horizontal { get; init; }

    /// <summary>Renders the chart as PNG.</summary>
    /// <param name="width">The width in pixels of the chart at scale 1.</param>
    /// <param name="height">The height in pixels at scale 1.</param>
    /// <param name="scale">The pixel density (2 for sharp images on phones and print).</param>
    /// <returns>The PNG bytes.</returns>
    public byte[] ToPng(int width = 800, int height = 480, double scale = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 100);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 100);
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 0.5);
        var plot = Build();
        plot.ScaleFactor = (float)scale;
        return plot.GetImageBytes((int)(width * scale), (int)(height * scale), ImageFormat.Png);
    }

    /// <summary>Renders the chart as SVG.</summary>
    /// <param name="width">The width.</param>
    /// <param name="height">The height.</param>
    /// <returns>The SVG document.</returns>
    public string ToSvg(int width = 800, int height = 480)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 100);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 100);
        return Build().GetSvgXml(width, height);
    }

    private Plot Build()
    {
        var plot = new Plot();
        plot.Font.Set(Fonts.Sans);
        plot.Title(Title, size: 16);
        plot.XLabel(XLabel, size: 13);
        plot.YLabel(YLabel, size: 13);
        var bars = Series.Where(s => s.Style == SeriesStyle.Bars).ToList();
        var legend = Series.Count(s => !string.IsNullOrEmpty(s.Name)) > 1;
        var colour = 0;
        foreach (var s in Series)
        {
            var color = Color.FromHex(Palette[colour++ % Palette.Length]);
            var xs = s.X.ToArray();
            var ys = s.Y.ToArray();
            switch (s.Style)
            {
                case SeriesStyle.Bars:
                    var group = SingleBarGroup ? 0 : bars.IndexOf(s);
                    var width = 0.8 * BarWidth / (SingleBarGroup ? 1 : bars.Count);
                    var items = xs.Select((x, i) => new Bar
                    {
                        Position = x - (0.4 * BarWidth) + (width * (group + 0.5)),
                        Value = ys[i],
                        FillColor = color,
                        LineWidth = 0,
                        Size = width * 0.95,
                        Orientation = Horizontal ? Orientation.Horizontal : Orientation.Vertical,
                    }).ToList();
                    var barPlot = plot.Add.Bars(items);
                    barPlot.LegendText = legend ? s.Name : string.Empty;
                    break;
                case SeriesStyle.Markers:
                    var points = plot.Add.ScatterPoints(xs, ys, color);
                    points.MarkerSize = 4;
                    points.LegendText = legend ? s.Name : string.Empty;
                    break;
                default:
                    var line = plot.Add.ScatterLine(xs, ys, color);
                    line.LineWidth = s.Dashed ? 1.5f : 2.5f;
                    line.LinePattern = s.Dashed ? LinePattern.Dashed : LinePattern.Solid;
                    line.LegendText = legend ? s.Name : string.Empty;
                    break;
            }
        }

        foreach (var m in Markers)
        {
            var line = plot.Add.VerticalLine(m.X, 1.5f, Color.FromHex("#555555"), LinePattern.Dotted);
            line.Text = m.Label;
            line.LabelFontSize = 11;
        }

        if (Categories.Count > 0)
        {
            var positions = Enumerable.Range(1, Categories.Count).Select(i => (double)i).ToArray();
            if (Horizontal)
            {
                plot.Axes.Left.SetTicks(positions, [.. Categories]);
            }
            else
            {
                plot.Axes.Bottom.SetTicks(positions, [.. Categories]);
            }
        }

        if (bars.Count > 0)
        {
            plot.Axes.Margins(bottom: 0, left: Horizontal ? 0 : 0.05);
        }

        if (XRange is { } x)
        {
            plot.Axes.SetLimitsX(x.Min, x.Max);
        }

        if (YRange is { } y)
        {
            plot.Axes.SetLimitsY(y.Min, y.Max);
        }

        if (legend)
        {
            plot.ShowLegend(Alignment.LowerRight);
        }

        return plot;
    }

    /// <summary>Formats a number for a caption.</summary>
    internal static string N(double value, string format = "N0") => value.ToString(format, CultureInfo.InvariantCulture);
}
