namespace Churn.Cli.Tests.Commands;

public sealed class DataCommandsTests
{
    [Fact]
    public async Task Validate_Json_HasContractFieldsAndLineNumbersFromHeader()
    {
        using var dir = new TempDir();
        var file = dir.File("events.csv", "customer_id,timestamp,type,amount,event_id\nc1,2026-01-05,purchase,10,e1\n,2026-01-05,login,,e2\nc3,2026-01-05,login,x,e3\n");

        var (exit, output, _) = await CliRunner.RunAsync("data", "validate", "--events", file, "--format", "json");

        Assert.Equal(1, exit);
        var json = CliRunner.Json(output);
        Assert.Equal(3, json.GetProperty("read").GetInt64());
        Assert.Equal(1, json.GetProperty("accepted").GetInt64());
        Assert.Equal(2, json.GetProperty("rejected").GetInt64());
        var errors = json.GetProperty("errors").EnumerateArray().ToList();
        Assert.Equal(3, errors[0].GetProperty("line").GetInt64());
        Assert.Equal(1, errors[0].GetProperty("column").GetInt32());
        Assert.Equal(4, errors[1].GetProperty("line").GetInt64());
        Assert.Equal(4, errors[1].GetProperty("column").GetInt32());
        Assert.Contains("not a number", errors[1].GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_CleanFile_ExitsZero_TextSaysCounts()
    {
        using var dir = new TempDir();
        var file = dir.File("events.csv", "customer_id,timestamp,type\nc1,2026-01-05,login\n");

        var (exit, output, _) = await CliRunner.RunAsync("data", "validate", "--events", file);

        Assert.Equal(0, exit);
        Assert.Contains("read 1, accepted 1, rejected 0", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_HostColumnNamesAndFormat_AreMapped()
    {
        using var dir = new TempDir();
        var file = dir.File("export.csv", "cust,when,kind,value,id\nA,20260105,purchase,5,1\nB,20260106,login,,2\n");

        var (exit, output, _) = await CliRunner.RunAsync(
            "data", "validate", "--events", file, "--customer-column", "cust", "--time-column", "when", "--type-column", "kind",
            "--amount-column", "value", "--event-id-column", "id", "--time-format", "yyyyMMdd", "--format", "json");

        Assert.Equal(0, exit);
        Assert.Equal(2, CliRunner.Json(output).GetProperty("accepted").GetInt64());
    }

    [Fact]
    public async Task Validate_MissingMappedColumn_ExitsThreeWithSuggestion()
    {
        using var dir = new TempDir();
        var file = dir.File("events.csv", "customer,timestamp,type\nc1,2026-01-05,login\n");

        var (exit, _, error) = await CliRunner.RunAsync("data", "validate", "--events", file);

        Assert.Equal(3, exit);
        Assert.Contains("Did you mean 'customer'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_MissingFile_ExitsThree()
    {
        var (exit, output, _) = await CliRunner.RunAsync("data", "validate", "--events", "/no/such/file.csv", "--format", "json");

        Assert.Equal(3, exit);
        Assert.Contains("does not exist", CliRunner.Json(output).GetProperty("errors")[0].GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generate_ThenValidate_IsClean_AndSameSeedSameFiles()
    {
        using var a = new TempDir();
        using var b = new TempDir();

        var (exit, output, _) = await CliRunner.RunAsync("data", "generate", "--customers", "300", "--seed", "5", "--out", a.Path, "--format", "json");
        await CliRunner.RunAsync("data", "generate", "--customers", "300", "--seed", "5", "--out", b.Path);
        var (validateExit, _, _) = await CliRunner.RunAsync("data", "validate", "--events", a.Combine("events.csv"));

        Assert.Equal(0, exit);
        Assert.Equal(300, CliRunner.Json(output).GetProperty("customers").GetInt32());
        Assert.Equal(0, validateExit);
        Assert.Equal(File.ReadAllBytes(a.Combine("events.csv")), File.ReadAllBytes(b.Combine("events.csv")));
        Assert.Equal(File.ReadAllBytes(a.Combine("truth.csv")), File.ReadAllBytes(b.Combine("truth.csv")));
    }

    [Fact]
    public async Task Help_IsAvailableForEveryCommand()
    {
        foreach (var path in new[] { new[] { "data", "validate" }, ["data", "generate"], ["features", "build"], ["labels", "build"] })
        {
            var (exit, output, _) = await CliRunner.RunAsync([.. path, "--help"]);
            Assert.Equal(0, exit);
            Assert.Contains("Usage:", output, StringComparison.Ordinal);
        }
    }
}
