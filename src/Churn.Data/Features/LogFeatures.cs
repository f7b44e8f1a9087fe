using Churn.Abstractions;

namespace Churn.Data;

/// <summary>
/// A <see cref="FeatureBuilder"/> bound to one <see cref="EventLog"/>: computes any customer's
/// features as of any instant, and gives each customer's history for point-in-time symptom
/// detection. Get one from <see cref="FeatureBuilder.For"/>.
/// </summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class LogFeatures
{
    private readonly FeatureBuilder _builder;
    private readonly object _roles;

    internal LogFeatures(FeatureBuilder builder, EventLog log, object roles)
    {
        _builder = builder;
        Log = log;
        _roles = roles;
    }

    /// <summary>Gets the log.</summary>
    public EventLog Log { get; }

    /// <summary>Gets the schema of the features.</summary>
    public FeatureSchema Schema => _builder.Schema;

    /// <summary>Computes one customer's features as of an instant; only events at or before it are read.</summary>
    /// <param name="customerIndex">The customer's position in the log.</param>
    /// <param name="asOf">The instant.</param>
    /// <param name="profile">The customer's profile, if known.</param>
    /// <param name="values">Receives one value per schema feature.</param>
    public void Compute(int customerIndex, DateTimeOffset asOf, CustomerProfile? profile, Span<double> values) =>
        _builder.Compute(Log, _roles, customerIndex, asOf, profile, values);

    /// <summary>Computes one customer's features at ascending instants in one sweep over the events (window sums may differ from <see cref="Compute"/>'s in the last bits).</summary>
    /// <param name="customerIndex">The customer's position in the log.</param>
    /// <param name="instants">The instants as UTC ticks, ascending.</param>
    /// <param name="profile">The customer's profile, if known.</param>
    /// <param name="rows">Receives one row per instant.</param>
    public void ComputeSeries(int customerIndex, ReadOnlySpan<long> instants, CustomerProfile? profile, Span<double> rows) =>
        _builder.ComputeSeries(Log, _roles, customerIndex, instants, profile, rows);

    /// <summary>Gets a customer's history up to an instant, for <see cref="ISymptomDetector"/>.</summary>
    /// <param name="customerIndex">The customer's position in the log.</param>
    /// <param name="asOf">The latest instant the history may be read at.</param>
    /// <param name="profile">The customer's profile, if known.</param>
    /// <returns>The history.</returns>
    public ICustomerHistory History(int customerIndex, DateTimeOffset asOf, CustomerProfile? profile) => new EventLogHistory(this, customerIndex, asOf, profile);

    private sealed class EventLogHistory : ICustomerHistory
    {
        private readonly LogFeatures _features;
        private readonly int _customer;

        public EventLogHistory(LogFeatures features, int customer, DateTimeOffset asOf, CustomerProfile? profile)
        {
            _features = features;
            _customer = customer;
            AsOf = asOf;
            Profile = profile;
            var timeline = features.Log.Timeline(customer);
            long? first = timeline.Count > 0 && timeline.Ticks[0] <= asOf.UtcTicks ? timeline.Ticks[0] : null;
            if (profile?.SignupDate is { } signup && signup <= asOf && (first is null || signup.UtcTicks < first))
            {
                first = signup.UtcTicks;
            }

            FirstSeen = first is { } f ? new DateTimeOffset(f, TimeSpan.Zero) : null;
        }

        public CustomerId CustomerId => _features.Log.Customers[_customer];

        public DateTimeOffset AsOf { get; }

        public FeatureSchema Schema => _features.Schema;

        public CustomerProfile? Profile { get; }

        public DateTimeOffset? FirstSeen { get; }

        public void FeaturesAt(DateTimeOffset instant, Span<double> values)
        {
            if (instant > AsOf)
            {
                throw new ArgumentOutOfRangeException(nameof(instant), instant, $"The history ends at {AsOf:O}: later instants cannot be read.");
            }

            _features.Compute(_customer, instant, Profile, values);
        }

        /// <summary>One sweep over the events for all the instants (each row equal to the snapshot then).</summary>
        public void FeaturesAt(ReadOnlySpan<DateTimeOffset> instants, Span<double> rows)
        {
            if (instants.IsEmpty)
            {
                return;
            }

            if (instants[^1] > AsOf)
            {
                throw new ArgumentOutOfRangeException(nameof(instants), instants[^1], $"The history ends at {AsOf:O}: later instants cannot be read.");
            }

            var width = Schema.Count;
            Span<long> ticks = instants.Length <= 512 ? stackalloc long[instants.Length] : new long[instants.Length];
            for (var i = 0; i < ticks.Length; i++)
            {
                ticks[i] = instants[i].UtcTicks;
            }

            _features.ComputeSeries(_customer, ticks, Profile, rows[..(ticks.Length * width)]);
        }
    }
}
