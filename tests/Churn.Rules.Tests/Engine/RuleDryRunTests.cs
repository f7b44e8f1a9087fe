using Churn.Abstractions;
using Churn.Rules;

namespace Churn.Rules.Tests.Engine;

public sealed class RuleDryRunTests
{
    [Fact]
    public void Run_CountsPerRule_Overlap_AndAny()
    {
        var rules = CompiledRuleSet.Compile(
            RuleSet.Create("1").Critical("t", "tickets_30d >= 3").Minor("l", "logins_30d < 5", 2).Minor("f", "feedback_last < 5", 2).Build(),
            TestSchema.Schema);
        var inputs = new[] { (3.0, 10.0, 8.0), (5.0, 1.0, 2.0), (0.0, 2.0, double.NaN), (0.0, 9.0, 9.0) }.Select((v, i) =>
        {
            var input = TestSchema.Schema.NewInput(TestSchema.AsOf);
            (input.Numbers[0], input.Numbers[4], input.Numbers[3]) = v;
            return (new CustomerId("c" + i), input);
        }).ToList();
        var seen = new List<string>();

        var report = RuleDryRun.Run(rules, inputs, minorThreshold: 4, onCustomer: (c, _, fired) => seen.Add($"{c}:{fired.Count}"));

        Assert.Equal(4, report.Customers);
        Assert.Equal([2, 2, 1], report.Rules.Select(r => r.Flagged));
        Assert.Equal(1, report.Overlap[0, 1]);
        Assert.Equal(1, report.Overlap[1, 2]);
        Assert.Equal(3, report.AnyFlagged);
        Assert.Equal(1, report.RecapitulativeFlagged);
        Assert.Equal(["c0:1", "c1:3", "c2:1", "c3:0"], seen);
    }
}
