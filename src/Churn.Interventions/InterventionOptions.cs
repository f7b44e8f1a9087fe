using Microsoft.Extensions.Options;

namespace Churn.Interventions;

/// <summary>Where the planner's playbooks and offers come from: a file or an object each.</summary>
public sealed class InterventionOptions
{
    /// <summary>Gets or sets the playbooks file (JSON, see docs/interventions.md).</summary>
    public string? PlaybooksFile { get; set; }

    /// <summary>Gets or sets the playbooks, built in code.</summary>
    public PlaybookSet? Playbooks { get; set; }

    /// <summary>Gets or sets the offers file (JSON).</summary>
    public string? OffersFile { get; set; }

    /// <summary>Gets or sets the offer catalogue, built in code.</summary>
    public OfferCatalog? Offers { get; set; }

    internal PlaybookSet LoadPlaybooks() => Playbooks ?? PlaybookSet.Parse(File.ReadAllText(PlaybooksFile!), PlaybooksFile);

    internal OfferCatalog LoadOffers() => Offers ?? OfferCatalog.Parse(File.ReadAllText(OffersFile!), OffersFile);
}

internal sealed class InterventionOptionsRules : IValidateOptions<InterventionOptions>
{
    public ValidateOptionsResult Validate(string? name, InterventionOptions options)
    {
        var errors = new List<string>();
        if ((options.PlaybooksFile is null) == (options.Playbooks is null))
        {
            errors.Add($"{nameof(InterventionOptions.PlaybooksFile)} / {nameof(InterventionOptions.Playbooks)}: set exactly one.");
        }
        else if (options.PlaybooksFile is { } p && !File.Exists(p))
        {
            errors.Add($"{nameof(InterventionOptions.PlaybooksFile)}: '{p}' does not exist.");
        }

        if ((options.OffersFile is null) == (options.Offers is null))
        {
            errors.Add($"{nameof(InterventionOptions.OffersFile)} / {nameof(InterventionOptions.Offers)}: set exactly one.");
        }
        else if (options.OffersFile is { } o && !File.Exists(o))
        {
            errors.Add($"{nameof(InterventionOptions.OffersFile)}: '{o}' does not exist.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
