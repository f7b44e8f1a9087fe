using Churn.Abstractions;
using Churn.Data;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Churn.Data on the Churn.Sdk builder: <see cref="FeatureBuilder"/> (and its <see cref="FeatureSchema"/>), <see cref="LabelBuilder"/> and <see cref="CsvEventReader"/>, each with its own validated options.</summary>
public static class ChurnDataBuilderExtensions
{
    /// <summary>Adds the Churn.Data services. Calling it twice is harmless; a host's own registrations win.</summary>
    /// <param name="churn">The builder.</param>
    /// <param name="configure">Configures the feature windows and parallelism.</param>
    /// <returns>The builder.</returns>
    public static IChurnBuilder AddData(this IChurnBuilder churn, Action<FeatureBuilderOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(churn);
        var services = churn.Services;
        services.AddOptionsWithValidateOnStart<FeatureBuilderOptions, FeatureBuilderOptionsValidator>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FeatureBuilderOptions>, FeatureBuilderOptionsRules>());
        services.AddOptionsWithValidateOnStart<LabelOptions, LabelOptionsValidator>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LabelOptions>, LabelOptionsRules>());
        services.AddOptions<CsvEventReaderOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CsvEventReaderOptions>, CsvEventReaderOptionsRules>());
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new FeatureBuilder(sp.GetRequiredService<IOptions<FeatureBuilderOptions>>().Value, sp.GetServices<IFeatureDefinition>()));
        services.TryAddSingleton(sp => sp.GetRequiredService<FeatureBuilder>().Schema);
        services.TryAddSingleton(sp => new LabelBuilder(sp.GetRequiredService<IOptions<LabelOptions>>().Value));
        services.TryAddSingleton(sp => new CsvEventReader(sp.GetRequiredService<IOptions<CsvEventReaderOptions>>().Value));
        return churn;
    }

    /// <summary>Adds a host feature definition to every snapshot.</summary>
    /// <typeparam name="T">The feature type.</typeparam>
    /// <param name="churn">The builder.</param>
    /// <returns>The builder.</returns>
    public static IChurnBuilder AddFeature<T>(this IChurnBuilder churn)
        where T : class, IFeatureDefinition
    {
        ArgumentNullException.ThrowIfNull(churn);
        churn.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IFeatureDefinition, T>());
        return churn;
    }
}
