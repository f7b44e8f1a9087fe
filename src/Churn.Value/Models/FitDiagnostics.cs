namespace Churn.Value;

/// <summary>How a maximum-likelihood fit went.</summary>
/// <param name="Converged">Whether the optimiser met its stopping rule at a finite optimum.</param>
/// <param name="Iterations">Optimiser iterations.</param>
/// <param name="Evaluations">Likelihood evaluations.</param>
/// <param name="GradientNorm">The largest gradient component (of the mean log-likelihood in log-parameters) at the end; NaN for gradient-free fits.</param>
/// <param name="Message">What happened, in words.</param>
/// <param name="DistinctGroups">The number of distinct sufficient-statistic groups the likelihood was evaluated over.</param>
public sealed record FitDiagnostics(bool Converged, int Iterations, int Evaluations, double GradientNorm, string Message, int DistinctGroups);

/// <summary>A model could not be fitted to the data; the message and <see cref="Diagnostics"/> say why.</summary>
public sealed class ModelFitException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="ModelFitException"/> class.</summary>
    public ModelFitException()
        : this("The model could not be fitted.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ModelFitException"/> class.</summary>
    /// <param name="message">Why.</param>
    public ModelFitException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ModelFitException"/> class.</summary>
    /// <param name="message">Why.</param>
    /// <param name="innerException">The cause.</param>
    public ModelFitException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ModelFitException"/> class.</summary>
    /// <param name="message">Why.</param>
    /// <param name="diagnostics">The optimiser's account.</param>
    public ModelFitException(string message, FitDiagnostics diagnostics)
        : base(message)
    {
        Diagnostics = diagnostics;
    }

    /// <summary>Gets the optimiser's account, when the failure came from it.</summary>
    public FitDiagnostics? Diagnostics { get; }
}

/// <summary>Options shared by the model fits.</summary>
public sealed class FitOptions
{
    /// <summary>Gets or sets the largest gradient component (mean log-likelihood, log-parameters) accepted as converged.</summary>
    /// <value>The default is 1e-9.</value>
    [System.ComponentModel.DataAnnotations.Range(1e-15, 1.0)]
    public double GradientTolerance { get; set; } = 1e-9;

    /// <summary>Gets or sets the iteration limit.</summary>
    /// <value>The default is 500.</value>
    [System.ComponentModel.DataAnnotations.Range(1, 1_000_000)]
    public int MaxIterations { get; set; } = 500;

    /// <summary>Gets or sets a value indicating whether a fit that did not converge throws <see cref="ModelFitException"/> (otherwise it is returned with <see cref="FitDiagnostics.Converged"/> false).</summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool ThrowOnNonConvergence { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether standard errors are computed from the Hessian.</summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool ComputeStandardErrors { get; set; } = true;
}

[Microsoft.Extensions.Options.OptionsValidator]
internal sealed partial class FitOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<FitOptions>
{
}

/// <summary>Turns an optimiser's end state into a verdict and a message that says what went wrong.</summary>
internal static class FitVerdict
{
    /// <param name="model">The model's name.</param>
    /// <param name="names">The parameters' names.</param>
    /// <param name="logParameters">The fitted parameters' logarithms.</param>
    /// <param name="optimizerConverged">Whether the optimiser met its stopping rule.</param>
    /// <param name="optimizerMessage">Its account.</param>
    /// <param name="shapes">The parameters without units (shapes, not time or money scales): one beyond e^±10 (22,026 or 1/22,026) means the likelihood is flat in it, however still the optimiser stopped.</param>
    public static (bool Converged, string Message) Judge(string model, string[] names, double[] logParameters, bool optimizerConverged, string optimizerMessage, string[] shapes)
    {
        var values = string.Join(", ", names.Select((n, i) => $"{n} = {Math.Exp(logParameters[i]):G4}"));
        for (var i = 0; i < names.Length; i++)
        {
            if (shapes.Contains(names[i]) && Math.Abs(logParameters[i]) >= 10)
            {
                return (false, $"the shape parameter {names[i]} runs off to {(logParameters[i] > 0 ? "infinity" : "zero")} ({values}): the data cannot identify the {model} model (too few customers, too little repeat buying, or customers too alike; try a longer calibration period)");
            }
        }

        var worst = 0;
        for (var i = 1; i < logParameters.Length; i++)
        {
            if (Math.Abs(logParameters[i]) > Math.Abs(logParameters[worst]))
            {
                worst = i;
            }
        }

        if (Math.Abs(logParameters[worst]) >= 30)
        {
            return (false, $"parameter {names[worst]} runs off to {(logParameters[worst] > 0 ? "infinity" : "zero")} ({values}): the data cannot identify the {model} model");
        }

        if (!optimizerConverged && Math.Abs(logParameters[worst]) >= 10)
        {
            return (false, $"{optimizerMessage}; parameter {names[worst]} runs off to {(logParameters[worst] > 0 ? "infinity" : "zero")} ({values}): the data cannot identify the {model} model");
        }

        return (optimizerConverged, optimizerConverged ? optimizerMessage : $"{optimizerMessage} ({values})");
    }
}
