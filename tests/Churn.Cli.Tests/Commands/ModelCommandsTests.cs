using System.Globalization;

namespace Churn.Cli.Tests.Commands;

public sealed class ModelCommandsTests
{
    private static readonly string Telco = Path.Combine(AppContext.BaseDirectory, "data", "telco", "Telco-Customer-Churn.csv");

    [Fact]
    public async Task Train_Score_Evaluate_EndToEnd()
    {
        using var dir = new TempDir();
        var modelFile = dir.Combine("telco.model");

        var (trainExit, trainOut, _) = await CliRunner.RunAsync("model", "train", "--data", Telco, "--label", "Churn", "--positive", "Yes", "--id", "customerID", "--folds", "5", "--out", modelFile, "--format", "json");

        Assert.Equal(0, trainExit);
        var cv = CliRunner.Json(trainOut).GetProperty("cv");
        Assert.True(cv.GetProperty("auc").GetDouble() >= 0.845);
        foreach (var field in new[] { "prAuc", "logLoss", "ece", "empc" })
        {
            Assert.True(cv.GetProperty(field).GetDouble() > 0, field);
        }

        var newCustomers = dir.File("new.csv", string.Join("\n", File.ReadLines(Telco).Take(101).Select(l => string.Join(',', l.Split(',')[..^1]))) + "\n");
        var scoresFile = dir.Combine("scores.csv");
        var (scoreExit, _, _) = await CliRunner.RunAsync("model", "score", "--model", modelFile, "--data", newCustomers, "--id", "customerID", "--out", scoresFile);
        Assert.Equal(0, scoreExit);
        var lines = File.ReadAllLines(scoresFile);
        Assert.Equal("id,probability,risk_level,reasons", lines[0]);
        Assert.Equal(101, lines.Length);
        Assert.Contains("churn risk by", lines[1], StringComparison.Ordinal);

        // Evaluate the model's own scores against the truth, as a CRM would its health score.
        var truth = File.ReadLines(Telco).Skip(1).Take(100).Select(l => l.Split(',')[^1]).ToArray();
        var joined = dir.File("joined.csv", "score,Churn\n" + string.Join("\n", lines.Skip(1).Select((l, i) => $"{l.Split(',')[1]},{truth[i]}")) + "\n");
        var (evalExit, evalOut, _) = await CliRunner.RunAsync("model", "evaluate", "--scores", joined, "--score-column", "score", "--label", "Churn", "--positive", "Yes", "--format", "json");
        Assert.Equal(0, evalExit);
        var m = CliRunner.Json(evalOut);
        foreach (var field in new[] { "auc", "prAuc", "logLoss", "brier", "ece", "empc", "empcFraction", "mpc", "mpcFraction" })
        {
            Assert.True(m.TryGetProperty(field, out _), field);
        }

        Assert.InRange(m.GetProperty("auc").GetDouble(), 0.7, 1);
    }

    [Fact]
    public async Task Train_BalanceClassesAndCalibration_AreRecorded()
    {
        using var dir = new TempDir();
        var sample = dir.File("telco.csv", string.Join("\n", File.ReadLines(Telco).Take(1501)) + "\n");

        var (exit, output, _) = await CliRunner.RunAsync("model", "train", "--data", sample, "--label", "Churn", "--positive", "Yes", "--id", "customerID", "--folds", "3", "--balance-classes", "--out", dir.Combine("m.model"), "--format", "json");

        Assert.Equal(0, exit);
        var json = CliRunner.Json(output);
        Assert.True(json.GetProperty("balancedClasses").GetBoolean());
        Assert.True(json.GetProperty("cv").GetProperty("ece").GetDouble() < 0.05);
        Assert.True(json.GetProperty("cv").GetProperty("auc").GetDouble() > 0.8);
        Assert.Equal("platt", json.GetProperty("calibration").GetString());

        var (isoExit, isoOutput, _) = await CliRunner.RunAsync("model", "train", "--data", sample, "--label", "Churn", "--positive", "Yes", "--id", "customerID", "--folds", "3", "--calibration", "isotonic", "--out", dir.Combine("i.model"), "--format", "json");
        Assert.Equal(0, isoExit);
        var iso = CliRunner.Json(isoOutput);
        Assert.Equal("isotonic", iso.GetProperty("calibration").GetString());
        Assert.False(iso.GetProperty("balancedClasses").GetBoolean());
        var (badExit, _, _) = await CliRunner.RunAsync("model", "train", "--data", sample, "--label", "Churn", "--calibration", "beta", "--out", dir.Combine("b.model"));
        Assert.NotEqual(0, badExit);
    }

