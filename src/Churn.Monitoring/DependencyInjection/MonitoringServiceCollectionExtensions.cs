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
    /// <param name="profiles">Looks up a customer's profile (owner, signup date, attributes) when the monitor first sees them (called from several threads at once); none when null.</param>
    /// <returns>The builder.</returns>
    public static IChurnBuilder AddMonitoring(this IChurnBuilder churn, Action<MonitorOptions>? configure = null, Func<CustomerId, CustomerProfile?>? profiles = null)
    {
        ArgumentNullException.ThrowIfNull(churn);
        var services = churn.Services;
        services.AddOptions<MonitorOptions>().Configure(configure ?? (_ => { })).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MonitorOptions>, MonitorOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MonitorOptions>, MonitorOptionsRules>());
        services.TryAddSingleton(sp => new ChurnMonitor(
            sp.GetRequiredService<ChurnPipeline>(),
            sp.GetRequiredService<IOptions<MonitorOptions>>().Value,
            sp.GetServices<IAlertSink>(),
            profiles,
            sp.GetService<TimeProvider>(),
            sp.GetService<ILogger<ChurnMonitor>>(),
            sp.GetService<IMeterFactory>()));
        return churn;
    }

    /// <summary>
    /// Adds a <see cref="WebhookAlertSink"/> as an <see cref="IAlertSink"/>: a typed <see cref="HttpClient"/>
    /// with the standard resilience handler (Microsoft.Extensions.Http.Resilience): a timeout per
    /// attempt, retries with exponential backoff and jitter on transient failures, a circuit breaker
    /// and an overall timeout covering them.
    /// </summary>
    /// <param name="churn">The root builder.</param>
    /// <param name="configure">Sets the endpoint, secret and resilience settings; validated when the host starts.</param>
    /// <returns>The builder.</returns>
    public static IChurnBuilder AddWebhookAlerts(this IChurnBuilder churn, Action<WebhookOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(churn);
        ArgumentNullException.ThrowIfNull(configure);
        var services = churn.Services;
        services.AddOptions<WebhookOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WebhookOptions>, WebhookOptionsValidator>());
        var options = new WebhookOptions();
        configure(options);
        services.AddHttpClient(nameof(WebhookAlertSink))
            .AddStandardResilienceHandler(r =>
            {
                r.AttemptTimeout.Timeout = options.AttemptTimeout;
                r.Retry.MaxRetryAttempts = options.MaxRetries;
                r.Retry.Delay = options.RetryDelay;
                r.Retry.BackoffType = Polly.DelayBackoffType.Exponential;
                r.Retry.UseJitter = true;
                r.CircuitBreaker.BreakDuration = options.BreakDuration;
                r.CircuitBreaker.SamplingDuration = options.AttemptTimeout * 2 > TimeSpan.FromSeconds(30) ? options.AttemptTimeout * 2 : TimeSpan.FromSeconds(30);
                r.TotalRequestTimeout.Timeout = (options.AttemptTimeout * (options.MaxRetries + 1)) + (options.RetryDelay * Math.Pow(2, options.MaxRetries + 1)) + TimeSpan.FromSeconds(1);
            });
        services.AddSingleton<IAlertSink>(sp => new WebhookAlertSink(
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(WebhookAlertSink)),
            sp.GetRequiredService<IOptions<WebhookOptions>>().Value,
            sp.GetService<TimeProvider>()));
        return churn;
    }

    /// <summary>Runs the registered <see cref="ChurnMonitor"/> as a hosted service (<see cref="MonitorHostedService"/>): checkpoints to the registered <see cref="ICheckpointStore"/>, events stored in the registered <see cref="IEventStore"/> before they are applied, changed assessments saved to the registered <see cref="IAssessmentStore"/>, each when there is one.</summary>
    /// <param name="churn">The root builder (with <see cref="AddMonitoring"/>).</param>
    /// <param name="configure">Sets the checkpoint period and name.</param>
    /// <returns>The builder.</returns>
    public static IChurnBuilder AddMonitorHostedService(this IChurnBuilder churn, Action<MonitorHostingOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(churn);
        var options = new MonitorHostingOptions();
        configure?.Invoke(options);
        churn.Services.TryAddSingleton(sp => new MonitorHostedService(sp.GetRequiredService<ChurnMonitor>(), options, sp.GetService<ICheckpointStore>(), sp.GetService<TimeProvider>(), sp.GetService<IEventStore>(), sp.GetService<IAssessmentStore>()));
        churn.Services.AddHostedService(sp => sp.GetRequiredService<MonitorHostedService>());
        return churn;
    }
}
