using System.Text;
using System.Text.Json;
using Churn.Abstractions;

namespace Churn.Segmentation;

/// <summary>
/// A set of fitted schemes: places customers in segments (one per scheme), profiles the segments,
/// and serves the pipeline as its <see cref="ISegmenter"/> (the first scheme fills
/// <see cref="RiskAssessment.Segment"/>). Save it after a fit to segment later customers the same
/// way without refitting (k-means centroids, quantile cut points and RFM boundaries are kept).
/// </summary>
/// <remarks>Immutable and safe to use from several threads.</remarks>
public sealed class Segmenter : ISegmenter
{
    /// <summary>Initializes a new instance of the <see cref="Segmenter"/> class.</summary>
    /// <param name="schemes">The fitted schemes; the first one is the pipeline's.</param>
    /// <exception cref="ArgumentException">No scheme, or two with one id.</exception>
    public Segmenter(IEnumerable<FittedScheme> schemes)
    {
        ArgumentNullException.ThrowIfNull(schemes);
        Schemes = [.. schemes];
        if (Schemes.Count == 0)
        {
            throw new ArgumentException("Give at least one scheme.", nameof(schemes));
        }

        if (Schemes.Select(s => s.Id).Distinct(StringComparer.Ordinal).Count() != Schemes.Count)
        {
            throw new ArgumentException("Two schemes share an id.", nameof(schemes));
        }
    }

    /// <summary>Gets the fitted schemes.</summary>
    public IReadOnlyList<FittedScheme> Schemes { get; }

    /// <summary>Fits schemes on a population.</summary>
    /// <param name="schemes">The schemes.</param>
    /// <param name="population">The customers.</param>
    /// <param name="previous">The previous fit, if any: k-means clusters found again keep their ids.</param>
    /// <param name="cancellationToken">Stops the fit.</param>
    /// <returns>The segmentation.</returns>
    public static Segmenter Fit(IEnumerable<SegmentScheme> schemes, IReadOnlyList<SegmentInput> population, Segmenter? previous = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(schemes);
        ArgumentNullException.ThrowIfNull(population);
        return new Segmenter(schemes.Select(s => s.Fit(population, previous?.Schemes.FirstOrDefault(p => p.Id == s.Id), cancellationToken)).ToList());
    }

    /// <summary>Reads the schemes of a scheme file (JSON), without fitting them.</summary>
    /// <param name="json">The file's text.</param>
    /// <param name="source">The file's name, for messages.</param>
    /// <returns>The schemes.</returns>
    /// <exception cref="ArgumentException">The text is not a valid scheme file; the message says where.</exception>
    public static IReadOnlyList<SegmentScheme> ReadSchemes(string json, string source = "schemes")
    {
        ArgumentNullException.ThrowIfNull(json);
        return [.. SchemeJson.Read(json, source).Select(s => s.Scheme)];
    }

    /// <summary>Reads a scheme file and fits it on a population; schemes the file already holds fitted (from <see cref="Save"/>) are fitted again only with <paramref name="refit"/>, using the file's fit as the previous one.</summary>
    /// <param name="json">The file's text.</param>
    /// <param name="population">The customers.</param>
    /// <param name="refit">Whether to refit schemes the file holds fitted.</param>
    /// <param name="source">The file's name, for messages.</param>
    /// <param name="cancellationToken">Stops the fit.</param>
    /// <returns>The segmentation.</returns>
    public static Segmenter FitJson(string json, IReadOnlyList<SegmentInput> population, bool refit = true, string source = "schemes", CancellationToken cancellationToken = default) =>
        FitCore(json, population, refit, source, null, cancellationToken);

    /// <summary>Reads a segmentation without a population: every scheme is either saved fitted or independent of the population (absolute cuts, rules).</summary>
    /// <param name="json">The file's text.</param>
    /// <param name="source">The file's name, for messages.</param>
    /// <param name="features">The features rule conditions may name (for example the feature builder's schema); optional.</param>
    /// <returns>The segmentation.</returns>
    /// <exception cref="ArgumentException">A scheme needs a population to fit (quantile cuts, RFM, k-means) and the file does not hold its fit.</exception>
    public static Segmenter FromJson(string json, string source = "schemes", FeatureSchema? features = null) => FitCore(json, [], refit: false, source, features, default);

