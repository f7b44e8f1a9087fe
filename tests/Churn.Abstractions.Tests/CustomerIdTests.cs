using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Churn.Abstractions.Tests;

public sealed class CustomerIdTests
{
    [Fact]
    public void Constructor_Blank_Throws()
    {
        Assert.Throws<ArgumentException>(() => new CustomerId(" "));
        Assert.True(default(CustomerId).IsEmpty);
        Assert.Equal(string.Empty, default(CustomerId).Value);
    }

    [Fact]
    public void Equality_IsOrdinalAndCaseSensitive()
    {
        Assert.Equal(new CustomerId("a"), new CustomerId("a"));
        Assert.NotEqual(new CustomerId("a"), new CustomerId("A"));
    }

    [Property(MaxTest = 300)]
    public Property CompareTo_AgreesWithOrdinalStringOrder() =>
        Prop.ForAll(
            Gen.Elements("a", "b", "A", "ab", "c1", "c10", "c2", "é").ToArbitrary(),
            Gen.Elements("a", "b", "A", "ab", "c1", "c10", "c2", "é").ToArbitrary(),
            (x, y) => Math.Sign(new CustomerId(x).CompareTo(new CustomerId(y))) == Math.Sign(string.CompareOrdinal(x, y)));
}

public sealed class CustomerEventTypeTests
{
    [Fact]
    public void Names_AreNormalisedToLowerCase_AndOpen()
    {
        Assert.Equal(CustomerEventType.Purchase, new CustomerEventType(" Purchase "));
        Assert.Equal("webinar_attended", new CustomerEventType("Webinar_Attended").Name);
        Assert.Equal(10, CustomerEventType.WellKnown.Count);
        Assert.Throws<ArgumentException>(() => new CustomerEventType(""));
    }
}

public sealed class ChurnProbabilityTests
{
    [Theory]
    [InlineData(-0.01)]
    [InlineData(1.01)]
    [InlineData(double.NaN)]
    public void Constructor_OutsideUnitInterval_Throws(double value) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChurnProbability(value));

    [Fact]
    public void Constructor_Bounds_AreAccepted()
    {
        Assert.Equal(0, new ChurnProbability(0).Value);
        Assert.Equal(1, new ChurnProbability(1).Value);
        Assert.Equal("0.3", new ChurnProbability(0.3).ToString());
    }
}

public sealed class FeatureSchemaTests
{
    private static readonly FeatureSchema Schema = new([
        new("tickets_30d", FeatureKind.Count, "tickets"),
        new("spend_30d", FeatureKind.Money, "spend"),
    ]);

    [Fact]
    public void IndexOf_KnownAndUnknown()
    {
        Assert.Equal(1, Schema.IndexOf("spend_30d"));
        Assert.Equal(-1, Schema.IndexOf("nope"));
        Assert.Throws<ArgumentException>(() => new FeatureSchema([new("a", FeatureKind.Number, ""), new("a", FeatureKind.Number, "")]));
    }

    [Fact]
    public void Snapshot_ReadsByNameAndIndex_AndChecksLength()
    {
        var s = new CustomerSnapshot("c1", DateTimeOffset.UnixEpoch, Schema, [2, double.NaN]);

        Assert.Equal(2, s["tickets_30d"]);
        Assert.True(double.IsNaN(s[1]));
        Assert.False(s.TryGetValue("nope", out _));
        Assert.Throws<KeyNotFoundException>(() => s["nope"]);
        Assert.Throws<ArgumentException>(() => new CustomerSnapshot("c1", DateTimeOffset.UnixEpoch, Schema, [1]));
        Assert.Equal(Schema, new FeatureSchema(Schema.Features));
    }
}
