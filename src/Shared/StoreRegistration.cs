using Churn.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Churn.Shared;

/// <summary>Registers one store instance under <see cref="IChurnStore"/> and each of the interfaces it is made of.</summary>
internal static class StoreRegistration
{
    public static void Register<TStore>(IServiceCollection services, Func<IServiceProvider, TStore> factory)
        where TStore : class, IChurnStore
    {
        // The last store added wins: a host that adds two stores means the second.
        services.RemoveAll<IChurnStore>();
        services.RemoveAll<IEventStore>();
        services.RemoveAll<IAssessmentStore>();
        services.RemoveAll<ICheckpointStore>();
        services.RemoveAll<IAlertStore>();
        services.RemoveAll<IInterventionStore>();
        services.RemoveAll<IOutcomeStore>();
        services.TryAddSingleton(factory);
        services.AddSingleton<IChurnStore>(sp => sp.GetRequiredService<TStore>());
        services.AddSingleton<IEventStore>(sp => sp.GetRequiredService<IChurnStore>());
        services.AddSingleton<IAssessmentStore>(sp => sp.GetRequiredService<IChurnStore>());
        services.AddSingleton<ICheckpointStore>(sp => sp.GetRequiredService<IChurnStore>());
        services.AddSingleton<IAlertStore>(sp => sp.GetRequiredService<IChurnStore>());
        services.AddSingleton<IInterventionStore>(sp => sp.GetRequiredService<IChurnStore>());
        services.AddSingleton<IOutcomeStore>(sp => sp.GetRequiredService<IChurnStore>());
    }
}
