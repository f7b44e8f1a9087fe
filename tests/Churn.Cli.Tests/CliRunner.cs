using System.Text.Json;

namespace Churn.Cli.Tests;

/// <summary>Runs the churn command tree in-process and captures what it prints.</summary>
internal static class CliRunner
{
    public static async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await ChurnCli.RunAsync(args, output, error, cancellationToken: TestContext.Current.CancellationToken);
        return (exit, output.ToString(), error.ToString());
    }

    public static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;
}

/// <summary>A temporary folder deleted at the end of a test.</summary>
internal sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("churn-cli").FullName;

    public string File(string name, string content)
    {
        var p = System.IO.Path.Combine(Path, name);
        System.IO.File.WriteAllText(p, content);
        return p;
    }

    public string Combine(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
