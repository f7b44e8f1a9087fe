using System.ComponentModel.DataAnnotations;
using System.Reflection;
using Microsoft.Extensions.Options;

namespace Churn.Sdk.Tests;

public sealed class OptionsValidationTests
{
    public static TheoryData<string> RangedMembers()
    {
        var data = new TheoryData<string>();
        foreach (var (type, property, _) in Ranged())
        {
            data.Add($"{type.FullName}.{property.Name}");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(RangedMembers))]
    public void EveryDeclaredRange_IsEnforced_NamingTheMember(string member)
    {
        var (type, property, range) = Ranged().Single(x => $"{x.Type.FullName}.{x.Property.Name}" == member);
        var options = Activator.CreateInstance(type)!;
        var outside = Convert.ToDouble(range.Maximum, System.Globalization.CultureInfo.InvariantCulture) + 1;
        property.SetValue(options, property.PropertyType == typeof(int) ? (object)(int)Math.Min(outside, int.MaxValue) : outside);

        var failures = Validators(type).Select(v => Validate(v, type, options)).Where(r => r.Failed).SelectMany(r => r.Failures!).ToList();

        Assert.Contains(failures, f => f.Contains(property.Name, StringComparison.Ordinal));
        Assert.All(Validators(type).Select(v => Validate(v, type, Activator.CreateInstance(type)!)), r => Assert.False(r.Failed, string.Join("; ", r.Failures ?? [])));
    }

    [Fact]
    public void TheRangedMembers_CoverEveryPackage()
    {
        var assemblies = Ranged().Select(x => x.Type.Assembly.GetName().Name).Distinct().ToList();

        Assert.Equal(["Churn.Abstractions", "Churn.Data", "Churn.Modeling", "Churn.Rules", "Churn.Sdk", "Churn.Value"], assemblies.Order());
    }

    private static IEnumerable<(Type Type, PropertyInfo Property, RangeAttribute Range)> Ranged() =>
        new[] { typeof(Churn.Abstractions.RiskLevelPolicy), typeof(Churn.Data.EventLog), typeof(Churn.Value.ClvEstimator), typeof(Churn.Rules.SymptomEngine), typeof(Churn.Modeling.ChurnModel), typeof(ChurnPipeline) }
            .SelectMany(a => a.Assembly.GetTypes())
            .Where(t => t.IsPublic && t.Name.EndsWith("Options", StringComparison.Ordinal))
            .SelectMany(t => t.GetProperties().Select(p => (t, p, p.GetCustomAttribute<RangeAttribute>())))
            .Where(x => x.Item3 is not null)
            .Select(x => (x.t, x.p, x.Item3!));

    private static IEnumerable<object> Validators(Type options) =>
        options.Assembly.GetTypes()
            .Where(t => !t.IsAbstract && t.GetInterfaces().Contains(typeof(IValidateOptions<>).MakeGenericType(options)))
            .Select(t => Activator.CreateInstance(t, nonPublic: true)!);

    private static ValidateOptionsResult Validate(object validator, Type options, object value) =>
        (ValidateOptionsResult)typeof(IValidateOptions<>).MakeGenericType(options).GetMethod("Validate")!.Invoke(validator, [null, value])!;
}
