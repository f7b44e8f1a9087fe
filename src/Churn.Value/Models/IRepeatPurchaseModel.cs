namespace Churn.Value;

/// <summary>A fitted model of repeat purchasing (BG/NBD, Pareto/NBD), in the time unit it was fitted in.</summary>
/// <remarks>Implementations are immutable and safe to share between threads.</remarks>
public interface IRepeatPurchaseModel
{
    /// <summary>Gets the model's name.</summary>
    string Name { get; }

    /// <summary>The probability that a customer with history (x, t_x, T) is still alive.</summary>
    /// <param name="x">Repeat purchases.</param>
    /// <param name="tx">Recency.</param>
    /// <param name="t">Age T.</param>
    /// <returns>A probability in [0, 1].</returns>
    double ProbabilityAlive(int x, double tx, double t);

    /// <summary>The expected number of purchases in the next <paramref name="horizon"/> units for a customer with history (x, t_x, T).</summary>
    /// <param name="horizon">The horizon, in the model's unit.</param>
    /// <param name="x">Repeat purchases.</param>
    /// <param name="tx">Recency.</param>
    /// <param name="t">Age T.</param>
    /// <returns>The expected count (never negative).</returns>
    double ConditionalExpectedPurchases(double horizon, int x, double tx, double t);

    /// <summary>The log-likelihood of one customer's history.</summary>
    /// <param name="x">Repeat purchases.</param>
    /// <param name="tx">Recency.</param>
    /// <param name="t">Age T.</param>
    /// <returns>The log-likelihood.</returns>
    double LogLikelihood(int x, double tx, double t);
}
