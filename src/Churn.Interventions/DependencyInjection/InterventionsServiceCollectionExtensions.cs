using Churn.Abstractions;
using Churn.Interventions;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Churn.Interventions on the root builder.</summary>
public static class InterventionsServiceCollectionExtensions
{
    /// <summary>
    /// Adds the <see cref="Holdout"/> and, when playbooks and offers are given, the
    /// <see cref="InterventionPlanner"/> (also the <see cref="IInterventionPolicy"/>) and the
    /// <see cref="InterventionService"/> (over the registered <see cref="IInterventionStore"/>,
    /// <see cref="TimeProvider"/> (the system clock when none), <see cref="IPollSender"/> and
    /// <see cref="IEventStore"/>, and an <see cref="IUpliftEstimator"/> when one is registered), and an
    /// <see cref="AlertInbox"/> as an <see cref="IAlertSink"/> so the monitor's alerts reach the next plan; all
    /// singletons; options are validated when the host starts.
    /// </summary>
    /// <param name="churn">The root builder.</param>
    /// <param name="holdout">Sets the holdout's key, share and period, for example <c>o =&gt; o.Key = config["Holdout:Key"]</c>.</param>
    /// <param name="configure">Sets the playbooks and offers (files or objects); none: the holdout only.</param>
    /// <returns>The builder.</returns>
    public static IChurnBuilder AddInterventions(this IChurnBuilder churn, Action<HoldoutOptions> holdout, Action<InterventionOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(churn);
        ArgumentNullException.ThrowIfNull(holdout);
        var services = churn.Services;
        services.AddOptions<HoldoutOptions>().Configure(holdout).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HoldoutOptions>, HoldoutOptionsValidator>());
        services.TryAddSingleton<Holdout>();
        if (configure is null)
        {
            return churn;
        }

        services.AddOptions<InterventionOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<InterventionOptions>, InterventionOptionsRules>());
        services.TryAddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<InterventionOptions>>().Value;
            return new InterventionPlanner(o.LoadPlaybooks(), o.LoadOffers(), sp.GetRequiredService<Holdout>(), sp.GetService<IUpliftEstimator>());
        });
        services.TryAddSingleton<IInterventionPolicy>(sp => sp.GetRequiredService<InterventionPlanner>());
        services.TryAddSingleton<AlertInbox>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAlertSink, AlertInbox>(sp => sp.GetRequiredService<AlertInbox>()));
        services.TryAddSingleton(sp => new InterventionService(
            sp.GetRequiredService<InterventionPlanner>(),
            sp.GetRequiredService<IInterventionStore>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetService<IPollSender>(),
            sp.GetService<IEventStore>(),
            sp.GetRequiredService<AlertInbox>()));
        return churn;
    }
}
