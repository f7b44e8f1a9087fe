namespace Churn.Modeling;

/// <summary>
/// Runs vectorised element-wise operations so that a value's result does not depend on how many
/// values are processed with it. <c>TensorPrimitives</c> takes narrower vector paths, or scalar
/// code, for short spans, and those can differ from the wide path in the last bit; spans shorter
/// than the widest vector are therefore padded to it. A customer's probability is then the same
/// whether scored alone or in a batch.
/// </summary>
internal static class Lanes
{
    /// <summary>The number of doubles in the widest vector (512 bits).</summary>
    private const int Widest = 8;

    /// <summary>An in-place element-wise operation.</summary>
    public delegate void Operation(Span<double> values);

    /// <summary>Applies an element-wise operation, padding short spans to the widest vector.</summary>
    /// <param name="values">The values, changed in place.</param>
    /// <param name="operation">The operation.</param>
    public static void Apply(Span<double> values, Operation operation)
    {
        if (values.IsEmpty)
        {
            return;
        }

        if (values.Length >= Widest)
        {
            operation(values);
            return;
        }

        Span<double> padded = stackalloc double[Widest];
        padded.Fill(0.5);
        values.CopyTo(padded);
        operation(padded);
        padded[..values.Length].CopyTo(values);
    }
}
