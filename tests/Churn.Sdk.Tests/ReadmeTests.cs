namespace Churn.Sdk.Tests;

public sealed class ReadmeTests
{
    [Fact]
    public void ReadmeCSharp_IsTheQuickstartsCompiledCode()
    {
        var readme = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "data", "README.md")).ReplaceLineEndings("\n");
        var quickstart = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "data", "Quickstart.cs.txt")).ReplaceLineEndings("\n");
        var start = quickstart.IndexOf("// <readme>\n", StringComparison.Ordinal);
        var end = quickstart.IndexOf("// </readme>", StringComparison.Ordinal);

        Assert.True(start >= 0 && end > start, "the quickstart marks the README's code with // <readme> and // </readme>");
        var code = quickstart[(start + "// <readme>\n".Length)..end];
        Assert.Contains(code, readme, StringComparison.Ordinal);
        Assert.Contains("dotnet run --project samples/Churn.Quickstart -c Release", readme, StringComparison.Ordinal);
        Assert.Contains("dotnet test Churn.Sdk.sln -c Release", readme, StringComparison.Ordinal);
    }
}
