using System.Reflection;

namespace Churn.Sdk.Tests;

public sealed class NoMutableStaticStateTests
{
    [Fact]
    public void EveryChurnAssembly_HasNoNonReadonlyStaticFields()
    {
        var assemblies = new[]
        {
            typeof(Churn.Abstractions.CustomerId).Assembly, typeof(Churn.Data.EventLog).Assembly, typeof(Churn.Value.ClvEstimator).Assembly,
            typeof(Churn.Rules.SymptomEngine).Assembly, typeof(Churn.Modeling.ChurnModel).Assembly, typeof(ChurnPipeline).Assembly,
            typeof(Churn.Modeling.MLNet.MLNetLearners).Assembly, typeof(Churn.Data.MLNet.DataViewEventReader).Assembly,
        };
        var offenders = assemblies
            .SelectMany(a => a.GetTypes())
            .Where(t => !t.IsDefined(typeof(System.Runtime.CompilerServices.CompilerGeneratedAttribute)))
            .SelectMany(t => t.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
                .Where(f => !f.IsInitOnly && !f.IsLiteral && !f.Name.Contains('<', StringComparison.Ordinal))
                .Select(f => $"{t.FullName}.{f.Name}"))
            .ToList();

        Assert.Equal(8, assemblies.Distinct().Count());
        Assert.Empty(offenders);
    }
}
