using FsCheck;
using FsCheck.Xunit;
using Churn.Modeling;

namespace Churn.Modeling.Tests.Training;

public sealed class ModelTableTests : IDisposable
{
    private readonly List<string> _files = [];

    public void Dispose()
    {
        foreach (var f in _files)
        {
            File.Delete(f);
        }
    }

    [Fact]
    public void FromCsv_AColumnThatTurnsToTextLate_KeepsEveryValueAsWritten()
    {
        var path = Write(
            "id,plan,spend,score,churned",
            "a,1.50,10,0.5,yes",
            "b,2,,0.25,no",
            "c,  gold ,7.5,,no",
            "d,,1e3,1,YES");

        var table = ModelTable.FromCsv(path, "churned", id: "id");

        var plan = table.Columns.Single(c => c.Name == "plan");
        Assert.Equal(ModelColumnKind.Categorical, plan.Kind);
        Assert.Equal(["1.50", "2", "gold", null], plan.Categories!);
        var spend = table.Columns.Single(c => c.Name == "spend");
        Assert.Equal(ModelColumnKind.Numeric, spend.Kind);
        Assert.Equal([10, double.NaN, 7.5, 1000], spend.Numbers!);
        Assert.Equal([0.5, 0.25, double.NaN, 1], table.Columns.Single(c => c.Name == "score").Numbers!);
        Assert.Equal([true, false, false, true], table.Labels!);
        Assert.Equal(["a", "b", "c", "d"], table.Ids!);
        Assert.DoesNotContain(table.Columns, c => c.Name is "id" or "churned");
    }

    [Fact]
    public void FromCsv_SharesRepeatedCategoryStrings()
    {
        var path = Write("plan,churned", "gold,1", "silver,0", "gold,0", "gold,1");

        var plan = ModelTable.FromCsv(path, "churned").Columns[0].Categories!;

        Assert.Same(plan[0], plan[2]);
        Assert.Same(plan[0], plan[3]);
    }

