using Churn.Abstractions;
using Churn.Shared;
using Churn.Storage;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the in-memory store on the Churn.Sdk builder.</summary>
public static class StorageServiceCollectionExtensions
{
    /// <summary>Adds an <see cref="InMemoryChurnStore"/> as the <see cref="IChurnStore"/> (and each store interface): nothing survives the process, so use it for tests and short-lived hosts.</summary>
    /// <param name="churn">The builder.</param>
    /// <returns>The builder.</returns>
    public static IChurnBuilder AddInMemoryStore(this IChurnBuilder churn)
    {
        ArgumentNullException.ThrowIfNull(churn);
        StoreRegistration.Register(churn.Services, _ => new InMemoryChurnStore());
        return churn;
    }
}
