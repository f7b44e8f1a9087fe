using Churn.Abstractions;
using Churn.Segmentation;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Options of the registered <see cref="Segmenter"/>: a segmentation file, or schemes that need no population.</summary>
public sealed class SegmentationOptions
{
    /// <summary>Gets or sets a segmentation file: saved by <see cref="Segmenter.Save"/> (fitted schemes), or a scheme file whose schemes need no population (absolute cuts, rules).</summary>
    public string? File { get; set; }

    /// <summary>Gets the schemes, when no file is given; each must fit without a population (absolute cuts, rules with their <see cref="RuleSegmentation.Features"/>).</summary>
    public IList<SegmentScheme> Schemes { get; } = [];
}

/// <summary>Checks that the options name one source and that it gives a usable segmentation, at start-up.</summary>
internal sealed class SegmentationOptionsValidator : IValidateOptions<SegmentationOptions>
{
    public ValidateOptionsResult Validate(string? name, SegmentationOptions options)
    {
        if ((options.File is null) == (options.Schemes.Count == 0))
        {
            return ValidateOptionsResult.Fail("Segmenter: give either File or Schemes (one of them).");
        }

        try
        {
            // The file must exist and parse; fitting waits for the feature schema (rules may name features).
            _ = options.File is { } file ? Segmenter.ReadSchemes(System.IO.File.ReadAllText(file), file) : null;
            return ValidateOptionsResult.Success;
        }
        catch (Exception ex) when (ex is ArgumentException or IOException or UnauthorizedAccessException or SegmentRuleException)
        {
            return ValidateOptionsResult.Fail("Segmenter: " + ex.Message);
        }
    }
}

/// <summary>Registers Churn.Segmentation on the Churn.Sdk builder: a <see cref="Segmenter"/>, also as the pipeline's <see cref="ISegmenter"/>.</summary>
public static class ChurnSegmentationBuilderExtensions
{
    /// <summary>Adds a segmentation from options (a file or population-free schemes), validated at start-up.</summary>
    /// <param name="churn">The builder.</param>
    /// <param name="configure">Configures the options, for example <c>o =&gt; o.File = "segments.json"</c>.</param>
    /// <returns>The builder.</returns>
    public static IChurnBuilder AddSegmentation(this IChurnBuilder churn, Action<SegmentationOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(churn);
        ArgumentNullException.ThrowIfNull(configure);
        var services = churn.Services;
        services.AddOptions<SegmentationOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SegmentationOptions>, SegmentationOptionsValidator>());
        services.TryAddSingleton(sp => Build(sp.GetRequiredService<IOptions<SegmentationOptions>>().Value, sp.GetService<FeatureSchema>()));
        services.TryAddSingleton<ISegmenter>(sp => sp.GetRequiredService<Segmenter>());
        return churn;
    }

    /// <summary>Adds a segmentation fitted by the host.</summary>
    /// <param name="churn">The builder.</param>
    /// <param name="segmentation">The segmentation.</param>
    /// <returns>The builder.</returns>
    public static IChurnBuilder AddSegmentation(this IChurnBuilder churn, Segmenter segmentation)
    {
        ArgumentNullException.ThrowIfNull(churn);
        ArgumentNullException.ThrowIfNull(segmentation);
        churn.Services.TryAddSingleton(segmentation);
        churn.Services.TryAddSingleton<ISegmenter>(sp => sp.GetRequiredService<Segmenter>());
        return churn;
    }

    private static Segmenter Build(SegmentationOptions options, FeatureSchema? features) =>
        options.File is { } file
            ? Segmenter.Load(file, features)
            : Segmenter.Fit(options.Schemes.Select(s => s is RuleSegmentation r && r.Features is null && features is not null ? r.WithFeatures(features) : s), []);
}