    [Fact]
    public void FromCsv_BadRows_NameTheLine()
    {
        var ragged = Write("a,churned", "1,1", "2,0,extra", "3,1");
        Assert.Contains(":3: the row has 3 fields but the header has 2", Assert.Throws<ArgumentException>(() => ModelTable.FromCsv(ragged, "churned")).Message, StringComparison.Ordinal);

        var unlabelled = Write("a,churned", "1,1", "2,", "3,0");
        Assert.Contains(":3:2: 'churned' is empty", Assert.Throws<ArgumentException>(() => ModelTable.FromCsv(unlabelled, "churned")).Message, StringComparison.Ordinal);

        var threeValued = Write("a,churned", "1,yes", "2,no", "3,maybe");
        Assert.Contains("--positive", Assert.Throws<ArgumentException>(() => ModelTable.FromCsv(threeValued, "churned")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromCsv_WithAReport_KeepsTheGoodRows_AndCountsAddUp()
    {
        var path = Write("id,spend,churned", "a,1,yes", "b,1e400,no", "c,Infinity,no", "d,2,3,no", "e,,", "f,3,no");
        var report = new Churn.Data.IngestReport();

        var table = ModelTable.FromCsv(path, "churned", id: "id", report: report);

        Assert.Equal(["a", "f"], table.Ids!);
        Assert.Equal(ModelColumnKind.Numeric, table.Columns.Single(c => c.Name == "spend").Kind);
        Assert.Equal((6L, 2L, 4L), (report.Read, report.Accepted, report.Rejected));
        Assert.Equal([3L, 4L, 5L, 6L], report.Errors.Select(e => e.Line));
        Assert.Contains("'1e400' is not a finite number", report.Errors[0].Message, StringComparison.Ordinal);
        Assert.Equal(2, report.Errors[0].Column);
        Assert.Equal([2L, 7L], table.Lines!);
        Assert.Contains("is not a finite number", Assert.Throws<ArgumentException>(() => ModelTable.FromCsv(path, "churned", id: "id")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromCsv_OneUnparsableCellInANumberColumn_StaysNumeric_WithAWarningAtItsPosition()
    {
        var rows = Enumerable.Range(0, 40).Select(i => $"c{i},{i},{(i % 2 == 0 ? "yes" : "no")}").ToList();
        rows[7] = "c7,n/a,no";
        var path = Write(["id,tenure,churned", .. rows]);
        var report = new Churn.Data.IngestReport();

        var table = ModelTable.FromCsv(path, "churned", id: "id", report: report);

        var tenure = table.Columns.Single(c => c.Name == "tenure");
        Assert.Equal(ModelColumnKind.Numeric, tenure.Kind);
        Assert.True(double.IsNaN(tenure.Numbers![7]));
        Assert.Equal(8, tenure.Numbers[8]);
        Assert.Equal((40L, 40L, 0L, 1L), (report.Read, report.Accepted, report.Rejected, report.WarningCount));
        var warning = Assert.Single(report.Warnings);
        Assert.Equal((9L, 2, "tenure"), (warning.Line, warning.Column, warning.ColumnName));
        Assert.Contains("'n/a' is not a number", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CsvTable_UnparsableNumbers_Reject_RejectsTheRow_AndCountsAddUp()
    {
        var rows = Enumerable.Range(0, 40).Select(i => $"{i},{i * 2}").ToList();
        rows[3] = "3,?";
        rows[30] = "oops,60";
        var path = Write(["a,b", .. rows]);
        var report = new Churn.Data.IngestReport();

        var table = Churn.Data.CsvTable.Read(path, report, new Churn.Data.CsvTableOptions { UnparsableNumbers = Churn.Data.UnparsableNumberHandling.Reject });

        Assert.All(table.Columns, c => Assert.Equal(Churn.Data.CsvColumnKind.Number, c.Kind));
        Assert.Equal((40L, 38L, 2L, 0L), (report.Read, report.Accepted, report.Rejected, report.WarningCount));
        Assert.Equal([5L, 32L], report.Errors.Select(e => e.Line));
        Assert.Equal(38, table.RowCount);
        Assert.DoesNotContain(3.0, table.Columns[0].Numbers!);
    }

    [Fact]
    public void CsvTable_AColumnMostlyText_IsText_EvenAfterAThousandNumbers()
    {
        // 1,000 numbers then 1,500 words: more than 5 % are not numbers, so every cell is kept as written.
        var rows = Enumerable.Range(0, 2_500).Select(i => i < 1_000 ? $"{i}" : $"w{i % 7}").ToList();
        var path = Write(["code", .. rows]);

        var table = Churn.Data.CsvTable.Read(path, new Churn.Data.IngestReport());

        var code = Assert.Single(table.Columns);
        Assert.Equal(Churn.Data.CsvColumnKind.Text, code.Kind);
        Assert.Equal("999", code.Texts![999]);
        Assert.Equal("w0", code.Texts[1_001]);
    }

    [Property(MaxTest = 40)]
    public bool CsvTable_AFewBadCells_LeaveTheColumnNumeric_AndEveryOtherValueAsWritten(PositiveInt seed)
    {
        var random = new Random(seed.Get);
        var n = random.Next(20, 200);
        var values = Enumerable.Range(0, n).Select(_ => Math.Round(random.NextDouble() * 1000, 2)).ToArray();
        var bad = Enumerable.Range(0, n).Where(_ => random.NextDouble() < 0.03).Take(n / 20).ToHashSet();
        var tokens = new[] { "n/a", "NA", "?", "-", "none", "#VALUE!" };
        var path = Write(["x", .. values.Select((v, i) => bad.Contains(i) ? tokens[i % tokens.Length] : v.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        var report = new Churn.Data.IngestReport();

        var column = Churn.Data.CsvTable.Read(path, report).Columns[0];

        return column.Kind == Churn.Data.CsvColumnKind.Number
            && report.WarningCount == bad.Count
            && report.Warnings.Select(w => w.Line - 2).Order().SequenceEqual(bad.Select(b => (long)b).Order())
            && Enumerable.Range(0, n).All(i => bad.Contains(i) ? double.IsNaN(column.Numbers![i]) : column.Numbers![i] == values[i]);
    }

    private string Write(params string[] lines)
    {
        var path = Path.Combine(Path.GetTempPath(), $"churn-table-{Guid.NewGuid():N}.csv");
        File.WriteAllLines(path, lines);
        _files.Add(path);
        return path;
    }
}
