using Churn.Abstractions;
using Churn.Shared;
using Churn.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the SQLite store on the Churn.Sdk builder.</summary>
public static class SqliteStoreServiceCollectionExtensions
{
    /// <summary>
    /// Adds a <see cref="SqliteChurnStore"/> as the <see cref="IChurnStore"/> (and each store interface):
    /// <c>churn.AddSqliteStore(o =&gt; o.Path = "churn.db")</c>. The options are validated when the host starts; the file opens on first use
    /// (resolve <see cref="SqliteChurnStore"/> and read <see cref="SqliteChurnStore.SchemaVersion"/> to open it at once).
    /// </summary>
    /// <param name="churn">The builder.</param>
    /// <param name="configure">Sets the file and how to open it.</param>
    /// <returns>The builder.</returns>
    public static IChurnBuilder AddSqliteStore(this IChurnBuilder churn, Action<SqliteStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(churn);
        ArgumentNullException.ThrowIfNull(configure);
        var services = churn.Services;
        services.AddOptions<SqliteStoreOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SqliteStoreOptions>, SqliteStoreOptionsValidator>());
        services.Configure(configure);
        StoreRegistration.Register(services, sp => new SqliteChurnStore(sp.GetRequiredService<IOptions<SqliteStoreOptions>>()));
        return churn;
    }
}
