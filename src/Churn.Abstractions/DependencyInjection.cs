using Churn.Abstractions;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>The root of Churn.Sdk's registrations: every package adds its <c>AddXxx</c> extension methods to it (as OpenTelemetry's builder).</summary>
public interface IChurnBuilder
{
    /// <summary>Gets the services.</summary>
    IServiceCollection Services { get; }
}

/// <summary>Registers Churn.Sdk: <c>services.AddChurn(churn =&gt; churn.AddData().AddValue().AddRules(...).AddModeling(...).AddPipeline())</c>.</summary>
public static class ChurnServiceCollectionExtensions
{
    /// <summary>Adds Churn.Sdk's shared services (the system <see cref="TimeProvider"/> unless the host registered one, and the <see cref="RiskLevelPolicy"/>) and lets each package register its own.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Adds the packages.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddChurn(this IServiceCollection services, Action<IChurnBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var builder = new ChurnBuilder(services);
        builder.AddRiskLevels();
        configure(builder);
        return services;
    }

    /// <summary>Configures the risk-level policy (cut-offs and symptom levels).</summary>
    /// <param name="churn">The builder.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>The builder.</returns>
    public static IChurnBuilder AddRiskLevels(this IChurnBuilder churn, Action<RiskLevelPolicyOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(churn);
        var services = churn.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptionsWithValidateOnStart<RiskLevelPolicyOptions, RiskLevelPolicyOptionsValidator>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RiskLevelPolicyOptions>, RiskLevelPolicyOptionsRules>());
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton(sp => new RiskLevelPolicy(sp.GetRequiredService<IOptions<RiskLevelPolicyOptions>>()));
        return churn;
    }

    /// <summary>Configures any options type of a Churn.Sdk package (for example <c>churn.Configure&lt;LabelOptions&gt;(o =&gt; o.HorizonDays = 60)</c>); the package's start-up validation applies.</summary>
    /// <typeparam name="TOptions">The options type.</typeparam>
    /// <param name="churn">The builder.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>The builder.</returns>
    public static IChurnBuilder Configure<TOptions>(this IChurnBuilder churn, Action<TOptions> configure)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(churn);
        ArgumentNullException.ThrowIfNull(configure);
        churn.Services.Configure(configure);
        return churn;
    }

    private sealed record ChurnBuilder(IServiceCollection Services) : IChurnBuilder;
}
