using Churn.Interventions;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Churn.Interventions on the root builder.</summary>
public static class InterventionsServiceCollectionExtensions
{
    /// <summary>Adds the <see cref="Holdout"/> (singleton) with its options, validated when the host starts.</summary>
    /// <param name="churn">The root builder.</param>
    /// <param name="configure">Sets the key, the share and the period, for example <c>o =&gt; o.Key = config["Holdout:Key"]</c>.</param>
    /// <returns>The builder.</returns>
    public static IChurnBuilder AddInterventions(this IChurnBuilder churn, Action<HoldoutOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(churn);
        ArgumentNullException.ThrowIfNull(configure);
        churn.Services.AddOptions<HoldoutOptions>().Configure(configure).ValidateOnStart();
        churn.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HoldoutOptions>, HoldoutOptionsValidator>());
        churn.Services.TryAddSingleton<Holdout>();
        return churn;
    }
}
