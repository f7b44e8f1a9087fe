using Churn.Abstractions;
using Churn.Data;
using Churn.Modeling;
using Churn.Sdk;
using Churn.Value;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the <see cref="ChurnPipeline"/> on the Churn.Sdk builder.</summary>
public static class ChurnPipelineBuilderExtensions
{
    /// <summary>
    /// Adds the <see cref="ChurnPipeline"/>, assembled from what the other packages registered: the
    /// features and labels (<c>AddData</c>, added here if missing), the value calculator and CLV
    /// estimator (<c>AddValue</c>, added here if missing), the symptom detector (<c>AddRules</c>,
    /// optional), the scorer (<c>AddModeling().UseModelFile(...)</c>, optional), a segmenter
    /// (optional) and the risk-level policy.
    /// </summary>
    /// <param name="churn">The builder.</param>
    /// <param name="configure">Configures the pipeline (reasons, value prediction, block size, parallelism).</param>
    /// <returns>The builder.</returns>
    public static IChurnBuilder AddPipeline(this IChurnBuilder churn, Action<ChurnPipelineOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(churn);
        churn.AddData().AddValue().AddModeling();
        var services = churn.Services;
        services.AddOptionsWithValidateOnStart<ChurnPipelineOptions, ChurnPipelineOptionsValidator>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ChurnPipelineOptions>, ChurnPipelineOptionsRules>());
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton(sp =>
        {
            var scorer = sp.GetService<IChurnScorer>();
            return new ChurnPipeline(new PipelineParts(
                sp.GetRequiredService<FeatureBuilder>(),
                sp.GetRequiredService<LabelBuilder>(),
                sp.GetRequiredService<IOptions<LabelOptions>>().Value,
                sp.GetRequiredService<RiskLevelPolicy>(),
                scorer,
                scorer as ChurnModel,
                sp.GetService<ISymptomDetector>(),
                sp.GetRequiredService<ICustomerValueCalculator>(),
                sp.GetRequiredService<ClvEstimator>(),
                sp.GetService<ISegmenter>(),
                sp.GetRequiredService<ChurnModelTrainer>(),
                sp.GetRequiredService<IOptions<ChurnPipelineOptions>>().Value));
        });
        return churn;
    }
}
