using System.Text.Json;
using System.Text.RegularExpressions;

namespace Churn.Segmentation;

/// <summary>A segment: a stable id (what files and code refer to) and a name people read.</summary>
/// <param name="Id">The id, for example <c>protect</c>.</param>
/// <param name="Name">The name, for example "Protect: high value, high risk".</param>
public sealed record SegmentInfo(string Id, string Name);

/// <summary>
/// A way of placing every customer in exactly one segment. A scheme is a definition; some depend
/// on the population (quantile cut points, RFM score boundaries, k-means centroids), so a scheme is
/// first fitted on a population, and the <see cref="FittedScheme"/> then places any customer,
/// alone or in bulk.
/// </summary>
public abstract partial class SegmentScheme
{
    /// <summary>Initializes a new instance of the <see cref="SegmentScheme"/> class.</summary>
    /// <param name="id">The scheme's id: letters, digits, '-' and '_'.</param>
    /// <exception cref="ArgumentException">The id is empty or has other characters.</exception>
    protected SegmentScheme(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (!IdPattern().IsMatch(id))
        {
            throw new ArgumentException($"Scheme id '{id}': use letters, digits, '-' and '_' (1 to 64 of them).", nameof(id));
        }

        Id = id;
    }

    /// <summary>Gets the scheme's id (a column name in the segments file).</summary>
    public string Id { get; }

    /// <summary>Gets the dimensions the scheme is crossed with (preferred channel, consent, language, region, age band): a customer in "protect" who prefers e-mail is in <c>protect/email</c>.</summary>
    public IReadOnlyList<SegmentDimension> CrossWith { get; init; } = [];

    /// <summary>Gets the kind of scheme as written in JSON (<c>value-risk</c>, <c>rfm</c>, <c>rules</c>, <c>kmeans</c>).</summary>
    public abstract string Kind { get; }

    /// <summary>Fits the scheme on a population.</summary>
    /// <param name="population">The customers; may be empty for schemes that do not depend on the population.</param>
    /// <param name="previous">The same scheme fitted earlier, if any: k-means keeps the ids of the clusters it finds again.</param>
    /// <param name="cancellationToken">Stops the fit.</param>
    /// <returns>The fitted scheme.</returns>
    public abstract FittedScheme Fit(IReadOnlyList<SegmentInput> population, FittedScheme? previous = null, CancellationToken cancellationToken = default);

    /// <summary>Writes the definition's own fields (after <c>id</c> and <c>type</c>).</summary>
    /// <param name="writer">The writer.</param>
    internal abstract void WriteDefinition(Utf8JsonWriter writer);

    /// <summary>Reads what <see cref="FittedScheme.WriteFitted"/> wrote.</summary>
    /// <param name="fitted">The <c>fitted</c> object.</param>
    /// <returns>The fitted scheme.</returns>
    internal abstract FittedScheme ReadFitted(JsonElement fitted);

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex IdPattern();
}

/// <summary>A scheme fitted on a population: places any customer in one of its segments.</summary>
/// <remarks>Immutable and safe to use from several threads.</remarks>
public abstract class FittedScheme
{
    /// <summary>Initializes a new instance of the <see cref="FittedScheme"/> class.</summary>
    /// <param name="scheme">The scheme.</param>
    protected FittedScheme(SegmentScheme scheme)
    {
        ArgumentNullException.ThrowIfNull(scheme);
        Scheme = scheme;
    }

    /// <summary>Gets the scheme.</summary>
    public SegmentScheme Scheme { get; }

    /// <summary>Gets the scheme's id.</summary>
    public string Id => Scheme.Id;

    /// <summary>Gets the scheme's own segments, before crossing with any dimension.</summary>
    public abstract IReadOnlyList<SegmentInfo> Segments { get; }

    /// <summary>Gets the segment a customer belongs to, crossed with the scheme's dimensions (for example <c>protect/email</c>).</summary>
    /// <param name="input">The customer.</param>
    /// <returns>The segment's id.</returns>
    public string Assign(SegmentInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var id = BaseSegment(input);
        var dimensions = Scheme.CrossWith;
        if (dimensions.Count == 0)
        {
            return id;
        }

        var parts = new string[dimensions.Count + 1];
        parts[0] = id;
        for (var d = 0; d < dimensions.Count; d++)
        {
            parts[d + 1] = dimensions[d].ValueOf(input);
        }

        return string.Join('/', parts);
    }

    /// <summary>Gets the segment of a customer in the scheme's own segments (no crossing).</summary>
    /// <param name="input">The customer.</param>
    /// <returns>The id of one of <see cref="Segments"/>.</returns>
    public abstract string BaseSegment(SegmentInput input);

    /// <summary>Gets the name of a segment id (crossed ids are named "base name / value / value").</summary>
    /// <param name="segmentId">The id.</param>
    /// <returns>The name; the id itself when unknown.</returns>
    public string NameOf(string segmentId)
    {
        ArgumentNullException.ThrowIfNull(segmentId);
        var slash = segmentId.IndexOf('/', StringComparison.Ordinal);
        var baseId = slash < 0 ? segmentId : segmentId[..slash];
        var name = baseId;
        foreach (var s in Segments)
        {
            if (s.Id == baseId)
            {
                name = s.Name;
                break;
            }
        }

        return slash < 0 ? name : name + " / " + segmentId[(slash + 1)..].Replace("/", " / ", StringComparison.Ordinal);
    }

    /// <summary>Writes the fitted parameters (cut points, boundaries, centroids) so that <see cref="Segmenter.Load"/> can use the scheme without refitting.</summary>
    /// <param name="writer">The writer.</param>
    internal abstract void WriteFitted(Utf8JsonWriter writer);
}
