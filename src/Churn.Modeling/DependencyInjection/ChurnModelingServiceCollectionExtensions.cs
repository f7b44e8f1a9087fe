using Churn.Abstractions;
using Churn.Modeling;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Churn.Modeling on the Churn.Sdk builder: the learners, the <see cref="LearnerCatalog"/>, the <see cref="ChurnModelTrainer"/> with validated options, and the model once given.</summary>
public static class ChurnModelingBuilderExtensions
{
    /// <summary>Adds the Churn.Modeling services with the built-in learners. Calling it twice is harmless; a host's own registrations win.</summary>
    /// <param name="churn">The builder.</param>
    /// <param name="configure">Configures the trainer (learners, folds, seed, tree settings, calibration).</param>
    /// <returns>The builder.</returns>
    public static IChurnBuilder AddModeling(this IChurnBuilder churn, Action<ChurnModelTrainerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(churn);
        var services = churn.Services;
        services.AddOptionsWithValidateOnStart<ChurnModelTrainerOptions, ChurnModelTrainerOptionsValidator>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ChurnModelTrainerOptions>, ChurnModelTrainerOptionsRules>());
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IChurnLearner, HistGradientBoostingLearner>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IChurnLearner, LogisticLearner>());
        services.TryAddSingleton(sp => new LearnerCatalog(sp.GetServices<IChurnLearner>()));
        services.TryAddSingleton(sp => new ChurnModelTrainer(sp.GetRequiredService<IOptions<ChurnModelTrainerOptions>>().Value, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<LearnerCatalog>()));
        return churn;
    }

    /// <summary>Adds a learner the trainer can blend and model files may hold.</summary>
    /// <typeparam name="T">The learner.</typeparam>
    /// <param name="churn">The builder.</param>
    /// <returns>The builder.</returns>
    public static IChurnBuilder AddLearner<T>(this IChurnBuilder churn)
        where T : class, IChurnLearner
    {
        ArgumentNullException.ThrowIfNull(churn);
        churn.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IChurnLearner, T>());
        return churn;
    }

    /// <summary>Loads a model file (with the registered learners) at first use and scores with it.</summary>
    /// <param name="churn">The builder.</param>
    /// <param name="path">The model file.</param>
    /// <returns>The builder.</returns>
    public static IChurnBuilder UseModelFile(this IChurnBuilder churn, string path)
    {
        ArgumentNullException.ThrowIfNull(churn);
        ArgumentException.ThrowIfNullOrEmpty(path);
        churn.Services.TryAddSingleton(sp => ChurnModel.Load(path, sp.GetService<LearnerCatalog>() ?? LearnerCatalog.Default));
        churn.Services.TryAddSingleton<IChurnScorer>(sp => sp.GetRequiredService<ChurnModel>());
        return churn;
    }

    /// <summary>Scores with a model already in memory.</summary>
    /// <param name="churn">The builder.</param>
    /// <param name="model">The model.</param>
    /// <returns>The builder.</returns>
    public static IChurnBuilder UseModel(this IChurnBuilder churn, ChurnModel model)
    {
        ArgumentNullException.ThrowIfNull(churn);
        ArgumentNullException.ThrowIfNull(model);
        churn.Services.TryAddSingleton(model);
        churn.Services.TryAddSingleton<IChurnScorer>(model);
        return churn;
    }
}
