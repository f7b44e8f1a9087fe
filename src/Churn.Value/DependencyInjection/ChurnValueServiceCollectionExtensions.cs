using Churn.Abstractions;
using Churn.Value;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Churn.Value on the Churn.Sdk builder: the default <see cref="ICustomerValueCalculator"/>, the <see cref="ClvEstimator"/> and the <see cref="RfmScorer"/>, each options type validated on its own.</summary>
public static class ChurnValueBuilderExtensions
{
    /// <summary>Adds the Churn.Value services. Calling it twice is harmless; a host's own <see cref="ICustomerValueCalculator"/> wins.</summary>
    /// <param name="churn">The builder.</param>
    /// <param name="configure">Configures the historical value (cost ratio, basis, currency).</param>
    /// <returns>The builder.</returns>
    public static IChurnBuilder AddValue(this IChurnBuilder churn, Action<HistoricalValueOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(churn);
        var services = churn.Services;
        services.AddOptions<HistoricalValueOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HistoricalValueOptions>, HistoricalValueOptionsRules>());
        services.AddOptionsWithValidateOnStart<ClvOptions, ClvOptionsValidator>();
        services.AddOptionsWithValidateOnStart<FitOptions, FitOptionsValidator>();
        services.AddOptionsWithValidateOnStart<ValueModelOptions, ValueModelOptionsValidator>();
        services.AddOptionsWithValidateOnStart<RfmOptions, RfmOptionsValidator>();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton<HistoricalValueCalculator>(sp => new HistoricalValueCalculator(sp.GetRequiredService<IOptions<HistoricalValueOptions>>()));
        services.TryAddSingleton<ICustomerValueCalculator>(sp => sp.GetRequiredService<HistoricalValueCalculator>());
        services.TryAddSingleton(sp => new ClvEstimator(sp.GetRequiredService<IOptions<ClvOptions>>(), sp.GetRequiredService<IOptions<FitOptions>>(), sp.GetRequiredService<IOptions<ValueModelOptions>>()));
        services.TryAddSingleton(sp => new RfmScorer(sp.GetRequiredService<IOptions<RfmOptions>>()));
        return churn;
    }

    /// <summary>Replaces the value formula with the host's own.</summary>
    /// <typeparam name="T">The calculator.</typeparam>
    /// <param name="churn">The builder.</param>
    /// <returns>The builder.</returns>
    public static IChurnBuilder UseValueCalculator<T>(this IChurnBuilder churn)
        where T : class, ICustomerValueCalculator
    {
        ArgumentNullException.ThrowIfNull(churn);
        churn.Services.Replace(ServiceDescriptor.Singleton<ICustomerValueCalculator, T>());
        return churn;
    }
}
