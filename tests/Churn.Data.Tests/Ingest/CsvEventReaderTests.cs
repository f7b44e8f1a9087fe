using System.Globalization;
using System.Text;
using Churn.Abstractions;
using Churn.Data;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Churn.Data.Tests.Ingest;

public sealed class CsvEventReaderTests
{
    private const string Header = "customer_id,timestamp,type,amount,event_id\n";

    private static (List<CustomerEvent> Events, IngestReport Report) Read(string csv, CsvEventReaderOptions? options = null)
    {
        var report = new IngestReport();
        var events = new CsvEventReader(options).Read(new StringReader(csv), "events.csv", report, TestContext.Current.CancellationToken).ToList();
        return (events, report);
    }

    [Fact]
    public void Read_ValidRows_ParsesEveryField()
    {
        var (events, report) = Read(Header + "c1,2026-01-05T10:30:00Z,purchase,19.90,e1\nc2,2026-01-06,Login,,e2\n");

        Assert.Equal(2, events.Count);
        Assert.Equal(new CustomerId("c1"), events[0].CustomerId);
        Assert.Equal(new DateTimeOffset(2026, 1, 5, 10, 30, 0, TimeSpan.Zero), events[0].Timestamp);
        Assert.Equal(CustomerEventType.Purchase, events[0].Type);
        Assert.Equal(19.90m, events[0].Amount);
        Assert.Equal("e1", events[0].EventId);
        Assert.Equal(CustomerEventType.Login, events[1].Type);
        Assert.Null(events[1].Amount);
        Assert.Equal(2, report.Read);
        Assert.Equal(2, report.Accepted);
        Assert.True(report.IsClean);
    }

    [Fact]
    public void Read_BadValues_ReportsLineColumnAndReason()
    {
        var csv = Header +
            "c1,2026-01-05,purchase,10,e1\n" + // line 2 ok
            ",2026-01-05,purchase,10,e2\n" + // line 3 empty id
            "c3,2026-13-45,purchase,10,e3\n" + // line 4 bad date
            "c4,2026-01-05,purchase,1O.5,e4\n" + // line 5 bad number
            "c5,2026-01-05,purchase,10,e1\n" + // line 6 duplicate id
            "c6,2026-01-05,purchase\n" + // line 7 too few fields
            "c7,2026-01-05,,10,e7\n"; // line 8 empty type
        var (events, report) = Read(csv);

        Assert.Single(events);
        Assert.Equal(7, report.Read);
        Assert.Equal(1, report.Accepted);
        Assert.Equal(6, report.Rejected);
        Assert.Equal(report.Read, report.Accepted + report.Rejected);
        var e = report.Errors;
        Assert.Equal((3L, 1), (e[0].Line, e[0].Column));
        Assert.Contains("customer id is empty", e[0].Message, StringComparison.Ordinal);
        Assert.Equal((4L, 2), (e[1].Line, e[1].Column));
        Assert.Contains("not a valid date", e[1].Message, StringComparison.Ordinal);
        Assert.Equal((5L, 4), (e[2].Line, e[2].Column));
        Assert.Contains("'1O.5' is not a number", e[2].Message, StringComparison.Ordinal);
        Assert.Equal((6L, 5), (e[3].Line, e[3].Column));
        Assert.Contains("duplicate event id 'e1'", e[3].Message, StringComparison.Ordinal);
        Assert.Equal(7L, e[4].Line);
        Assert.Contains("3 fields but the header has 5", e[4].Message, StringComparison.Ordinal);
        Assert.Equal((8L, 3), (e[5].Line, e[5].Column));
        Assert.Equal("events.csv", e[0].Source);
        Assert.Equal("events.csv:3:1: the customer id is empty", e[0].ToString());
    }

    [Fact]
    public void Read_QuotedFieldSpanningLines_CountsPhysicalLines()
    {
        var csv = "customer_id,timestamp,type,amount,note\n" +
            "c1,2026-01-05,feedback,8,\"great\nservice\"\n" + // lines 2-3
            "c2,not-a-date,login,,x\n"; // line 4
        var (_, report) = Read(csv, new CsvEventReaderOptions { AttributeColumns = ["note"] });

        Assert.Equal(4L, Assert.Single(report.Errors).Line);
    }

    [Fact]
    public void Read_QuotedCommaAndAttributes_KeepsText()
    {
        var (events, _) = Read("customer_id,timestamp,type,amount,comment\nc1,2026-01-05,feedback,3,\"slow, rude\"\n", new CsvEventReaderOptions { AttributeColumns = ["comment"] });

        Assert.Equal("slow, rude", events[0].Attributes!["comment"]);
    }

    [Fact]
    public void Read_BlankLines_AreCountedButAreNotRecords()
    {
        var (events, report) = Read(Header + "c1,2026-01-05,login,,\n\n\r\nc2,2026-01-06,login,,\n");

        Assert.Equal(2, events.Count);
        Assert.Equal(2, report.Read);
        Assert.Equal(2, report.BlankLines);
    }

    [Fact]
    public void Read_TruncatedInsideQuote_RejectsWithLineAndStops()
    {
        var (events, report) = Read(Header + "c1,2026-01-05,login,,e1\nc2,2026-01-06,\"login");

        Assert.Single(events);
        var error = Assert.Single(report.Errors);
        Assert.Equal(3L, error.Line);
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
        Assert.Equal(report.Read, report.Accepted + report.Rejected);
    }

