using System.CommandLine;
using Churn.Cli.Commands;

namespace Churn.Cli;

/// <summary>The <c>churn</c> command tree. Output goes to the given writers so that tests can run it in-process.</summary>
internal static class ChurnCli
{
    private static Stack<string> CommandPath(System.CommandLine.Parsing.CommandResult result)
    {
        var names = new Stack<string>();
        for (var r = result; r?.Parent is System.CommandLine.Parsing.CommandResult parent; r = parent)
        {
            names.Push(r.Command.Name);
        }

        return names;
    }

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
        root.Subcommands.Add(MonitorCommands.Build(output, error));
        root.Subcommands.Add(InterventionCommands.Plan(output, error));
        root.Subcommands.Add(InterventionCommands.Poll(output, error));
        root.Subcommands.Add(EvaluateCommands.Build(output, error));
        return root;
    }

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, Action<RootCommand>? extend = null, CancellationToken cancellationToken = default)
    {
        var root = Build(output, error);
        var verbose = new Option<bool>("--verbose") { Description = "On an internal error, also print the stack trace.", Recursive = true };
        root.Options.Add(verbose);
        extend?.Invoke(root);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // Usage errors: the reasons and a pointer to --help, not a help dump; exit 2 (1 means rows were rejected).
            foreach (var e in parse.Errors)
            {
                await error.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
            }

            await error.WriteLineAsync($"Run '{string.Join(' ', ["churn", .. parse.CommandResult.Command.Name == root.Name ? [] : CommandPath(parse.CommandResult)])} --help' for the options.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        // Exceptions the commands do not turn into a message are bugs: one line and exit 4, the stack trace only with --verbose.
        var config = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        try
        {
            return await parse.InvokeAsync(config, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("cancelled.").ConfigureAwait(false);
            return ExitCodes.Cancelled;
        }
        catch (Exception ex)
        {
            await error.WriteLineAsync($"internal error: {ex.GetType().Name}: {ex.Message}").ConfigureAwait(false);
            await error.WriteLineAsync("This is a bug in churn, not a problem with your input. Please report it to the Churn.Sdk issue tracker with the command you ran" + (parse.GetValue(verbose) ? " and the trace below." : " (run it again with --verbose for the stack trace).")).ConfigureAwait(false);
            if (parse.GetValue(verbose))
            {
                await error.WriteLineAsync(ex.ToString()).ConfigureAwait(false);
            }

            return ExitCodes.Internal;
        }
    }
}
