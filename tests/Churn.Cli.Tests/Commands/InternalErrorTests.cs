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

public sealed class UsageErrorTests
{
    [Fact]
    public async Task UsageErrors_ExitTwo_WithTheReason_AndNoHelpDump()
    {
        var (exit, output, error) = await CliRunner.RunAsync("model", "trian");
        var (delimiterExit, _, delimiterError) = await CliRunner.RunAsync("data", "validate", "--events", "x.csv", "--delimiter", "ab");

        Assert.Equal(2, exit);
        Assert.Contains("Unrecognized command or argument 'trian'", error, StringComparison.Ordinal);
        Assert.Contains("Run 'churn model --help'", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Usage:", output + error, StringComparison.Ordinal);
        Assert.Equal(2, delimiterExit);
        Assert.Contains("--delimiter 'ab' is not one character", delimiterError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\\t")]
    [InlineData("tab")]
    [InlineData("\t")]
    public async Task Delimiter_TabCanBeWrittenAsAShellAllows(string delimiter)
    {
        using var dir = new TempDir();
        var events = dir.File("events.tsv", "customer_id\ttimestamp\ttype\nc1\t2026-01-01\tlogin\nc2\t2026-01-02\tpurchase\n");

        var (exit, output, _) = await CliRunner.RunAsync("data", "validate", "--events", events, "--delimiter", delimiter, "--format", "json");

        Assert.Equal(0, exit);
        Assert.Equal(2, CliRunner.Json(output).GetProperty("accepted").GetInt32());
    }
}
