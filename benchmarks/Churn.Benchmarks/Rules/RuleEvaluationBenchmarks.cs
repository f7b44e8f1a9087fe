using BenchmarkDotNet.Attributes;
using Churn.Rules;
using RulesEngine.Models;
using MsRulesEngine = RulesEngine.RulesEngine;

namespace Churn.Benchmarks.Rules;

/// <summary>
/// Simple threshold rules on snapshots, one core: Churn.Rules' compiled delegates against
/// Microsoft's RulesEngine package on the same ten rules and the same data. Each benchmark
/// reports the time of ONE rule evaluation (OperationsPerInvoke = inputs x rules), so Mean is
/// directly comparable and 1 / Mean is evaluations per second.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 8)]
public class RuleEvaluationBenchmarks
{
    private const int Rules = 10;
    private const int ChurnInputs = 100_000;
    private const int EngineInputs = 2_000;
    private RuleInput[] _inputs = [];
    private Func<RuleInput, bool>[] _predicates = [];
    private FeatureRow[] _rows = [];
    private MsRulesEngine _engine = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        var names = Enumerable.Range(0, Rules).Select(i => $"f{i}").ToArray();
        var schema = new RuleSchema(names);
        var thresholds = Enumerable.Range(0, Rules).Select(i => 10.0 + (i * 8)).ToArray();
        _inputs = [.. Enumerable.Range(0, ChurnInputs).Select(_ =>
        {
            var input = schema.NewInput(DateTimeOffset.UnixEpoch);
            for (var f = 0; f < Rules; f++)
            {
                input.Numbers[f] = random.Next(0, 100);
            }

            return input;
        })];
        var set = new RuleSet("1", [.. Enumerable.Range(0, Rules).Select(i => new Churn.Rules.Rule($"r{i}", $"f{i} > {thresholds[i]}"))]);
        _predicates = [.. CompiledRuleSet.Compile(set, schema).Rules.Select(r => r.Condition.Predicate)];

        _rows = [.. _inputs.Take(EngineInputs).Select(i => new FeatureRow(i.Numbers))];
        var workflow = new Workflow
        {
            WorkflowName = "churn",
            Rules = [.. Enumerable.Range(0, Rules).Select(i => new RulesEngine.Models.Rule
            {
                RuleName = $"r{i}",
                Expression = $"input1.F{i} > {thresholds[i]}",
                RuleExpressionType = RuleExpressionType.LambdaExpression,
            })],
        };
        _engine = new MsRulesEngine([workflow], new ReSettings());

        // Same answers on the shared rows.
        var ours = _inputs.Take(EngineInputs).Sum(i => _predicates.Count(p => p(i)));
        var theirs = _rows.Sum(r => _engine.ExecuteAllRulesAsync("churn", r).AsTask().GetAwaiter().GetResult().Count(x => x.IsSuccess));
        if (ours != theirs)
        {
            throw new InvalidOperationException($"The engines disagree: {ours} vs {theirs} rules fired.");
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = EngineInputs * Rules, Description = "Microsoft RulesEngine 6.0.1, per evaluation")]
    public int MicrosoftRulesEngine()
    {
        var fired = 0;
        foreach (var row in _rows)
        {
            foreach (var result in _engine.ExecuteAllRulesAsync("churn", row).AsTask().GetAwaiter().GetResult())
            {
                fired += result.IsSuccess ? 1 : 0;
            }
        }

        return fired;
    }

    [Benchmark(OperationsPerInvoke = ChurnInputs * Rules, Description = "Churn.Rules compiled, per evaluation")]
    public int ChurnRules()
    {
        var fired = 0;
        var predicates = _predicates;
        foreach (var input in _inputs)
        {
            foreach (var p in predicates)
            {
                fired += p(input) ? 1 : 0;
            }
        }

        return fired;
    }

    /// <summary>The RulesEngine input: the same ten features as properties.</summary>
    public sealed class FeatureRow(double[] v)
    {
        public double F0 => v[0];

        public double F1 => v[1];

        public double F2 => v[2];

        public double F3 => v[3];

        public double F4 => v[4];

        public double F5 => v[5];

        public double F6 => v[6];

        public double F7 => v[7];

        public double F8 => v[8];

        public double F9 => v[9];
    }
}
