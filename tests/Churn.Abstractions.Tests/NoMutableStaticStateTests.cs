using System.Reflection;

namespace Churn.Abstractions.Tests;

public sealed class NoMutableStaticStateTests
{
    [Fact]
    public void ChurnAssemblies_HaveNoNonReadonlyStaticFields()
    {
        var assemblies = new[] { typeof(CustomerId).Assembly, typeof(Churn.Data.EventLog).Assembly };
        var offenders = assemblies
            .SelectMany(a => a.GetTypes())
            .Where(t => !t.IsDefined(typeof(System.Runtime.CompilerServices.CompilerGeneratedAttribute)))
            .SelectMany(t => t.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
                .Where(f => !f.IsInitOnly && !f.IsLiteral && !f.Name.Contains('<', StringComparison.Ordinal))
                .Select(f => $"{t.FullName}.{f.Name}"))
            .ToList();

        Assert.Empty(offenders);
    }
}