    [Fact]
    public async Task Train_Hgb_IsTheSameModelOnOneThreadOrAll_AndScores()
    {
        using var dir = new TempDir();
        var sample = dir.File("telco.csv", string.Join("\n", File.ReadLines(Telco).Take(1501)) + "\n");

        var (oneExit, one, _) = await CliRunner.RunAsync("model", "train", "--data", sample, "--label", "Churn", "--positive", "Yes", "--id", "customerID", "--folds", "3", "--trainer", "hgb", "--threads", "1", "--out", dir.Combine("one.model"), "--format", "json");
        var (allExit, all, _) = await CliRunner.RunAsync("model", "train", "--data", sample, "--label", "Churn", "--positive", "Yes", "--id", "customerID", "--folds", "3", "--trainer", "hgb", "--out", dir.Combine("all.model"), "--format", "json");

        Assert.Equal(0, oneExit);
        Assert.Equal(0, allExit);
        Assert.Equal(["HistGradientBoosting"], CliRunner.Json(all).GetProperty("learners").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(CliRunner.Json(one).GetProperty("cv").GetProperty("auc").GetDouble(), CliRunner.Json(all).GetProperty("cv").GetProperty("auc").GetDouble());
        Assert.True(CliRunner.Json(all).GetProperty("cv").GetProperty("auc").GetDouble() > 0.8);

        var (scoreOne, _, _) = await CliRunner.RunAsync("model", "score", "--model", dir.Combine("one.model"), "--data", sample, "--id", "customerID", "--out", dir.Combine("one.csv"));
        var (scoreAll, _, _) = await CliRunner.RunAsync("model", "score", "--model", dir.Combine("all.model"), "--data", sample, "--id", "customerID", "--out", dir.Combine("all.csv"));
        Assert.Equal(0, scoreOne);
        Assert.Equal(0, scoreAll);
        Assert.Equal(File.ReadAllText(dir.Combine("one.csv")), File.ReadAllText(dir.Combine("all.csv")));

        var (badExit, _, _) = await CliRunner.RunAsync("model", "train", "--data", sample, "--label", "Churn", "--trainer", "xgboost", "--out", dir.Combine("x.model"));
        Assert.NotEqual(0, badExit);

        // The default chooses its trees (learning rate 0.1, 8 or 32 leaves, regularised or light); --trees fixes them.
        Assert.Equal([1.0], CliRunner.Json(all).GetProperty("blendWeights").EnumerateArray().Select(e => e.GetDouble()));
        var chosen = CliRunner.Json(all).GetProperty("treeSettings");
        Assert.Equal(0.1, chosen.GetProperty("learningRate").GetDouble());
        Assert.Contains((chosen.GetProperty("leaves").GetInt32(), chosen.GetProperty("l2").GetDouble(), chosen.GetProperty("minLeafCount").GetInt32()), new[] { (8, 1.0, 20), (32, 1.0, 20), (8, 0.0, 10), (32, 0.0, 10) });
        var (fixedExit, fixedOut, _) = await CliRunner.RunAsync("model", "train", "--data", sample, "--label", "Churn", "--positive", "Yes", "--id", "customerID", "--folds", "3", "--trees", "30,4,0.2,10,0.5", "--out", dir.Combine("fixed.model"), "--format", "json");
        Assert.Equal(0, fixedExit);
        var settings = CliRunner.Json(fixedOut).GetProperty("treeSettings");
        Assert.Equal((30, 4, 0.2, 10, 0.5), (settings.GetProperty("trees").GetInt32(), settings.GetProperty("leaves").GetInt32(), settings.GetProperty("learningRate").GetDouble(), settings.GetProperty("minLeafCount").GetInt32(), settings.GetProperty("l2").GetDouble()));
        foreach (var bad in new[] { "30,4", "0,4,0.1", "30,1,0.1", "30,4,1.5", "30,4,0.1,0", "thirty,4,0.1", "30,4,0.1,20,-1", "30,4,0.1,20,NaN", "30,4,0.1,20,1,2" })
        {
            var (usage, _, usageError) = await CliRunner.RunAsync("model", "train", "--data", sample, "--label", "Churn", "--trees", bad, "--out", dir.Combine("bad.model"));
            Assert.Equal(2, usage);
            Assert.Contains("--trees", usageError, StringComparison.Ordinal);
        }

        Assert.False(File.Exists(dir.Combine("bad.model")));
    }

    [Fact]
    public async Task Evaluate_NonProbabilityScores_GiveNullProbabilityMetrics()
    {
        using var dir = new TempDir();
        var file = dir.File("health.csv", "health,churned\n" + string.Join("\n", Enumerable.Range(0, 40).Select(i => string.Create(CultureInfo.InvariantCulture, $"{i * 3},{(i % 3 == 0 ? 1 : 0)}"))) + "\n");

        var (exit, output, _) = await CliRunner.RunAsync("model", "evaluate", "--scores", file, "--score-column", "health", "--label", "churned", "--format", "json");

        Assert.Equal(0, exit);
        var m = CliRunner.Json(output);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, m.GetProperty("logLoss").ValueKind);
        Assert.True(m.GetProperty("auc").GetDouble() > 0);
    }

