using Churn.Data;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Churn.Data.Tests.Ingest;

public sealed class AmbiguityTests
{
    private const string Header = "customer_id,timestamp,type,amount\n";

    private static (List<Churn.Abstractions.CustomerEvent> Events, IngestReport Report) Read(string csv, CsvEventReaderOptions? options = null)
    {
        var report = new IngestReport();
        var events = new CsvEventReader(options).Read(new StringReader(csv), "events.csv", report, TestContext.Current.CancellationToken).ToList();
        return (events, report);
    }

    [Property(MaxTest = 100)]
    public bool DayMonthDates_AreNeverGuessed_WithoutAFormat(PositiveInt a, PositiveInt b, PositiveInt y, bool slash)
    {
        var day = (a.Get % 31) + 1;
        var month = (b.Get % 12) + 1;
        var text = $"{day:00}{(slash ? '/' : '.')}{month:00}{(slash ? '/' : '.')}{2000 + (y.Get % 50)}";

        var (events, report) = Read(Header + $"c1,{text},purchase,5\n");

        return events.Count == 0 && report.Rejected == 1 && report.Errors[0].Message.Contains("day or the month comes first", StringComparison.Ordinal);
    }

    [Fact]
    public void DayMonthDates_ReadAsTheFormatSays()
    {
        var (european, _) = Read(Header + "c1,01/02/2026,purchase,5\nc2,13/02/2026,purchase,5\n", new CsvEventReaderOptions { TimeFormat = "dd/MM/yyyy" });
        var (american, _) = Read(Header + "c1,01/02/2026,purchase,5\n", new CsvEventReaderOptions { TimeFormat = "MM/dd/yyyy" });

        Assert.Equal([new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 2, 13, 0, 0, 0, TimeSpan.Zero)], european.Select(e => e.Timestamp));
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 0, 0, 0, TimeSpan.Zero), american.Single().Timestamp);
    }

    [Fact]
    public void TableDates_DayMonth_AreRefused_IsoAccepted()
    {
        var path = Path.Combine(Path.GetTempPath(), $"churn-dates-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, "id,as_of\na,2026-02-01\nb,01/02/2026\n");
        try
        {
            var report = new IngestReport();
            var table = CsvTable.Read(path, report, new CsvTableOptions { DateColumns = ["as_of"] });

            Assert.Equal(1, table.RowCount);
            Assert.Contains("day or the month comes first", Assert.Single(report.Errors).Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void NearMissEventTypes_AreWarned_WithTheTypeMeant_AndStillRead()
    {
        var (events, report) = Read(Header + "c1,2026-01-05,purchse,5\nc2,2026-01-05,payment_faliure,\nc3,2026-01-05,purchase,5\nc4,2026-01-05,refund,5\nc5,2026-01-05,purchse,5\n");

        Assert.Equal(5, events.Count);
        Assert.Equal((5L, 0L, 3L), (report.Accepted, report.Rejected, report.WarningCount));
        Assert.Equal([2L, 3L, 6L], report.Warnings.Select(w => w.Line));
        Assert.Contains("did you mean 'purchase'?", report.Warnings[0].Message, StringComparison.Ordinal);
        Assert.Contains("did you mean 'payment_failure'?", report.Warnings[1].Message, StringComparison.Ordinal);
        Assert.All(report.Warnings, w => Assert.Equal(3, w.Column));
    }

    [Fact]
    public void DuplicateHeaders_AreAFileError_InEveryReader_NamingBothColumns()
    {
        var events = Assert.Throws<IngestException>(() => Read("customer_id,timestamp,type,TYPE\nc1,2026-01-01,purchase,login\n"));
        Assert.Equal((1L, 4), (events.Error!.Line, events.Error.Column));
        Assert.Contains("columns 3 and 4 are both named", events.Message, StringComparison.Ordinal);

        var customers = Assert.Throws<IngestException>(() => new CsvCustomerReader().Read(new StringReader("customer_id,plan,plan\nc1,a,b\n"), "customers.csv", new IngestReport(), TestContext.Current.CancellationToken).ToList());
        Assert.Contains("columns 2 and 3 are both named 'plan'", customers.Message, StringComparison.Ordinal);

        var path = Path.Combine(Path.GetTempPath(), $"churn-dup-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, "a,b,a\n1,2,3\n");
        try
        {
            Assert.Contains("columns 1 and 3 are both named 'a'", Assert.Throws<IngestException>(() => CsvTable.Read(path, new IngestReport())).Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TableLineNumbers_CountQuotedNewlines_LikeTheEventReaders()
    {
        var path = Path.Combine(Path.GetTempPath(), $"churn-ql-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, "id,note,x\na,\"two\nlines\",1\nb,plain,1e400\nc,\"x\",\xC3\n");
        File.WriteAllBytes(path, [.. File.ReadAllBytes(path).Take(File.ReadAllBytes(path).Length - 3), 0xC3, 0x28, (byte)'\n']);
        try
        {
            var report = new IngestReport();
            var table = CsvTable.Read(path, report, new CsvTableOptions { TextColumns = ["note"] });

            Assert.Equal([2L], table.Lines);
            Assert.Equal([4L, 5L], report.Errors.Select(e => e.Line));
            Assert.Contains("not valid UTF-8", report.Errors[1].Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
