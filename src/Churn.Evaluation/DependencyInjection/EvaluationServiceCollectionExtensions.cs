using Churn.Abstractions;
using Churn.Modeling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Churn.Evaluation;

/// <summary>Registers the loop back into the model on the root builder.</summary>
public static class EvaluationServiceCollectionExtensions
{
    /// <summary>
    /// Adds a <see cref="RetrainingHostedService"/> (singleton, and a hosted service): the <see cref="RetrainingLoop"/>
    /// asked on a period of the registered <see cref="TimeProvider"/> (the system clock when none), starting from the
    /// champion given, logging to the registered logger when present.
    /// </summary>
    /// <param name="churn">The root builder.</param>
    /// <param name="loop">Builds the retraining loop (its policy, training set, trainer and the store of interventions).</param>
    /// <param name="champion">The model in use when the host starts (for example, <c>ChurnModel.Load(path)</c>).</param>
    /// <param name="configure">Sets the period, the model file, what happens on a replacement, and the recent data for drift.</param>
    /// <returns>The builder.</returns>
    public static IChurnBuilder AddRetraining(this IChurnBuilder churn, Func<IServiceProvider, RetrainingLoop> loop, Func<IServiceProvider, ChurnModel> champion, Action<RetrainingHostingOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(churn);
        ArgumentNullException.ThrowIfNull(loop);
        ArgumentNullException.ThrowIfNull(champion);
        var options = new RetrainingHostingOptions();
        configure?.Invoke(options);
        if (options.CheckEvery <= TimeSpan.Zero)
        {
            throw new ArgumentException($"CheckEvery must be positive, not {options.CheckEvery}.", nameof(configure));
        }

        churn.Services.TryAddSingleton(sp => new RetrainingHostedService(loop(sp), champion(sp), options, sp.GetService<TimeProvider>(), sp.GetService<ILogger<RetrainingHostedService>>()));
        churn.Services.AddHostedService(sp => sp.GetRequiredService<RetrainingHostedService>());
        return churn;
    }
}
