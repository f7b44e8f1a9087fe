using System.Text;
using Churn.Data;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Churn.Data.Tests.Ingest;

public sealed class LineLimitTests
{
    private const string Header = "customer_id,timestamp,type,amount\n";

    private static string ReadAll(TextReader reader, Random chunks)
    {
        var text = new StringBuilder();
        var buffer = new char[64];
        int n;
        while ((n = reader.Read(buffer, 0, chunks.Next(1, buffer.Length + 1))) > 0)
        {
            text.Append(buffer, 0, n);
        }

        return text.ToString();
    }

    [Property(MaxTest = 200)]
    public bool ShortLines_PassThroughUnchanged_WhateverTheReadSizes(NonNull<string> text, PositiveInt seed)
    {
        var input = text.Get.Replace("\0", string.Empty, StringComparison.Ordinal);
        var longest = input.Split('\n', '\r').Max(l => l.Length);
        using var reader = new LineLimitReader(new StringReader(input), Math.Max(1, longest));

        return ReadAll(reader, new Random(seed.Get)) == input;
    }

    [Property(MaxTest = 200)]
    public bool LongLines_KeepTheirStartAndNewline_AndEndInTheMarker(PositiveInt limit, NonEmptyArray<PositiveInt> lengths, PositiveInt seed)
    {
        var max = (limit.Get % 50) + 1;
        var lines = lengths.Get.Select((l, i) => new string((char)('a' + (i % 26)), l.Get % 120)).ToArray();
        var input = string.Join("\n", lines) + "\n";
        using var reader = new LineLimitReader(new StringReader(input), max);

        var expected = string.Join("\n", lines.Select(l => l.Length > max ? l[..max] + LineLimitReader.Marker : l)) + "\n";
        return ReadAll(reader, new Random(seed.Get)) == expected;
    }

    [Fact]
    public void EventReader_AnOverLongRecord_IsRejectedWithItsLine_AndTheRestIsRead()
    {
        var csv = new StringBuilder(Header);
        for (var i = 0; i < 1_002; i++)
        {
            csv.Append(i == 500 ? $"c{i},2026-01-01,purchase,{new string('9', LineLimitReader.DefaultMaxLineLength + 10)}\n" : $"c{i},2026-01-01,purchase,5\n");
        }

        var report = new IngestReport();
        var events = new CsvEventReader().Read(new StringReader(csv.ToString()), "events.csv", report, TestContext.Current.CancellationToken).ToList();

        Assert.Equal((1_002L, 1_001L, 1L), (report.Read, report.Accepted, report.Rejected));
        Assert.Equal(1_001, events.Count);
        var error = Assert.Single(report.Errors);
        Assert.Equal(502, error.Line);
        Assert.Contains("longer than 4,194,304 characters", error.Message, StringComparison.Ordinal);
        Assert.Equal("c1001", events[^1].CustomerId.Value);
    }

    [Fact]
    public void EventReader_ARowStartingWithHash_IsData_NotAComment()
    {
        var report = new IngestReport();
        var events = new CsvEventReader().Read(new StringReader(Header + "c1,2026-01-01,purchase,5\n#c2,2026-01-02,purchase,6\nc3,2026-01-03,purchase,7\n"), "events.csv", report, TestContext.Current.CancellationToken).ToList();

        Assert.Equal(3, events.Count);
        Assert.Equal("#c2", events[1].CustomerId.Value);
        Assert.Equal((3L, 3L), (report.Read, report.Accepted));
    }

    [Fact]
    public void EventReader_ANulCharacter_RejectsTheRow_WithItsColumn()
    {
        var report = new IngestReport();
        var events = new CsvEventReader().Read(new StringReader(Header + "c1,2026-01-01,purchase,5\nc\02,2026-01-02,purchase,6\n"), "events.csv", report, TestContext.Current.CancellationToken).ToList();

        Assert.Single(events);
        var error = Assert.Single(report.Errors);
        Assert.Equal((3L, 1), (error.Line, error.Column));
        Assert.Contains("NUL", error.Message, StringComparison.Ordinal);
    }
}
