using Churn.Abstractions;
using Churn.Rules;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Churn.Rules: the <see cref="SymptomEngine"/> (as <see cref="ISymptomDetector"/> too) and the <see cref="TriggerEngine"/>.</summary>
public static class ChurnRulesServiceCollectionExtensions
{
    /// <summary>Adds the Churn.Rules services. Calling it twice is harmless; a host's own registrations win.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the symptom engine.</param>
    /// <returns>A builder: add the rules with <see cref="UseRuleSet"/> and triggers with <see cref="AddTrigger"/>.</returns>
    public static IChurnRulesBuilder AddChurnRules(this IServiceCollection services, Action<SymptomEngineOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptionsWithValidateOnStart<SymptomEngineOptions, SymptomEngineOptionsValidator>()
            .Configure(configure ?? (_ => { }));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SymptomEngine>();
        services.TryAddSingleton<ISymptomDetector>(sp => sp.GetRequiredService<SymptomEngine>());
        services.TryAddSingleton(sp => new TriggerEngine(sp.GetServices<EventTrigger>(), sp.GetRequiredService<TimeProvider>()));
        return new ChurnRulesBuilder(services);
    }

    /// <summary>Compiles a rule set against a schema at start-up and uses it.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="ruleSet">The rules.</param>
    /// <param name="schema">The variables they may name.</param>
    /// <returns>The builder.</returns>
    public static IChurnRulesBuilder UseRuleSet(this IChurnRulesBuilder builder, RuleSet ruleSet, RuleSchema schema)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(ruleSet);
        ArgumentNullException.ThrowIfNull(schema);
        builder.Services.TryAddSingleton(_ => CompiledRuleSet.Compile(ruleSet, schema));
        return builder;
    }

    /// <summary>Adds an event-window trigger.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="trigger">The trigger.</param>
    /// <returns>The builder.</returns>
    public static IChurnRulesBuilder AddTrigger(this IChurnRulesBuilder builder, EventTrigger trigger)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(trigger);
        builder.Services.AddSingleton(trigger);
        return builder;
    }
}

/// <summary>Follow-up registrations for Churn.Rules.</summary>
public interface IChurnRulesBuilder
{
    /// <summary>Gets the services.</summary>
    IServiceCollection Services { get; }
}

internal sealed record ChurnRulesBuilder(IServiceCollection Services) : IChurnRulesBuilder;
