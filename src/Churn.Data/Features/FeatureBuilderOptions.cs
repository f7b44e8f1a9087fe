using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Churn.Data;

/// <summary>Options of the <see cref="FeatureBuilder"/>.</summary>
public sealed class FeatureBuilderOptions
{
    /// <summary>Gets or sets the window lengths in days (each in 1..3650, no repeats); each adds counts, sums and trends (this window vs the previous one).</summary>
    /// <value>The default is 7, 30 and 90 days.</value>
    public IList<int> WindowDays { get; set; } = [7, 30, 90];

    /// <summary>Gets or sets how many threads batch building may use (-1 for all cores).</summary>
    /// <value>The default is -1.</value>
    [Range(-1, 1024)]
    public int MaxDegreeOfParallelism { get; set; } = -1;
}

[OptionsValidator]
internal sealed partial class FeatureBuilderOptionsValidator : IValidateOptions<FeatureBuilderOptions>
{
}

/// <summary>The rules of <see cref="FeatureBuilderOptions"/> that attributes cannot say.</summary>
internal sealed class FeatureBuilderOptionsRules : IValidateOptions<FeatureBuilderOptions>
{
    public ValidateOptionsResult Validate(string? name, FeatureBuilderOptions options)
    {
        var b = new ValidateOptionsResultBuilder();
        if (options.WindowDays is null || options.WindowDays.Count == 0)
        {
            b.AddError("at least one feature window is needed", nameof(options.WindowDays));
        }
        else if (options.WindowDays.Any(w => w is < 1 or > 3650))
        {
            b.AddError($"a feature window of {options.WindowDays.First(w => w is < 1 or > 3650)} days is outside 1..3650", nameof(options.WindowDays));
        }
        else if (options.WindowDays.Distinct().Count() != options.WindowDays.Count)
        {
            b.AddError("a feature window appears twice", nameof(options.WindowDays));
        }

        if (options.MaxDegreeOfParallelism == 0)
        {
            b.AddError("-1 (all cores) or a positive number of threads", nameof(options.MaxDegreeOfParallelism));
        }

        return b.Build();
    }
}
