using System.Globalization;
using Churn.Abstractions;

namespace Churn.Segmentation;

/// <summary>
/// One assessed customer as a segmentation scheme reads it: the assessment, and when known the
/// customer's features (snapshot), profile (preferences, demographics) and whether they churned.
/// </summary>
/// <remarks>
/// Schemes read values by name through <see cref="Number"/> and <see cref="Text"/>. Besides the
/// snapshot's features and the profile's attributes, these names are always there:
/// <list type="bullet">
/// <item><c>probability</c>: the churn probability (missing when not scored);</item>
/// <item><c>value</c>: the predicted value when known, else the historical one; <c>value_historical</c>, <c>value_predicted</c>, <c>p_alive</c>;</item>
/// <item><c>critical_symptoms</c>, <c>minor_symptoms</c>, <c>recapitulative</c> (1 when the minor symptoms add up);</item>
/// <item>texts <c>level</c>, <c>owner</c>, <c>preferred_channel</c> and <c>contact_consent</c> (<c>yes</c> / <c>no</c>).</item>
/// </list>
/// </remarks>
public sealed class SegmentInput
{
    /// <summary>The names every input has, numbers first.</summary>
    internal static readonly string[] BuiltInNumbers = ["probability", "value", "value_historical", "value_predicted", "p_alive", "critical_symptoms", "minor_symptoms", "recapitulative"];

    /// <summary>The text names every input has.</summary>
    internal static readonly string[] BuiltInTexts = ["level", "owner", "preferred_channel", "contact_consent"];

    /// <summary>Initializes a new instance of the <see cref="SegmentInput"/> class.</summary>
    /// <param name="assessment">The customer's assessment.</param>
    /// <param name="snapshot">The customer's features, if known.</param>
    /// <param name="profile">The customer's profile, if known.</param>
    /// <exception cref="ArgumentException">The snapshot or the profile is another customer's.</exception>
    public SegmentInput(RiskAssessment assessment, CustomerSnapshot? snapshot = null, CustomerProfile? profile = null)
    {
        ArgumentNullException.ThrowIfNull(assessment);
        if (snapshot is not null && snapshot.CustomerId != assessment.CustomerId)
        {
            throw new ArgumentException($"The snapshot is customer '{snapshot.CustomerId}''s, the assessment '{assessment.CustomerId}''s.", nameof(snapshot));
        }

        if (profile is not null && profile.Id != assessment.CustomerId)
        {
            throw new ArgumentException($"The profile is customer '{profile.Id}''s, the assessment '{assessment.CustomerId}''s.", nameof(profile));
        }

        Assessment = assessment;
        Snapshot = snapshot;
        Profile = profile;
    }

    /// <summary>Gets the customer.</summary>
    public CustomerId CustomerId => Assessment.CustomerId;

    /// <summary>Gets the assessment.</summary>
    public RiskAssessment Assessment { get; }

    /// <summary>Gets the customer's features, if known.</summary>
    public CustomerSnapshot? Snapshot { get; }

    /// <summary>Gets the customer's profile, if known.</summary>
    public CustomerProfile? Profile { get; }

    /// <summary>Gets whether the customer went on to churn, when known (for the churn rate of each segment).</summary>
    public bool? Churned { get; init; }

    /// <summary>Gets the churn probability, NaN when not scored.</summary>
    public double Probability => Assessment.Probability?.Value ?? double.NaN;

    /// <summary>Gets the customer's value: the predicted value when known, else the historical one; 0 when neither is.</summary>
    public double Value => Assessment.Value is { } v ? (double)(v.Predicted ?? v.Historical) : 0;

    /// <summary>Gets a number by name: a built-in (see remarks), a feature of the snapshot, or an attribute of the profile that reads as a number.</summary>
    /// <param name="name">The name.</param>
    /// <returns>The number; NaN when missing.</returns>
    public double Number(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        switch (name)
        {
            case "probability": return Probability;
            case "value": return Value;
            case "value_historical": return Assessment.Value is { } h ? (double)h.Historical : double.NaN;
            case "value_predicted": return Assessment.Value?.Predicted is { } p ? (double)p : double.NaN;
            case "p_alive": return Assessment.Value?.PAlive ?? double.NaN;
            case "critical_symptoms": return Count(SymptomSeverity.Critical);
            case "minor_symptoms": return Count(SymptomSeverity.Minor);
            case "recapitulative": return Count(SymptomSeverity.Recapitulative) > 0 ? 1 : 0;
        }

        if (Snapshot is not null && Snapshot.TryGetValue(name, out var value))
        {
            return value;
        }

        return Profile is not null && Profile.Attributes.TryGetValue(name, out var text)
            && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) ? parsed : double.NaN;
    }

    /// <summary>Gets a text by name: a built-in (see remarks) or an attribute of the profile.</summary>
    /// <param name="name">The name.</param>
    /// <returns>The text; null when missing.</returns>
    public string? Text(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name switch
        {
            "level" => RiskLevelPolicy.Name(Assessment.Level),
            "owner" => Profile?.Owner ?? Assessment.Owner,
            "preferred_channel" => Profile is { PreferredChannels.Count: > 0 } p ? p.PreferredChannels[0] : null,
            "contact_consent" => Profile is null ? null : Profile.ContactConsent ? "yes" : "no",
            _ => Profile is not null && Profile.Attributes.TryGetValue(name, out var s) ? s : null,
        };
    }

    private int Count(SymptomSeverity severity)
    {
        var n = 0;
        foreach (var s in Assessment.Symptoms)
        {
            if (s.Severity == severity)
            {
                n++;
            }
        }

        return n;
    }
}
