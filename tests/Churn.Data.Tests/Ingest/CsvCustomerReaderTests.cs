using Churn.Data;

namespace Churn.Data.Tests.Ingest;

public sealed class CsvCustomerReaderTests
{
    [Fact]
    public void Read_MapsProfileAndKeepsOtherColumnsAsAttributes()
    {
        var csv = "customer_id,signup_date,owner,preferred_channels,contact_consent,plan\nc1,2024-03-01,alice,email;phone,no,premium\n";
        var report = new IngestReport();

        var p = Assert.Single(new CsvCustomerReader().Read(new StringReader(csv), "customers.csv", report, TestContext.Current.CancellationToken));

        Assert.Equal("c1", p.Id.Value);
        Assert.Equal(new DateTimeOffset(2024, 3, 1, 0, 0, 0, TimeSpan.Zero), p.SignupDate);
        Assert.Equal("alice", p.Owner);
        Assert.Equal(["email", "phone"], p.PreferredChannels);
        Assert.False(p.ContactConsent);
        Assert.Equal("premium", p.Attributes["plan"]);
        Assert.True(report.IsClean);
    }

    [Fact]
    public void Read_DuplicateAndBadRows_AreRejectedWithPosition()
    {
        var csv = "customer_id,signup_date,contact_consent\nc1,2024-03-01,yes\nc1,2024-03-02,yes\nc2,2024-02-30,yes\nc3,2024-03-01,maybe\n";
        var report = new IngestReport();

        var profiles = new CsvCustomerReader().Read(new StringReader(csv), "customers.csv", report, TestContext.Current.CancellationToken).ToList();

        Assert.Single(profiles);
        Assert.Equal(4, report.Read);
        Assert.Equal([3L, 4L, 5L], report.Errors.Select(e => e.Line));
        Assert.Equal([1, 2, 3], report.Errors.Select(e => e.Column));
    }
}
