using Churn.Data;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Options of the Churn.Data services.</summary>
public sealed class ChurnDataOptions
{
    /// <summary>Gets the feature windows and parallelism.</summary>
    public FeatureBuilderOptions Features { get; } = new();

    /// <summary>Gets the churn definition and horizon.</summary>
    public LabelOptions Labels { get; } = new();

    /// <summary>Gets the events CSV column mapping.</summary>
    public CsvEventReaderOptions EventsCsv { get; } = new();
}

/// <summary>Registers Churn.Data: <see cref="FeatureBuilder"/>, <see cref="LabelBuilder"/> and <see cref="CsvEventReader"/>.</summary>
public static class ChurnDataServiceCollectionExtensions
{
    /// <summary>Adds the Churn.Data services. Calling it twice is harmless; a host's own registrations win.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>A builder for follow-up registrations such as <see cref="AddFeature{T}"/>.</returns>
    public static IChurnDataBuilder AddChurnData(this IServiceCollection services, Action<ChurnDataOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<ChurnDataOptions>()
            .Configure(configure ?? (_ => { }))
            .Validate(
                o =>
                {
                    try
                    {
                        o.Features.Validate();
                        _ = new LabelBuilder(o.Labels);
                        return true;
                    }
                    catch (ArgumentException)
                    {
                        return false;
                    }
                },
                "ChurnDataOptions are invalid: feature windows must be distinct and within 1..3650 days, the label horizon positive.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new FeatureBuilder(sp.GetRequiredService<IOptions<ChurnDataOptions>>().Value.Features, sp.GetServices<IFeatureDefinition>()));
        services.TryAddSingleton(sp => new LabelBuilder(sp.GetRequiredService<IOptions<ChurnDataOptions>>().Value.Labels));
        services.TryAddSingleton(sp => new CsvEventReader(sp.GetRequiredService<IOptions<ChurnDataOptions>>().Value.EventsCsv));
        return new ChurnDataBuilder(services);
    }

    /// <summary>Adds a host feature definition to every snapshot.</summary>
    /// <typeparam name="T">The feature type.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IChurnDataBuilder AddFeature<T>(this IChurnDataBuilder builder)
        where T : class, IFeatureDefinition
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IFeatureDefinition, T>());
        return builder;
    }
}

/// <summary>Follow-up registrations for Churn.Data.</summary>
public interface IChurnDataBuilder
{
    /// <summary>Gets the services.</summary>
    IServiceCollection Services { get; }
}

internal sealed record ChurnDataBuilder(IServiceCollection Services) : IChurnDataBuilder;
