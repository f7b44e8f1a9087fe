using System.CommandLine;

namespace Churn.Cli.Tests.Commands;

public sealed class InternalErrorTests
{
    private static void Crashing(RootCommand root)
    {
        var command = new Command("crash", "Throws, as a bug would.");
        command.SetAction((_, _) => Task.FromResult(((int[])[])[1]));
        var cancel = new Command("cancel", "Is cancelled.");
        cancel.SetAction((_, _) => Task.FromException<int>(new OperationCanceledException()));
        root.Subcommands.Add(command);
        root.Subcommands.Add(cancel);
    }

    [Fact]
    public async Task AnUnexpectedException_IsOneLineAndExitFour_TheTraceOnlyWithVerbose()
    {
        var (plainExit, plainErr) = await Run("crash");
        var (verboseExit, verboseErr) = await Run("crash", "--verbose");
        var (cancelExit, cancelErr) = await Run("cancel");

        Assert.Equal(4, plainExit);
        Assert.StartsWith("internal error: IndexOutOfRangeException:", plainErr, StringComparison.Ordinal);
        Assert.Contains("--verbose", plainErr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", plainErr, StringComparison.Ordinal);
        Assert.Equal(4, verboseExit);
        Assert.Contains("   at ", verboseErr, StringComparison.Ordinal);
        Assert.Equal((130, "cancelled."), (cancelExit, cancelErr.Trim()));
    }

    private static async Task<(int Exit, string Err)> Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await ChurnCli.RunAsync(args, output, error, Crashing, TestContext.Current.CancellationToken);
        return (exit, error.ToString());
    }
}
