using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using Churn.Abstractions;
using Churn.Sdk;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Churn.Monitoring;

/// <summary>Registers the monitor on the root builder.</summary>
public static class MonitoringServiceCollectionExtensions
{
    /// <summary>
    /// Adds a <see cref="ChurnMonitor"/> (singleton) over the registered <see cref="ChurnPipeline"/>
    /// (see <c>AddPipeline()</c>), sending alerts to every registered <see cref="IAlertSink"/>,
    /// on the registered <see cref="TimeProvider"/> (the system clock when none), with the
    /// registered logger and meter factory when present.
    /// </summary>
    /// <param name="churn">The root builder.</param>
    /// <param name="configure">Sets the options; they are validated when the host starts.</param>
    /// <returns>The builder.</returns>
    [Experimental(Diagnostics.Alerts)]
    public static IChurnBuilder AddMonitoring(this IChurnBuilder churn, Action<MonitorOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(churn);
        var services = churn.Services;
        services.AddOptions<MonitorOptions>().Configure(configure ?? (_ => { })).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MonitorOptions>, MonitorOptionsValidator>());
        services.TryAddSingleton(sp => new ChurnMonitor(
            sp.GetRequiredService<ChurnPipeline>(),
            sp.GetRequiredService<IOptions<MonitorOptions>>().Value,
            sp.GetServices<IAlertSink>(),
            profiles: null,
            sp.GetService<TimeProvider>(),
            sp.GetService<ILogger<ChurnMonitor>>(),
            sp.GetService<IMeterFactory>()));
        return churn;
    }
}
