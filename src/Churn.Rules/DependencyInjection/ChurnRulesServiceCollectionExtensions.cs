using Churn.Abstractions;
using Churn.Rules;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Churn.Rules on the Churn.Sdk builder: the <see cref="SymptomEngine"/> (as <see cref="ISymptomDetector"/> too) once a rule set is given, and the <see cref="TriggerEngine"/>.</summary>
public static class ChurnRulesBuilderExtensions
{
    /// <summary>Adds the Churn.Rules services. Calling it twice is harmless; a host's own registrations win.</summary>
    /// <param name="churn">The builder.</param>
    /// <param name="configure">Configures the symptom engine (threshold, half-life, lookback, step).</param>
    /// <returns>The builder.</returns>
    public static IChurnBuilder AddRules(this IChurnBuilder churn, Action<SymptomEngineOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(churn);
        var services = churn.Services;
        services.AddOptionsWithValidateOnStart<SymptomEngineOptions, SymptomEngineOptionsValidator>();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new SymptomEngine(sp.GetRequiredService<CompiledRuleSet>(), sp.GetRequiredService<IOptions<SymptomEngineOptions>>()));
        services.TryAddSingleton<ISymptomDetector>(sp => sp.GetRequiredService<SymptomEngine>());
        services.TryAddSingleton(sp => new TriggerEngine(sp.GetServices<EventTrigger>(), sp.GetRequiredService<TimeProvider>()));
        return churn;
    }

    /// <summary>Adds the Churn.Rules services with a rule set, compiled against a schema at start-up.</summary>
    /// <param name="churn">The builder.</param>
    /// <param name="ruleSet">The rules.</param>
    /// <param name="schema">The variables they may name (for example <see cref="RuleSchema.FromFeatures"/> of the feature builder's schema).</param>
    /// <param name="configure">Configures the symptom engine.</param>
    /// <returns>The builder.</returns>
    public static IChurnBuilder AddRules(this IChurnBuilder churn, RuleSet ruleSet, RuleSchema schema, Action<SymptomEngineOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(churn);
        ArgumentNullException.ThrowIfNull(ruleSet);
        ArgumentNullException.ThrowIfNull(schema);
        churn.Services.TryAddSingleton(_ => CompiledRuleSet.Compile(ruleSet, schema));
        return churn.AddRules(configure);
    }

    /// <summary>Adds the Churn.Rules services with a rule set, compiled at start-up against the registered <see cref="FeatureSchema"/> (from <c>AddData</c>), the profile's <c>owner</c> and <c>signup_date</c>.</summary>
    /// <param name="churn">The builder.</param>
    /// <param name="ruleSet">The rules.</param>
    /// <param name="configure">Configures the symptom engine.</param>
    /// <returns>The builder.</returns>
    public static IChurnBuilder AddRules(this IChurnBuilder churn, RuleSet ruleSet, Action<SymptomEngineOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(churn);
        ArgumentNullException.ThrowIfNull(ruleSet);
        churn.Services.TryAddSingleton(sp => CompiledRuleSet.Compile(ruleSet, RuleSchema.FromFeatures(sp.GetRequiredService<FeatureSchema>(), ["owner"], ["signup_date"])));
        return churn.AddRules(configure);
    }

    /// <summary>Adds an event-window trigger.</summary>
    /// <param name="churn">The builder.</param>
    /// <param name="trigger">The trigger.</param>
    /// <returns>The builder.</returns>
    public static IChurnBuilder AddTrigger(this IChurnBuilder churn, EventTrigger trigger)
    {
        ArgumentNullException.ThrowIfNull(churn);
        ArgumentNullException.ThrowIfNull(trigger);
        churn.Services.AddSingleton(trigger);
        return churn;
    }
}
