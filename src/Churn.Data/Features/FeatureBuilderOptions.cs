using System.ComponentModel.DataAnnotations;

namespace Churn.Data;

/// <summary>Options of the <see cref="FeatureBuilder"/>.</summary>
public sealed class FeatureBuilderOptions
{
    /// <summary>Gets or sets the window lengths in days; each adds counts, sums and trends (this window vs the previous one).</summary>
    /// <value>The default is 7, 30 and 90 days.</value>
    public IList<int> WindowDays { get; set; } = [7, 30, 90];

    /// <summary>Gets or sets how many threads batch building may use (-1 for all cores).</summary>
    /// <value>The default is -1.</value>
    [Range(-1, 1024)]
    public int MaxDegreeOfParallelism { get; set; } = -1;

    /// <summary>Checks the options.</summary>
    /// <exception cref="ArgumentException">A window is not in 1..3650 days or repeats.</exception>
    public void Validate()
    {
        if (WindowDays is null || WindowDays.Count == 0)
        {
            throw new ArgumentException("At least one feature window is needed.", nameof(WindowDays));
        }

        foreach (var w in WindowDays)
        {
            if (w is < 1 or > 3650)
            {
                throw new ArgumentException($"A feature window of {w} days is outside 1..3650.", nameof(WindowDays));
            }
        }

        if (WindowDays.Distinct().Count() != WindowDays.Count)
        {
            throw new ArgumentException("A feature window appears twice.", nameof(WindowDays));
        }

        if (MaxDegreeOfParallelism is 0 or < -1)
        {
            throw new ArgumentException("MaxDegreeOfParallelism is -1 (all cores) or a positive number.", nameof(MaxDegreeOfParallelism));
        }
    }
}
