using Churn.Abstractions;
using Churn.Data;

namespace Churn.Data.Tests.Ingest;

public sealed class EventValidatorTests
{
    private static readonly DateTimeOffset T = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Validate_BadItems_AreRejectedByItemNumber()
    {
        CustomerEvent?[] input =
        [
            new CustomerEvent("a", T, CustomerEventType.Login, EventId: "1"),
            null,
            new CustomerEvent(default, T, CustomerEventType.Login),
            new CustomerEvent("b", default, CustomerEventType.Login),
            new CustomerEvent("c", T, CustomerEventType.Login, EventId: "1"),
            new CustomerEvent("d", T, CustomerEventType.Purchase, 5m),
        ];
        var report = new IngestReport();

        var valid = new EventValidator().Validate(input, "host", report, TestContext.Current.CancellationToken).ToList();

        Assert.Equal(2, valid.Count);
        Assert.Equal(6, report.Read);
        Assert.Equal([2L, 3L, 4L, 5L], report.Errors.Select(e => e.Line));
    }

    [Fact]
    public async Task ValidateAsync_SameAccountingAsSync()
    {
        var report = new IngestReport();
        var list = new List<CustomerEvent>();
        await foreach (var e in new EventValidator().ValidateAsync(Source(), "stream", report, TestContext.Current.CancellationToken))
        {
            list.Add(e);
        }

        Assert.Single(list);
        Assert.Equal((2L, 1L, 1L), (report.Read, report.Accepted, report.Rejected));

        static async IAsyncEnumerable<CustomerEvent?> Source()
        {
            await Task.Yield();
            yield return new CustomerEvent("a", T, CustomerEventType.Login);
            yield return null;
        }
    }

    [Fact]
    public void Validate_FailFast_Throws()
    {
        var ex = Assert.Throws<IngestException>(() => new EventValidator(ErrorMode.FailFast).Validate([null], "host", new IngestReport()).ToList());

        Assert.Equal(1L, ex.Error!.Line);
    }
}
