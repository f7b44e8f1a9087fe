using Churn.Abstractions;
using Churn.Value;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Options of the Churn.Value services.</summary>
public sealed class ChurnValueOptions
{
    /// <summary>Gets the historical value settings (cost ratio, basis, currency).</summary>
    public HistoricalValueOptions Historical { get; } = new();

    /// <summary>Gets or sets the CLV horizon, discounting and margin.</summary>
    public ClvOptions Clv { get; set; } = new();

    /// <summary>Gets the model-fit tolerances.</summary>
    public FitOptions Fit { get; } = new();

    /// <summary>Gets or sets the number of RFM score levels.</summary>
    /// <value>The default is 5.</value>
    public int RfmBins { get; set; } = 5;
}

/// <summary>Registers Churn.Value: the default <see cref="ICustomerValueCalculator"/> and the RFM scorer.</summary>
public static class ChurnValueServiceCollectionExtensions
{
    /// <summary>Adds the Churn.Value services. Calling it twice is harmless; a host's own <see cref="ICustomerValueCalculator"/> wins.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>A builder for follow-up registrations.</returns>
    public static IChurnValueBuilder AddChurnValue(this IServiceCollection services, Action<ChurnValueOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<ChurnValueOptions>()
            .Configure(configure ?? (_ => { }))
            .Validate(
                o =>
                {
                    try
                    {
                        o.Clv.Validate();
                        return o.Historical.CostRatio >= 0 && o.RfmBins is >= 2 and <= 10 && o.Fit.GradientTolerance > 0 && o.Fit.MaxIterations > 0;
                    }
                    catch (ArgumentException)
                    {
                        return false;
                    }
                },
                "ChurnValueOptions are invalid: CLV periods, period length, discount rate (> -1) and margin (0..1), a non-negative cost ratio, 2..10 RFM bins and positive fit tolerances are required.")
            .ValidateOnStart();
        services.TryAddSingleton<ICustomerValueCalculator>(sp => new HistoricalValueCalculator(sp.GetRequiredService<IOptions<ChurnValueOptions>>().Value.Historical));
        services.TryAddSingleton(sp => new RfmScorer(sp.GetRequiredService<IOptions<ChurnValueOptions>>().Value.RfmBins));
        return new ChurnValueBuilder(services);
    }

    /// <summary>Replaces the value formula with the host's own.</summary>
    /// <typeparam name="T">The calculator.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IChurnValueBuilder UseCalculator<T>(this IChurnValueBuilder builder)
        where T : class, ICustomerValueCalculator
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Replace(ServiceDescriptor.Singleton<ICustomerValueCalculator, T>());
        return builder;
    }
}

/// <summary>Follow-up registrations for Churn.Value.</summary>
public interface IChurnValueBuilder
{
    /// <summary>Gets the services.</summary>
    IServiceCollection Services { get; }
}

internal sealed record ChurnValueBuilder(IServiceCollection Services) : IChurnValueBuilder;
