using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Churn.Sdk;

/// <summary>Options of the <see cref="ChurnPipeline"/>.</summary>
public sealed class ChurnPipelineOptions
{
    /// <summary>Gets or sets how many reasons each assessment gives, strongest first.</summary>
    /// <value>The default is 3.</value>
    [Range(0, 100)]
    public int Reasons { get; set; } = 3;

    /// <summary>Gets or sets a value indicating whether predicted value (CLV) and P(alive) are estimated: BG/NBD and Gamma-Gamma are fitted on the purchase histories as of each assessment instant, when there are enough repeat buyers.</summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool PredictValue { get; set; } = true;

    /// <summary>Gets or sets how many customers are assessed together (snapshots, scores and reasons are computed a block at a time; memory grows with it).</summary>
    /// <value>The default is 4,096.</value>
    [Range(1, 1_048_576)]
    public int BlockSize { get; set; } = 4096;

    /// <summary>Gets or sets how many blocks run at once; -1 for all cores. The assessments are the same for any value.</summary>
    /// <value>The default is -1.</value>
    [Range(-1, 1024)]
    public int MaxDegreeOfParallelism { get; set; } = -1;
}

[OptionsValidator]
internal sealed partial class ChurnPipelineOptionsValidator : IValidateOptions<ChurnPipelineOptions>
{
}

/// <summary>The rules of <see cref="ChurnPipelineOptions"/> that attributes cannot say.</summary>
internal sealed class ChurnPipelineOptionsRules : IValidateOptions<ChurnPipelineOptions>
{
    public ValidateOptionsResult Validate(string? name, ChurnPipelineOptions options)
    {
        var b = new ValidateOptionsResultBuilder();
        if (options.MaxDegreeOfParallelism == 0)
        {
            b.AddError("-1 (all cores) or a positive number of blocks at once", nameof(options.MaxDegreeOfParallelism));
        }

        return b.Build();
    }
}
