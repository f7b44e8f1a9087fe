using System.Globalization;

namespace Churn.Segmentation;

/// <summary>
/// A property of the customer that any scheme can be crossed with (preferred channel, contact
/// consent, language, region, age band, or any profile attribute), so that each group gets the
/// channel and the tone that suit it. A missing value is <c>unknown</c>.
/// </summary>
public sealed class SegmentDimension
{
    private readonly Func<SegmentInput, string?> _valueOf;

    private SegmentDimension(string spec, Func<SegmentInput, string?> valueOf)
    {
        Spec = spec;
        _valueOf = valueOf;
    }

    /// <summary>Gets how the dimension is written in a scheme file, for example <c>preferred_channel</c> or <c>attribute:plan</c>.</summary>
    public string Spec { get; }

    /// <summary>Gets the customer's first preferred channel (<c>none</c> when the profile lists none).</summary>
    /// <returns>The dimension.</returns>
    public static SegmentDimension PreferredChannel() => new("preferred_channel", i => i.Profile is null ? null : i.Text("preferred_channel") ?? "none");

    /// <summary>Gets whether the customer agreed to be contacted (<c>consent</c> or <c>no-consent</c>).</summary>
    /// <returns>The dimension.</returns>
    public static SegmentDimension ContactConsent() => new("contact_consent", i => i.Profile is null ? null : i.Profile.ContactConsent ? "consent" : "no-consent");

    /// <summary>Gets the profile's <c>language</c> attribute.</summary>
    /// <returns>The dimension.</returns>
    public static SegmentDimension Language() => Attribute("language", "language");

    /// <summary>Gets the profile's <c>region</c> attribute.</summary>
    /// <returns>The dimension.</returns>
    public static SegmentDimension Region() => Attribute("region", "region");

    /// <summary>Gets the age band: from a numeric <c>age</c> attribute (bands 18-24, 25-34, 35-44, 45-54, 55-64, 65+, under-18), else the <c>age_band</c> attribute as given.</summary>
    /// <returns>The dimension.</returns>
    public static SegmentDimension AgeBand() => new("age_band", i =>
    {
        if (i.Profile is null)
        {
            return null;
        }

        if (i.Profile.Attributes.TryGetValue("age", out var text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var age) && double.IsFinite(age))
        {
            return age switch
            {
                < 18 => "under-18",
                < 25 => "18-24",
                < 35 => "25-34",
                < 45 => "35-44",
                < 55 => "45-54",
                < 65 => "55-64",
                _ => "65+",
            };
        }

        return i.Profile.Attributes.TryGetValue("age_band", out var band) ? band : null;
    });

    /// <summary>Gets any profile attribute.</summary>
    /// <param name="name">The attribute's name.</param>
    /// <returns>The dimension.</returns>
    public static SegmentDimension Attribute(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return Attribute("attribute:" + name, name);
    }

    /// <summary>Reads a dimension as written in a scheme file.</summary>
    /// <param name="spec"><c>preferred_channel</c>, <c>contact_consent</c>, <c>language</c>, <c>region</c>, <c>age_band</c> or <c>attribute:NAME</c>.</param>
    /// <returns>The dimension.</returns>
    /// <exception cref="ArgumentException">The spec is none of these.</exception>
    public static SegmentDimension Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec switch
        {
            "preferred_channel" => PreferredChannel(),
            "contact_consent" => ContactConsent(),
            "language" => Language(),
            "region" => Region(),
            "age_band" => AgeBand(),
            _ when spec.StartsWith("attribute:", StringComparison.Ordinal) && spec.Length > "attribute:".Length => Attribute(spec["attribute:".Length..]),
            _ => throw new ArgumentException($"'{spec}' is not a dimension: use preferred_channel, contact_consent, language, region, age_band or attribute:NAME.", nameof(spec)),
        };
    }

    /// <summary>Gets the customer's value of the dimension, made safe for a segment id (lower case, no '/', no spaces).</summary>
    /// <param name="input">The customer.</param>
    /// <returns>The value; <c>unknown</c> when missing.</returns>
    public string ValueOf(SegmentInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var value = _valueOf(input);
        if (string.IsNullOrWhiteSpace(value))
        {
            return "unknown";
        }

        Span<char> buffer = value.Length <= 128 ? stackalloc char[value.Length] : new char[value.Length];
        var s = value.AsSpan().Trim();
        var n = 0;
        foreach (var c in s)
        {
            buffer[n++] = c is '/' || char.IsWhiteSpace(c) ? '-' : char.ToLowerInvariant(c);
        }

        return new string(buffer[..n]);
    }

    /// <inheritdoc />
    public override string ToString() => Spec;

    private static SegmentDimension Attribute(string spec, string name) => new(spec, i => i.Profile is not null && i.Profile.Attributes.TryGetValue(name, out var v) ? v : null);
}