    [Fact]
    public void Read_TruncatedLastRow_RejectsIt()
    {
        var (events, report) = Read(Header + "c1,2026-01-05,login,,e1\nc2,2026-01");

        Assert.Single(events);
        Assert.Equal(3L, Assert.Single(report.Errors).Line);
    }

    [Fact]
    public void ReadFile_InvalidUtf8_RejectsTheRow()
    {
        var path = Path.GetTempFileName();
        try
        {
            var bytes = new List<byte>(Encoding.UTF8.GetBytes(Header + "c1,2026-01-05,login,,e1\nc"));
            bytes.AddRange([0xC3, 0x28]);
            bytes.AddRange(Encoding.UTF8.GetBytes(",2026-01-05,login,,e2\n"));
            File.WriteAllBytes(path, [.. bytes]);
            var report = new IngestReport();

            var events = new CsvEventReader().ReadFile(path, report, TestContext.Current.CancellationToken).ToList();

            Assert.Single(events);
            var error = Assert.Single(report.Errors);
            Assert.Equal((3L, 1), (error.Line, error.Column));
            Assert.Contains("UTF-8", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Read_MissingColumn_ThrowsWithSuggestion()
    {
        var ex = Assert.Throws<IngestException>(() => Read("customer,timestamp,type\nc1,2026-01-05,login\n"));

        Assert.Contains("'customer_id'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Did you mean 'customer'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_EmptyFile_ThrowsClearError()
    {
        var ex = Assert.Throws<IngestException>(() => Read(string.Empty));

        Assert.Contains("empty", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_FailFast_ThrowsAtFirstBadRow()
    {
        var ex = Assert.Throws<IngestException>(() => Read(Header + "c1,2026-01-05,login,,\nc2,bad,login,,\nc3,bad,login,,\n", new CsvEventReaderOptions { ErrorMode = ErrorMode.FailFast }));

        Assert.Equal(3L, ex.Error!.Line);
    }

    [Fact]
    public void Read_HostColumnsAndFormat_AreMapped()
    {
        var options = new CsvEventReaderOptions
        {
            CustomerColumn = "cust",
            TimeColumn = "when",
            TypeColumn = "kind",
            AmountColumn = "value",
            TimeFormat = "dd/MM/yyyy",
            Delimiter = ';',
        };
        var (events, report) = Read("cust;when;kind;value\nA;31/12/2025;purchase;1.5\n", options);

        Assert.True(report.IsClean);
        Assert.Equal(new DateTimeOffset(2025, 12, 31, 0, 0, 0, TimeSpan.Zero), events[0].Timestamp);
        Assert.Equal(1.5m, events[0].Amount);
    }

    [Fact]
    public void Read_NumbersAreCultureInvariant()
    {
        var previous = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = new CultureInfo("de-DE");
            var (events, _) = Read(Header + "c1,2026-01-05,purchase,1234.5,\n");
            Assert.Equal(1234.5m, events[0].Amount);
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public async Task ReadAsync_SameAsSync()
    {
        var csv = Header + "c1,2026-01-05,purchase,10,e1\nc2,bad,login,,e2\nc3,2026-01-07,login,,e3\n";
        var syncReport = new IngestReport();
        var sync = new CsvEventReader().Read(new StringReader(csv), "x", syncReport, TestContext.Current.CancellationToken).ToList();
        var asyncReport = new IngestReport();
        var list = new List<CustomerEvent>();
        await foreach (var e in new CsvEventReader().ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes(csv)), "x", asyncReport, TestContext.Current.CancellationToken))
        {
            list.Add(e);
        }

        Assert.Equal(sync, list);
        Assert.Equal(syncReport.Errors, asyncReport.Errors);
    }

    [Property(MaxTest = 200)]
    public Property WriteThenRead_RoundTripsEveryEvent() =>
        Prop.ForAll(Generators.Events(), events =>
        {
            var sb = new StringBuilder(Header);
            var i = 0;
            foreach (var e in events)
            {
                sb.Append(CultureInfo.InvariantCulture, $"{e.CustomerId},{e.Timestamp:yyyy-MM-ddTHH:mm:ssZ},{e.Type},{e.Amount?.ToString(CultureInfo.InvariantCulture)},id{i++}\n");
            }

            var (read, report) = Read(sb.ToString());
            return report.IsClean
                && read.Count == events.Length
                && read.Zip(events).All(p => p.First.CustomerId == p.Second.CustomerId && p.First.Timestamp == p.Second.Timestamp && p.First.Type == p.Second.Type && p.First.Amount == p.Second.Amount);
        });

    [Property(MaxTest = 300)]
    public Property AnyText_NeverThrowsUnexplained_AndAccountingAddsUp() =>
        Prop.ForAll(
            Gen.ArrayOf(Gen.Elements("c1", "2026-01-05", "login", "12.5", "\"", ",", "\n", "\r\n", "x", "", " ", "e1", "purchase", "-3")).Select(string.Concat).ToArbitrary(),
            body =>
            {
                var report = new IngestReport();
                try
                {
                    _ = new CsvEventReader().Read(new StringReader(Header + body), "f", report).Count();
                }
                catch (IngestException)
                {
                    return false;
                }

                return report.Read == report.Accepted + report.Rejected && report.Errors.All(e => e.Line >= 2);
            });
}