    /// <summary>Reads a segmentation from a file (see <see cref="FromJson"/>).</summary>
    /// <param name="path">The file.</param>
    /// <param name="features">The features rule conditions may name; optional.</param>
    /// <returns>The segmentation.</returns>
    public static Segmenter Load(string path, FeatureSchema? features = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        return FromJson(File.ReadAllText(path), path, features);
    }

    private static Segmenter FitCore(string json, IReadOnlyList<SegmentInput> population, bool refit, string source, FeatureSchema? features, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(population);
        var fitted = new List<FittedScheme>();
        foreach (var (read, state) in SchemeJson.Read(json, source))
        {
            var scheme = read is RuleSegmentation r && features is not null ? r.WithFeatures(features) : read;
            var previous = state is { } s ? Restore(scheme, s, source) : null;
            fitted.Add(previous is not null && !refit ? previous : Wrap(source, scheme, () => scheme.Fit(population, previous, cancellationToken)));
        }

        return new Segmenter(fitted);
    }

    /// <summary>Writes the schemes with their fits, as JSON that <see cref="Load"/> and <see cref="FitJson"/> read.</summary>
    /// <returns>The JSON.</returns>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteStartArray("schemes");
            foreach (var s in Schemes)
            {
                SchemeJson.Write(w, s);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Saves <see cref="ToJson"/> to a file, atomically (a temporary file renamed over the target).</summary>
    /// <param name="path">The file.</param>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        Churn.Shared.AtomicText.Write(path, ToJson());
    }

    /// <inheritdoc />
    public string Segment(CustomerSnapshot snapshot, CustomerProfile? profile, RiskAssessment assessment)
    {
        ArgumentNullException.ThrowIfNull(assessment);
        return Schemes[0].Assign(new SegmentInput(assessment, snapshot, profile));
    }

    /// <summary>Places every customer in one segment per scheme and profiles the segments.</summary>
    /// <param name="inputs">The customers.</param>
    /// <param name="cancellationToken">Stops the work.</param>
    /// <returns>Per scheme, each customer's segment (in input order) and the profiles.</returns>
    public SegmentationResult Run(IReadOnlyList<SegmentInput> inputs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var results = new List<SchemeResult>(Schemes.Count);
        foreach (var scheme in Schemes)
        {
            var labels = new string[inputs.Count];
            Parallel.For(0, (inputs.Count + 4095) / 4096, new ParallelOptions { CancellationToken = cancellationToken }, b =>
            {
                var end = Math.Min(inputs.Count, (b + 1) * 4096);
                for (var i = b * 4096; i < end; i++)
                {
                    labels[i] = scheme.Assign(inputs[i]);
                }
            });
            results.Add(new SchemeResult(scheme, labels, SegmentProfiler.Profile(scheme, inputs, labels, cancellationToken)));
        }

        return new SegmentationResult(inputs.Count, results);
    }

    private static FittedScheme? Restore(SegmentScheme scheme, JsonElement state, string source) =>
        Wrap(source, scheme, () => scheme.ReadFitted(state));

    private static FittedScheme Wrap(string source, SegmentScheme scheme, Func<FittedScheme> fit)
    {
        try
        {
            return fit();
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException or KeyNotFoundException)
        {
            throw new ArgumentException($"{source}, scheme '{scheme.Id}': the saved fit is damaged ({ex.Message}).", ex);
        }
        catch (ArgumentException ex) when (!ex.Message.StartsWith(source, StringComparison.Ordinal))
        {
            throw new ArgumentException($"{source}, scheme '{scheme.Id}': {ex.Message}", ex);
        }
    }
}

/// <summary>What a segmentation found: per scheme, each customer's segment and the segments' profiles.</summary>
/// <param name="Customers">How many customers were placed.</param>
/// <param name="Schemes">The results, one per scheme.</param>
public sealed record SegmentationResult(int Customers, IReadOnlyList<SchemeResult> Schemes);

/// <summary>One scheme's result.</summary>
/// <param name="Scheme">The fitted scheme.</param>
/// <param name="Segments">Each customer's segment id, in input order.</param>
/// <param name="Profiles">The segments' profiles, largest first within the scheme's order.</param>
public sealed record SchemeResult(FittedScheme Scheme, IReadOnlyList<string> Segments, IReadOnlyList<SegmentProfile> Profiles);
