using Churn.Abstractions;
using Churn.Rules;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Churn.Rules.Tests.RuleSets;

public sealed class RuleSetJsonTests
{
    private const string Valid = """
        {
          "version": "1",
          "rules": [
            { "id": "payment_trouble", "expression": "payment_failures_30d >= 2", "severity": "critical", "weight": 1.0,
              "description": "two failed payments", "tags": ["billing"], "enabled": true },
            { "id": "quiet", "expression": "logins_30d < 2", "severity": "minor", "weight": 1.5 }
          ],
          "minorThreshold": 2.5,
          "halfLifeDays": 10
        }
        """;

    [Fact]
    public void Parse_ContractFields_AreRead()
    {
        var (set, positions) = RuleSetJson.Parse(Valid);

        Assert.Equal("1", set.Version);
        Assert.Equal(2, set.Rules.Count);
        Assert.Equal(SymptomSeverity.Critical, set.Rules[0].Severity);
        Assert.Equal(["billing"], set.Rules[0].Tags);
        Assert.Equal(1.5, set.Rules[1].Weight);
        Assert.True(set.Rules[1].Enabled);
        Assert.Equal(2.5, set.MinorThreshold);
        Assert.Equal(10, set.HalfLifeDays);
        Assert.Equal((4, 47), positions[0]);
    }

    [Fact]
    public void Validate_BadExpression_ReportsFileLineAndColumn()
    {
        var json = Valid.Replace("payment_failures_30d >= 2", "payment_failures_30d >= 2 and tikets_30d > 1", StringComparison.Ordinal);
        var (set, positions) = RuleSetJson.Parse(json);

        var issue = Assert.Single(CompiledRuleSet.Validate(set, TestSchema.Schema, positions));

        Assert.Equal("payment_trouble", issue.RuleId);
        Assert.Equal(4, issue.Line);
        Assert.Equal(47 + 30, issue.Column);
        Assert.Contains("did you mean 'tickets_30d'?", issue.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ \"version\": \"1\", \"rules\": [ { \"id\": \"a\", \"expresion\": \"x > 1\" } ] }", "expresion")]
    [InlineData("{ \"version\": \"1\", \"rules\": [ { \"id\": \"a\", \"expression\": \"x > 1\", \"severity\": \"urgent\" } ] }", "\"urgent\" is not")]
    [InlineData("{ \"version\": \"1\", \"rules\": [ { \"id\": \"a\", \"expression\": \"x > 1\" }, { \"id\": \"a\", \"expression\": \"x > 2\" } ] }", "used by another rule")]
    [InlineData("{ \"version\": \"1\", \"rules\": [ { \"expression\": \"x > 1\" } ] }", "no \"id\"")]
    [InlineData("{ \"rules\": [] }", "\"version\" is missing")]
    [InlineData("{ \"version\": \"1\", \"rules\": [ { \"id\": \"a\", \"expression\": \"x > 1\", \"weight\": -1 } ] }", "zero or more")]
    [InlineData("{ \"version\": \"1\", \"rules\": [ ", "")]
    public void Parse_BadFiles_AreClearErrorsWithPositions(string json, string message)
    {
        var ex = Assert.Throws<RuleSetFormatException>(() => RuleSetJson.Parse(json));

        Assert.NotEmpty(ex.Issues);
        Assert.All(ex.Issues, i => Assert.True(i.Line >= 1 && i.Column >= 1));
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Property(MaxTest = 200)]
    public Property Serialize_ThenParse_RoundTrips() =>
        Prop.ForAll(
            Gen.ArrayOf(
                from id in Gen.Choose(0, 1_000_000)
                from critical in Gen.Elements(true, false)
                from weight in Gen.Choose(0, 100)
                from enabled in Gen.Elements(true, false)
                from tag in Gen.Elements("billing", "support", "é\"quoted\"")
                select new Rule("r" + id, $"tickets_30d > {weight}") { Severity = critical ? SymptomSeverity.Critical : SymptomSeverity.Minor, Weight = weight / 10.0, Enabled = enabled, Tags = [tag], Description = "d\n" + tag })
            .Select(rules => rules.DistinctBy(r => r.Id).ToArray()).ToArbitrary(),
            rules =>
            {
                var set = new RuleSet("7", rules) { MinorThreshold = 4, HalfLifeDays = 3.5 };
                return RuleSetJson.Parse(RuleSetJson.Serialize(set)).RuleSet.Equals(set);
            });

    [Fact]
    public void FluentBuilder_EqualsJson()
    {
        var built = RuleSet.Create("1")
            .Critical("payment_trouble", "payment_failures_30d >= 2", "two failed payments", "billing")
            .Minor("quiet", "logins_30d < 2", weight: 1.5)
            .Recapitulate(2.5, 10)
            .Build();

        Assert.Equal(RuleSetJson.Parse(Valid).RuleSet, built);
    }

    [Fact]
    public void Diff_ReportsAddedRemovedAndChangedFields()
    {
        var v1 = RuleSet.Create("1").Critical("a", "tickets_30d > 3").Minor("b", "logins_30d < 2").Minor("c", "spend_30d < 10").Build();
        var v2 = RuleSet.Create("2").Critical("a", "tickets_30d > 4").Minor("b", "logins_30d < 2", weight: 2).Minor("d", "feedback_last < 5").Build();

        var diff = RuleSetDiff.Compare(v1, v2);

        Assert.Equal(["d"], diff.Added.Select(r => r.Id));
        Assert.Equal(["c"], diff.Removed.Select(r => r.Id));
        Assert.Equal([("a", "expression"), ("b", "weight")], diff.Changed.Select(c => (c.New.Id, string.Join(",", c.Fields))));
        Assert.True(RuleSetDiff.Compare(v1, v1).IsEmpty);
    }

    [Fact]
    public void Compile_DisabledRulesAreSkipped_AndAllErrorsListed()
    {
        var set = new RuleSet("1", [new Rule("on", "tickets_30d > 1"), new Rule("off", "tickets_30d > 2") { Enabled = false }]);
        var bad = new RuleSet("1", [new Rule("x", "tikets > 1"), new Rule("y", "plan > 1")]);

        Assert.Equal(["on"], CompiledRuleSet.Compile(set, TestSchema.Schema).Rules.Select(r => r.Rule.Id));
        Assert.Equal(2, Assert.Throws<RuleSetFormatException>(() => CompiledRuleSet.Compile(bad, TestSchema.Schema)).Issues.Count);
    }
}
