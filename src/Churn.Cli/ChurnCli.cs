using System.CommandLine;
using Churn.Cli.Commands;

namespace Churn.Cli;

/// <summary>The <c>churn</c> command tree. Output goes to the given writers so that tests can run it in-process.</summary>
internal static class ChurnCli
{
    public static RootCommand Build(TextWriter output, TextWriter error)
    {
        var root = new RootCommand("churn: customer churn early warning from the command line (Churn.Sdk).");
        root.Subcommands.Add(DataCommands.Build(output, error));
        root.Subcommands.Add(FeaturesCommands.Build(output, error));
        root.Subcommands.Add(LabelsCommands.Build(output, error));
        root.Subcommands.Add(ValueCommands.Build(output, error));
        root.Subcommands.Add(RulesCommands.Build(output, error));
        root.Subcommands.Add(ModelCommands.Build(output, error));
        root.Subcommands.Add(PipelineCommands.Dataset(output, error));
        root.Subcommands.Add(PipelineCommands.Assess(output, error));
        root.Subcommands.Add(PipelineCommands.Backtest(output, error));
        root.Subcommands.Add(SegmentCommands.Build(output, error));
        root.Subcommands.Add(StoreCommands.Build(output, error));
        return root;
    }

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        var root = Build(output, error);
        var parse = root.Parse(args);
        var config = new InvocationConfiguration { Output = output, Error = error };
        return await parse.InvokeAsync(config, cancellationToken).ConfigureAwait(false);
    }
}
