using Churn.Abstractions;
using Churn.Data;

namespace Churn.Data.Tests.Events;

public sealed class CustomerDataTests
{
    [Fact]
    public void FromCsv_KeepsGoodRows_CountsBadOnes_AndReadsProfiles()
    {
        var dir = Directory.CreateTempSubdirectory("churn-data").FullName;
        try
        {
            var events = Path.Combine(dir, "events.csv");
            File.WriteAllText(events, "customer_id,timestamp,type,amount\na,2026-01-01,purchase,10\nb,2026-13-01,login,\nc,2026-01-03,login,\n");
            var customers = Path.Combine(dir, "customers.csv");
            File.WriteAllText(customers, "customer_id,signup_date,owner\na,2025-06-01,kim\nd,2025-07-01,lee\n");

            var data = CustomerData.FromCsv(events, customers);

            Assert.Equal((3L, 2L, 1L), (data.EventsReport!.Read, data.EventsReport.Accepted, data.EventsReport.Rejected));
            Assert.Contains("events.csv:3:2", data.EventsReport.Errors[0].ToString(), StringComparison.Ordinal);
            Assert.Equal(3, data.Log.CustomerCount);
            Assert.Equal("kim", data.ProfileOf("a")!.Owner);
            Assert.NotEqual(-1, data.Log.IndexOf("d"));
            Assert.Null(data.ProfileOf("c"));
            Assert.Contains("does not exist", Assert.Throws<IngestException>(() => CustomerData.FromCsv(Path.Combine(dir, "none.csv"))).Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Generate_KnowsWhereTheDataEnds()
    {
        var options = new SyntheticOptions { Customers = 50, Seed = 1 };

        var data = CustomerData.Generate(options);

        Assert.Equal(options.AsOf.AddDays(30), data.ObservedUntil);
        Assert.Equal(50, data.Profiles.Count);
        Assert.True(data.Log.LastEventTime <= data.ObservedUntil);
    }
}
