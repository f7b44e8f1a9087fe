using Churn.Abstractions;

namespace Churn.Data;

/// <summary>
/// A customer base ready to assess: the event log, the customers' profiles, and the accounting of
/// the files it was read from. Build one from CSV files, from objects, or from a generated base.
/// </summary>
/// <remarks>Immutable and safe to read from many threads.</remarks>
public sealed class CustomerData
{
    private static readonly Dictionary<CustomerId, CustomerProfile> NoProfiles = [];

    /// <summary>Initializes a new instance of the <see cref="CustomerData"/> class.</summary>
    /// <param name="log">The events.</param>
    /// <param name="profiles">The profiles by customer; none when null.</param>
    /// <param name="eventsReport">How the events were read, when from a file.</param>
    /// <param name="customersReport">How the profiles were read, when from a file.</param>
    public CustomerData(EventLog log, IReadOnlyDictionary<CustomerId, CustomerProfile>? profiles = null, IngestReport? eventsReport = null, IngestReport? customersReport = null)
    {
        ArgumentNullException.ThrowIfNull(log);
        Log = log;
        Profiles = profiles ?? NoProfiles;
        EventsReport = eventsReport;
        CustomersReport = customersReport;
    }

    /// <summary>Gets the events.</summary>
    public EventLog Log { get; }

    /// <summary>Gets the profiles by customer.</summary>
    public IReadOnlyDictionary<CustomerId, CustomerProfile> Profiles { get; }

    /// <summary>Gets how the events file was read (counts and errors), when read from a file.</summary>
    public IngestReport? EventsReport { get; }

    /// <summary>Gets how the customers file was read, when read from a file.</summary>
    public IngestReport? CustomersReport { get; }

    /// <summary>Gets the instant up to which the data is complete, when known (a generated base knows it; files are complete up to their last event unless told otherwise). Labels whose horizon ends later are refused.</summary>
    public DateTimeOffset? ObservedUntil { get; init; }

    /// <summary>Gets a customer's profile, or <see langword="null"/>.</summary>
    /// <param name="customerId">The customer.</param>
    /// <returns>The profile.</returns>
    public CustomerProfile? ProfileOf(CustomerId customerId) => Profiles.TryGetValue(customerId, out var p) ? p : null;

    /// <summary>Builds the data from events and profiles in memory.</summary>
    /// <param name="events">The events, in any order.</param>
    /// <param name="profiles">The profiles (customers without events are kept); optional.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The data.</returns>
    public static CustomerData From(IEnumerable<CustomerEvent> events, IEnumerable<CustomerProfile>? profiles = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        var list = profiles?.ToList() ?? [];
        var byId = new Dictionary<CustomerId, CustomerProfile>(list.Count);
        foreach (var p in list)
        {
            byId[p.Id] = p;
        }

        return new CustomerData(EventLogBuilder.Build(events, list, cancellationToken), byId);
    }

    /// <summary>Builds the data from a generated base (see <see cref="SyntheticCustomerBase"/>).</summary>
    /// <param name="customers">The generated customers.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The data.</returns>
    public static CustomerData FromSynthetic(IEnumerable<SyntheticCustomer> customers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(customers);
        var list = customers as IReadOnlyList<SyntheticCustomer> ?? [.. customers];
        return From(list.SelectMany(c => c.Events), list.Select(c => c.Profile), cancellationToken);
    }

    /// <summary>Generates a customer base with planted churn drivers (see <see cref="SyntheticCustomerBase"/>), complete up to one horizon past its as-of instant.</summary>
    /// <param name="options">Size, seed and shape; defaults when null.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The data.</returns>
    public static CustomerData Generate(SyntheticOptions? options = null, CancellationToken cancellationToken = default)
    {
        var generator = new SyntheticCustomerBase(options);
        var data = FromSynthetic(generator.Generate(cancellationToken).ToList(), cancellationToken);
        return new CustomerData(data.Log, data.Profiles) { ObservedUntil = generator.DataEnd };
    }

    /// <summary>
    /// Reads an events CSV file and, optionally, a customers CSV file. Rejected rows are counted and
    /// listed in <see cref="EventsReport"/> / <see cref="CustomersReport"/> (file, line, column,
    /// reason); the accepted rows are kept.
    /// </summary>
    /// <param name="eventsPath">The events file (customer_id, timestamp, type, amount, ...).</param>
    /// <param name="customersPath">The customers file (customer_id, signup_date, owner, ...), or null.</param>
    /// <param name="events">The events file's column mapping; defaults when null.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The data.</returns>
    /// <exception cref="IngestException">A file is missing or has no usable header.</exception>
    public static CustomerData FromCsv(string eventsPath, string? customersPath = null, CsvEventReaderOptions? events = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventsPath);
        var builder = new EventLogBuilder();
        Dictionary<CustomerId, CustomerProfile>? profiles = null;
        IngestReport? customersReport = null;
        if (customersPath is not null)
        {
            RequireFile(customersPath);
            customersReport = new IngestReport();
            profiles = [];
            foreach (var p in new CsvCustomerReader().ReadFile(customersPath, customersReport, cancellationToken))
            {
                profiles[p.Id] = p;
                builder.AddCustomer(p.Id);
            }
        }

        RequireFile(eventsPath);
        var eventsReport = new IngestReport();
        new CsvEventReader(events).ReadInto(new FileStream(eventsPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan), Path.GetFileName(eventsPath), eventsReport, builder, cancellationToken);

        return new CustomerData(builder.Build(cancellationToken), profiles, eventsReport, customersReport);
    }

    private static void RequireFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new IngestException(new IngestError(path, 0, 0, null, $"file '{path}' does not exist"));
        }
    }
}