    [Fact]
    public async Task Score_CorruptModel_ExitsThree()
    {
        using var dir = new TempDir();

        var (exit, _, error) = await CliRunner.RunAsync("model", "score", "--model", dir.File("bad.model", "garbage"), "--data", Telco, "--out", dir.Combine("s.csv"));

        Assert.Equal(3, exit);
        Assert.Contains("is not a churn model file", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Score_UnseenCategories_AreCountedAndWorded_AndStrictRejectsThem()
    {
        using var dir = new TempDir();
        var sample = dir.File("train.csv", string.Join("\n", File.ReadLines(Telco).Take(1501)) + "\n");
        var modelFile = dir.Combine("m.model");
        Assert.Equal(0, (await CliRunner.RunAsync("model", "train", "--data", sample, "--label", "Churn", "--id", "customerID", "--folds", "2", "--out", modelFile)).Exit);

        // A CRM export that writes "Monthly" for "Month-to-month", and one customer in lower case.
        var rows = File.ReadLines(Telco).Take(41).Select(l => string.Join(',', l.Split(',')[..^1])).ToList();
        var monthly = rows.Count(r => r.Contains(",Month-to-month,", StringComparison.Ordinal));
        var edited = rows.Select((r, i) => i == 0 ? r : r.Replace(",Month-to-month,", ",Monthly,", StringComparison.Ordinal)).ToList();
        edited[2] = edited[2].Replace(",One year,", ",one year,", StringComparison.Ordinal);
        var lowerCased = edited[2].Contains(",one year,", StringComparison.Ordinal) ? 1 : 0;
        var data = dir.File("new.csv", string.Join("\n", edited) + "\n");

        var (exit, output, _) = await CliRunner.RunAsync("model", "score", "--model", modelFile, "--data", data, "--id", "customerID", "--out", dir.Combine("s.csv"), "--format", "json");

        Assert.Equal(0, exit);
        var input = CliRunner.Json(output).GetProperty("input");
        Assert.Equal(monthly + lowerCased, input.GetProperty("warnings").GetInt64());
        var examples = input.GetProperty("warningExamples").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Contains(examples, e => e.Contains("'Monthly' is not a value of 'Contract' seen in training", StringComparison.Ordinal));
        if (lowerCased == 1)
        {
            Assert.Contains(examples, e => e.StartsWith("new.csv:3:16:", StringComparison.Ordinal) && e.Contains("did you mean 'One year'?", StringComparison.Ordinal));
        }

        var scored = File.ReadAllLines(dir.Combine("s.csv"));
        Assert.DoesNotContain(scored, l => l.Contains("Contract is Monthly:", StringComparison.Ordinal));

        // --strict: the same rows are rejected, nothing is written, exit 1.
        var strictOut = dir.Combine("strict.csv");
        var (strictExit, strictJson, _) = await CliRunner.RunAsync("model", "score", "--model", modelFile, "--data", data, "--id", "customerID", "--out", strictOut, "--strict", "--format", "json");
        Assert.Equal(1, strictExit);
        var strict = CliRunner.Json(strictJson);
        Assert.Equal(monthly + lowerCased, strict.GetProperty("rejected").GetInt64());
        Assert.Equal(strict.GetProperty("read").GetInt64(), strict.GetProperty("accepted").GetInt64() + strict.GetProperty("rejected").GetInt64());
        Assert.False(File.Exists(strictOut));
    }

    [Fact]
    public async Task Train_OneNotANumberCell_KeepsTheColumnNumeric_AndWarns()
    {
        using var dir = new TempDir();
        var lines = File.ReadLines(Telco).Take(1501).ToList();
        var tenure = Array.IndexOf(lines[0].Split(','), "tenure");
        var cells = lines[5].Split(',');
        cells[tenure] = "n/a";
        lines[5] = string.Join(',', cells);
        var sample = dir.File("train.csv", string.Join("\n", lines) + "\n");

        var (exit, output, _) = await CliRunner.RunAsync("model", "train", "--data", sample, "--label", "Churn", "--id", "customerID", "--folds", "2", "--out", dir.Combine("m.model"), "--format", "json");
        var (cleanExit, cleanOutput, _) = await CliRunner.RunAsync("model", "train", "--data", dir.File("clean.csv", string.Join("\n", File.ReadLines(Telco).Take(1501)) + "\n"), "--label", "Churn", "--id", "customerID", "--folds", "2", "--out", dir.Combine("c.model"), "--format", "json");

        Assert.Equal((0, 0), (exit, cleanExit));
        var json = CliRunner.Json(output);
        Assert.Equal(CliRunner.Json(cleanOutput).GetProperty("features").GetInt32(), json.GetProperty("features").GetInt32());
        Assert.Equal(1, json.GetProperty("input").GetProperty("warnings").GetInt64());
        Assert.StartsWith($"train.csv:6:{tenure + 1}: 'n/a' is not a number", json.GetProperty("input").GetProperty("warningExamples")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Info_DescribesTheModel_AndScoresCanBeJsonLines()
    {
        using var dir = new TempDir();
        var sample = dir.File("train.csv", string.Join("\n", File.ReadLines(Telco).Take(801)) + "\n");
        var modelFile = dir.Combine("m.model");
        var (trainExit, trainOut, _) = await CliRunner.RunAsync("model", "train", "--data", sample, "--label", "Churn", "--id", "customerID", "--folds", "2", "--out", modelFile, "--format", "json");
        Assert.Equal(0, trainExit);

        var (exit, output, _) = await CliRunner.RunAsync("model", "info", "--model", modelFile, "--format", "json");
        var (textExit, text, _) = await CliRunner.RunAsync("model", "info", "--model", modelFile);
        var (badExit, _, badError) = await CliRunner.RunAsync("model", "info", "--model", dir.File("bad.model", "nope"));

        Assert.Equal((0, 0, 3), (exit, textExit, badExit));
        var info = CliRunner.Json(output);
        var trained = CliRunner.Json(trainOut);
        Assert.Equal(trained.GetProperty("rows").GetInt32(), info.GetProperty("rows").GetInt32());
        Assert.Equal(trained.GetProperty("cv").GetProperty("auc").GetDouble(), info.GetProperty("cv").GetProperty("auc").GetDouble(), 9);
        Assert.Equal(trained.GetProperty("features").GetInt32(), info.GetProperty("encodedFeatures").GetInt32());
        Assert.Equal(19, info.GetProperty("inputs").GetArrayLength());
        Assert.Contains(info.GetProperty("inputs").EnumerateArray(), i => i.GetProperty("name").GetString() == "Contract" && i.GetProperty("levels").GetArrayLength() == 3);
        Assert.False(string.IsNullOrEmpty(info.GetProperty("sdkVersion").GetString()));
        Assert.Contains("tenure (number)", text, StringComparison.Ordinal);
        Assert.Contains("is not a churn model file", badError, StringComparison.Ordinal);

        var data = dir.File("new.csv", string.Join("\n", File.ReadLines(Telco).Take(51).Select(l => string.Join(',', l.Split(',')[..^1]))) + "\n");
        var csvOut = dir.Combine("s.csv");
        var jsonOut = dir.Combine("s.jsonl");
        Assert.Equal(0, (await CliRunner.RunAsync("model", "score", "--model", modelFile, "--data", data, "--id", "customerID", "--out", csvOut)).Exit);
        Assert.Equal(0, (await CliRunner.RunAsync("model", "score", "--model", modelFile, "--data", data, "--id", "customerID", "--out", jsonOut)).Exit);

        var csv = File.ReadAllLines(csvOut).Skip(1).Select(l => l.Split(',')).ToList();
        var lines = File.ReadAllLines(jsonOut).Select(l => CliRunner.Json(l)).ToList();
        Assert.Equal(50, lines.Count);
        for (var i = 0; i < lines.Count; i++)
        {
            Assert.Equal(csv[i][0], lines[i].GetProperty("id").GetString());
            Assert.Equal(double.Parse(csv[i][1], CultureInfo.InvariantCulture), lines[i].GetProperty("probability").GetDouble());
            Assert.Equal(csv[i][2], lines[i].GetProperty("riskLevel").GetString());
            Assert.Equal(3, lines[i].GetProperty("reasons").GetArrayLength());
        }
    }

    [Fact]
    public async Task Train_WithoutId_NamesTheIdLikeColumn()
    {
        using var dir = new TempDir();
        var sample = dir.File("train.csv", string.Join("\n", File.ReadLines(Telco).Take(401)) + "\n");

        var (exit, output, _) = await CliRunner.RunAsync("model", "train", "--data", sample, "--label", "Churn", "--folds", "2", "--out", dir.Combine("m.model"), "--format", "json");
        var (withId, withIdOutput, _) = await CliRunner.RunAsync("model", "train", "--data", sample, "--label", "Churn", "--id", "customerID", "--folds", "2", "--out", dir.Combine("n.model"), "--format", "json");

        Assert.Equal((0, 0), (exit, withId));
        Assert.Contains("pass --id customerID", Assert.Single(CliRunner.Json(output).GetProperty("hints").EnumerateArray()).GetString(), StringComparison.Ordinal);
        Assert.Equal(0, CliRunner.Json(withIdOutput).GetProperty("hints").GetArrayLength());
    }
}
