using Churn.Modeling;
using Churn.Modeling.MLNet;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the ML.NET learners on the Churn.Sdk builder.</summary>
public static class MLNetBuilderExtensions
{
    /// <summary>Adds FastTree, LightGBM and ML.NET's logistic regression to the learners the trainer can blend and model files may hold.</summary>
    /// <param name="churn">The builder.</param>
    /// <returns>The builder.</returns>
    public static IChurnBuilder AddMLNetLearners(this IChurnBuilder churn)
    {
        ArgumentNullException.ThrowIfNull(churn);
        foreach (var learner in MLNetLearners.All)
        {
            churn.Services.TryAddEnumerable(ServiceDescriptor.Singleton(learner));
        }

        return churn;
    }
}
