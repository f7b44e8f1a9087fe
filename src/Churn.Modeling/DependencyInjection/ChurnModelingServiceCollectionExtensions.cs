using Churn.Abstractions;
using Churn.Modeling;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Churn.Modeling: the trainer, and the scorer once a model is given.</summary>
public static class ChurnModelingServiceCollectionExtensions
{
    /// <summary>Adds the Churn.Modeling services. Calling it twice is harmless; a host's own registrations win.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the risk-level thresholds.</param>
    /// <returns>A builder: give the model with <see cref="UseModelFile"/> or <see cref="UseModel"/>.</returns>
    public static IChurnModelingBuilder AddChurnModeling(this IServiceCollection services, Action<RiskLevelOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<RiskLevelOptions>().Configure(configure ?? (_ => { })).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RiskLevelOptions>, RiskLevelOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new ChurnModelTrainer(new ChurnModelTrainerOptions(), sp.GetRequiredService<TimeProvider>()));
        return new ChurnModelingBuilder(services);
    }

    /// <summary>Loads a model file at start and scores with it.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="path">The model file.</param>
    /// <returns>The builder.</returns>
    public static IChurnModelingBuilder UseModelFile(this IChurnModelingBuilder builder, string path)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(path);
        builder.Services.TryAddSingleton(_ => ChurnModel.Load(path));
        return AddScorer(builder);
    }

    /// <summary>Scores with a model already in memory.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="model">The model.</param>
    /// <returns>The builder.</returns>
    public static IChurnModelingBuilder UseModel(this IChurnModelingBuilder builder, ChurnModel model)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(model);
        builder.Services.TryAddSingleton(model);
        return AddScorer(builder);
    }

    private static IChurnModelingBuilder AddScorer(IChurnModelingBuilder builder)
    {
        builder.Services.TryAddSingleton<ChurnScorer>();
        builder.Services.TryAddSingleton<IChurnScorer>(sp => sp.GetRequiredService<ChurnScorer>());
        return builder;
    }
}

/// <summary>Follow-up registrations for Churn.Modeling.</summary>
public interface IChurnModelingBuilder
{
    /// <summary>Gets the services.</summary>
    IServiceCollection Services { get; }
}

internal sealed record ChurnModelingBuilder(IServiceCollection Services) : IChurnModelingBuilder;
