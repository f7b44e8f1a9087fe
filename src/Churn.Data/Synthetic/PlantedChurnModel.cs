using Churn.Abstractions;

namespace Churn.Data;

/// <summary>
/// The churn model planted in the synthetic base: the probability of cancelling within the next
/// 30 days is a logistic function of features that <see cref="FeatureBuilder"/> computes
/// (with its default windows and the profiles' signup dates). A model trained on the synthetic data
/// can be checked against it: it is the best any model can do.
/// </summary>
public static class PlantedChurnModel
{
    /// <summary>Gets the intercept of the logit.</summary>
    public static double Intercept => -3.5;

    /// <summary>Gets the planted drivers: feature, coefficient on the logit, and what it means.</summary>
    public static IReadOnlyList<(string Feature, double Coefficient, string Meaning)> Drivers { get; } =
    [
        ("payment_failures_30d", 0.8, "each failed payment in the last 30 days"),
        ("tickets_90d", 0.25, "each support ticket in the last 90 days"),
        ("complaints_90d", 0.6, "each complaint in the last 90 days"),
        ("logins_30d", -0.08, "each login in the last 30 days (engagement protects)"),
        ("logins_trend_30d", -0.06, "each login fewer than in the 30 days before (declining usage)"),
        ("feedback_last", -0.3, "each point of the latest feedback score above 7 (7 when none given)"),
        ("tenure_days", 0.6, "being a customer for less than 180 days (a step, not linear)"),
    ];

    /// <summary>Computes the planted probability of churning in the next 30 days.</summary>
    /// <param name="paymentFailures30d">Failed payments in the last 30 days.</param>
    /// <param name="tickets90d">Support tickets in the last 90 days.</param>
    /// <param name="complaints90d">Complaints in the last 90 days.</param>
    /// <param name="logins30d">Logins in the last 30 days.</param>
    /// <param name="loginsTrend30d">Logins in the last 30 days minus the 30 before.</param>
    /// <param name="feedbackLast">The latest feedback score, NaN when none.</param>
    /// <param name="tenureDays">Days since signup.</param>
    /// <returns>The probability.</returns>
    public static double Probability(
        double paymentFailures30d, double tickets90d, double complaints90d, double logins30d, double loginsTrend30d, double feedbackLast, double tenureDays)
    {
        var feedback = double.IsNaN(feedbackLast) ? 7.0 : feedbackLast;
        var logit = Intercept
            + (0.8 * paymentFailures30d)
            + (0.25 * tickets90d)
            + (0.6 * complaints90d)
            - (0.08 * logins30d)
            - (0.06 * loginsTrend30d)
            - (0.3 * (feedback - 7.0))
            + (tenureDays < 180 ? 0.6 : 0.0);
        return 1.0 / (1.0 + Math.Exp(-logit));
    }

    /// <summary>Computes the planted probability from a snapshot built with the default windows.</summary>
    /// <param name="snapshot">The snapshot.</param>
    /// <returns>The probability.</returns>
    /// <exception cref="KeyNotFoundException">The snapshot lacks a planted driver's feature.</exception>
    public static double Probability(CustomerSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return Probability(
            snapshot["payment_failures_30d"],
            snapshot["tickets_90d"],
            snapshot["complaints_90d"],
            snapshot["logins_30d"],
            snapshot["logins_trend_30d"],
            snapshot["feedback_last"],
            snapshot["tenure_days"]);
    }
}
