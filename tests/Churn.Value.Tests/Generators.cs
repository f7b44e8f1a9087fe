using FsCheck;
using FsCheck.Fluent;

namespace Churn.Value.Tests;

/// <summary>FsCheck generators for customer histories.</summary>
internal static class Generators
{
    /// <summary>A valid (x, t_x, T): T in (0, 100], t_x in [0, T], t_x = 0 when x = 0.</summary>
    public static Gen<(int X, double Tx, double T)> History() =>
        from t in Gen.Choose(1, 1000).Select(i => i / 10.0)
        from x in Gen.Choose(0, 40)
        from share in Gen.Choose(0, 100)
        select (x, x == 0 ? 0 : t * share / 100.0, t);
}
