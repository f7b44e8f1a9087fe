using Churn.Abstractions;
using Churn.Data;
using Churn.Data.MLNet;
using Microsoft.ML;

namespace Churn.Data.MLNet.Tests;

public sealed class DataViewEventReaderTests
{
    [Fact]
    public void Read_TypedColumns_ProducesEventsAndRejectsBadRows()
    {
        var ml = new MLContext(seed: 1);
        var rows = new[]
        {
            new Row { customer_id = "a", timestamp = new DateTime(2026, 1, 2, 0, 0, 0, DateTimeKind.Utc), type = "purchase", amount = 12.5f, event_id = "1" },
            new Row { customer_id = "", timestamp = new DateTime(2026, 1, 2, 0, 0, 0, DateTimeKind.Utc), type = "login", amount = float.NaN, event_id = "2" },
            new Row { customer_id = "b", timestamp = new DateTime(2026, 1, 3, 0, 0, 0, DateTimeKind.Utc), type = "login", amount = float.NaN, event_id = "1" },
            new Row { customer_id = "c", timestamp = new DateTime(2026, 1, 4, 0, 0, 0, DateTimeKind.Utc), type = "login", amount = float.NaN, event_id = "4" },
        };
        var view = ml.Data.LoadFromEnumerable(rows);
        var report = new IngestReport();

        var events = new DataViewEventReader().Read(view, "view", report, TestContext.Current.CancellationToken).ToList();

        Assert.Equal(2, events.Count);
        Assert.Equal(12.5m, events[0].Amount);
        Assert.Equal(CustomerEventType.Purchase, events[0].Type);
        Assert.Null(events[1].Amount);
        Assert.Equal([2L, 3L], report.Errors.Select(e => e.Line));
        Assert.Equal(report.Read, report.Accepted + report.Rejected);
    }

    [Fact]
    public void Read_MissingColumn_Throws()
    {
        var view = new MLContext(1).Data.LoadFromEnumerable(new[] { new { customer = "a" } }.Select(x => new Only { customer = x.customer }));

        var ex = Assert.Throws<IngestException>(() => new DataViewEventReader().Read(view, "view", new IngestReport()));

        Assert.Contains("customer_id", ex.Message, StringComparison.Ordinal);
    }

#pragma warning disable SA1300, IDE1006, CA1707 // ML.NET maps property names to column names
    private sealed class Row
    {
        public string customer_id { get; set; } = "";

        public DateTime timestamp { get; set; }

        public string type { get; set; } = "";

        public float amount { get; set; }

        public string event_id { get; set; } = "";
    }

    private sealed class Only
    {
        public string customer { get; set; } = "";
    }
#pragma warning restore SA1300, IDE1006, CA1707
}
