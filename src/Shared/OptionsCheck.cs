using Microsoft.Extensions.Options;

namespace Churn.Shared;

/// <summary>Runs an options type's validators outside dependency injection, so that a constructor refuses what start-up validation would.</summary>
internal static class OptionsCheck
{
    /// <summary>Validates options; throws naming every failing member.</summary>
    /// <typeparam name="T">The options type.</typeparam>
    /// <param name="options">The options.</param>
    /// <param name="validators">Its validators (the generated one for attributes, the hand-written one for cross-property rules).</param>
    /// <returns>The options.</returns>
    /// <exception cref="ArgumentException">A validator failed; the message lists every failure.</exception>
    public static T ThrowIfInvalid<T>(T options, params IValidateOptions<T>[] validators)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        foreach (var v in validators)
        {
            var result = v.Validate(Options.DefaultName, options);
            if (result.Failed)
            {
                failures.AddRange(result.Failures ?? [result.FailureMessage]);
            }
        }

        return failures.Count == 0 ? options : throw new ArgumentException($"{typeof(T).Name} is invalid: {string.Join(" ", failures)}", nameof(options));
    }
}
