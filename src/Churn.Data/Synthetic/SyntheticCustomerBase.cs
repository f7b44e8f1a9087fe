using System.Globalization;
using System.Runtime.CompilerServices;
using Churn.Abstractions;
using Churn.Data;

namespace Churn.Data;

/// <summary>Options of the <see cref="SyntheticCustomerBase"/>.</summary>
public sealed class SyntheticOptions
{
    /// <summary>Gets or sets the number of customers (1 to 10,000,000).</summary>
    /// <value>The default is 10,000.</value>
    [System.ComponentModel.DataAnnotations.Range(1, 10_000_000)]
    public int Customers { get; set; } = 10_000;

    /// <summary>Gets or sets the seed: the same seed gives the same base.</summary>
    /// <value>The default is 42.</value>
    public long Seed { get; set; } = 42;

    /// <summary>Gets or sets the as-of instant of the planted truth; the data runs one horizon past it.</summary>
    /// <value>The default is 2026-01-01T00:00:00Z.</value>
    public DateTimeOffset AsOf { get; set; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Gets or sets how many 30-day months of history precede <see cref="AsOf"/>; churn can happen at each month's end.</summary>
    /// <value>The default is 12.</value>
    [System.ComponentModel.DataAnnotations.Range(1, 120)]
    public int HistoryMonths { get; set; } = 12;

    /// <summary>Gets or sets the mean number of logins per customer per month.</summary>
    /// <value>The default is 4.</value>
    [System.ComponentModel.DataAnnotations.Range(0.0, 1000.0)]
    public double LoginsPerMonth { get; set; } = 4;

    /// <summary>Gets or sets the mean number of one-off (add-on) purchases per customer per month, on top of the monthly subscription payment. Each customer's own rate is drawn from a gamma distribution around it, so purchase rates differ between customers as they do in real bases.</summary>
    /// <value>The default is 0.5.</value>
    [System.ComponentModel.DataAnnotations.Range(0.0, 100.0)]
    public double AddOnPurchasesPerMonth { get; set; } = 0.5;

    /// <summary>Gets or sets a value indicating whether events carry an <c>event_id</c>.</summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool IncludeEventIds { get; set; } = true;
}

[Microsoft.Extensions.Options.OptionsValidator]
internal sealed partial class SyntheticOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<SyntheticOptions>
{
}

/// <summary>What the generator knows about a customer that real data would hide.</summary>
/// <param name="CustomerId">The customer.</param>
/// <param name="ActiveAtAsOf">Whether the customer had not cancelled by the as-of instant.</param>
/// <param name="ChurnProbability">The planted probability of cancelling in the 30 days after the as-of instant (NaN when not active).</param>
/// <param name="Churned">Whether the customer cancelled in those 30 days.</param>
/// <param name="ChurnedAt">When the customer cancelled, at any time, if they did.</param>
public sealed record SyntheticTruth(CustomerId CustomerId, bool ActiveAtAsOf, double ChurnProbability, bool Churned, DateTimeOffset? ChurnedAt);

/// <summary>One generated customer: profile, events (oldest first) and the planted truth.</summary>
/// <param name="Profile">The profile.</param>
/// <param name="Events">The events, oldest first.</param>
/// <param name="Truth">The planted truth.</param>
public sealed record SyntheticCustomer(CustomerProfile Profile, IReadOnlyList<CustomerEvent> Events, SyntheticTruth Truth);

/// <summary>
/// Generates a subscription customer base with planted churn drivers and known per-customer
/// churn probabilities (see <see cref="PlantedChurnModel"/>). Each month end, every active
/// customer cancels within the next 30 days with the planted probability computed from the
/// features of their own events so far. Seeded and deterministic: customer i depends only on
/// the seed and i, so any slice can be regenerated, and generation runs on all cores.
/// </summary>
/// <remarks>Thread-safe: the generator is immutable.</remarks>
public sealed class SyntheticCustomerBase
{
    private const int Month = 30;
    private static readonly string[] Plans = ["basic", "standard", "premium"];
    private static readonly decimal[] Prices = [19.90m, 44.90m, 89.90m];
    private static readonly string[] Regions = ["north", "south", "east", "west"];
    private static readonly string[] Channels = ["email", "phone", "sms", "app"];
    private readonly SyntheticOptions _options;

    /// <summary>Initializes a new instance of the <see cref="SyntheticCustomerBase"/> class.</summary>
    /// <param name="options">Size, seed and shape; defaults when null.</param>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public SyntheticCustomerBase(SyntheticOptions? options = null)
    {
        _options = Churn.Shared.OptionsCheck.ThrowIfInvalid(options ?? new SyntheticOptions(), new SyntheticOptionsValidator());
    }

    /// <summary>Gets the first instant of generated activity (<see cref="SyntheticOptions.AsOf"/> minus the history).</summary>
    public DateTimeOffset HistoryStart => _options.AsOf - TimeSpan.FromDays(Month * _options.HistoryMonths);

    /// <summary>Gets the last instant of generated data (<see cref="SyntheticOptions.AsOf"/> plus 30 days).</summary>
    public DateTimeOffset DataEnd => _options.AsOf + TimeSpan.FromDays(Month);

    /// <summary>Gets the month-end instants at which churn was drawn; the last is <see cref="SyntheticOptions.AsOf"/>.</summary>
    public IReadOnlyList<DateTimeOffset> Checkpoints =>
        [.. Enumerable.Range(1, _options.HistoryMonths).Select(k => HistoryStart + TimeSpan.FromDays(Month * k))];

    /// <summary>Generates one customer.</summary>
    /// <param name="index">The customer's number, 0-based.</param>
    /// <returns>The customer.</returns>
    public SyntheticCustomer GenerateOne(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return Generate(index);
    }

    /// <summary>Generates the customers in order, streaming (memory stays bounded for any size).</summary>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The customers.</returns>
    public IEnumerable<SyntheticCustomer> Generate(CancellationToken cancellationToken = default)
    {
        const int block = 8192;
        for (var start = 0; start < _options.Customers; start += block)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var count = Math.Min(block, _options.Customers - start);
            var customers = new SyntheticCustomer[count];
            Parallel.For(0, count, new ParallelOptions { CancellationToken = cancellationToken }, i => customers[i] = Generate(start + i));
            foreach (var c in customers)
            {
                yield return c;
            }
        }
    }

    /// <summary>Writes <c>customers.csv</c>, <c>events.csv</c> and <c>truth.csv</c> into a folder, each into a temporary file beside it renamed into place once all three are complete (a cancelled or failed run leaves earlier files as they were).</summary>
    /// <param name="directory">The folder (created when missing).</param>
    /// <param name="progress">Receives the number of customers written; optional.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The number of customers and events written.</returns>
    public async Task<(int Customers, long Events)> WriteCsvAsync(string directory, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory.CreateDirectory(directory);
        var names = new[] { "customers.csv", "events.csv", "truth.csv" };
        var stamp = Path.GetRandomFileName();
        var temps = names.Select(n => Path.Combine(directory, $".{n}.{stamp}.tmp")).ToArray();
        try
        {
            var result = await WriteFilesAsync(temps, progress, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < names.Length; i++)
            {
                File.Move(temps[i], Path.Combine(directory, names[i]), overwrite: true);
            }

            return result;
        }
        finally
        {
            foreach (var t in temps.Where(File.Exists))
            {
                File.Delete(t);
            }
        }
    }

    private async Task<(int Customers, long Events)> WriteFilesAsync(string[] paths, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        var customers = NewWriter(paths[0]);
        var events = NewWriter(paths[1]);
        var truth = NewWriter(paths[2]);
        await using (customers.ConfigureAwait(false))
        await using (events.ConfigureAwait(false))
        await using (truth.ConfigureAwait(false))
        {
            await customers.WriteAsync("customer_id,signup_date,owner,preferred_channels,contact_consent,plan,region,age_band\n").ConfigureAwait(false);
            await events.WriteAsync(_options.IncludeEventIds ? "customer_id,timestamp,type,amount,event_id\n" : "customer_id,timestamp,type,amount\n").ConfigureAwait(false);
            await truth.WriteAsync("customer_id,active_at_as_of,churn_probability,churned,churned_at\n").ConfigureAwait(false);
            var n = 0;
            long eventCount = 0;
            foreach (var c in Generate(cancellationToken))
            {
                WriteCustomer(customers, c.Profile);
                foreach (var e in c.Events)
                {
                    WriteEvent(events, e);
                }

                WriteTruth(truth, c.Truth);
                eventCount += c.Events.Count;
                if ((++n & 0x3FFF) == 0)
                {
                    progress?.Report(n);
                    await events.FlushAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            progress?.Report(n);
            return (n, eventCount);
        }
    }

    private static StreamWriter NewWriter(string path) =>
        new(new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16), new System.Text.UTF8Encoding(false), 1 << 16);

    private static string Stamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static void WriteCustomer(TextWriter w, CustomerProfile p)
    {
        w.Write(p.Id.Value);
        w.Write(',');
        w.Write(p.SignupDate is { } s ? Stamp(s) : string.Empty);
        w.Write(',');
        w.Write(p.Owner);
        w.Write(',');
        w.Write(string.Join(';', p.PreferredChannels));
        w.Write(',');
        w.Write(p.ContactConsent ? "true" : "false");
        w.Write(',');
        w.Write(p.Attributes["plan"]);
        w.Write(',');
        w.Write(p.Attributes["region"]);
        w.Write(',');
        w.Write(p.Attributes["age_band"]);
        w.Write('\n');
    }

    private static void WriteEvent(TextWriter w, CustomerEvent e)
    {
        w.Write(e.CustomerId.Value);
        w.Write(',');
        w.Write(Stamp(e.Timestamp));
        w.Write(',');
        w.Write(e.Type.Name);
        w.Write(',');
        if (e.Amount is { } a)
        {
            w.Write(a.ToString(CultureInfo.InvariantCulture));
        }

        if (e.EventId is not null)
        {
            w.Write(',');
            w.Write(e.EventId);
        }
        w.Write('\n');
    }

    private static void WriteTruth(TextWriter w, SyntheticTruth t)
    {
        w.Write(t.CustomerId.Value);
        w.Write(',');
        w.Write(t.ActiveAtAsOf ? "true" : "false");
        w.Write(',');
        if (!double.IsNaN(t.ChurnProbability))
        {
            w.Write(t.ChurnProbability.ToString("R", CultureInfo.InvariantCulture));
        }

        w.Write(',');
        w.Write(t.Churned ? "true" : "false");
        w.Write(',');
        w.Write(t.ChurnedAt is { } at ? Stamp(at) : string.Empty);
        w.Write('\n');
    }

    private static DateTimeOffset Seconds(DateTimeOffset t) => new(t.UtcTicks - (t.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

    private SyntheticCustomer Generate(int index)
    {
        var rng = Rng.ForStream(_options.Seed, index);
        var id = new CustomerId("C" + (index + 1).ToString("D8", CultureInfo.InvariantCulture));
        var start = HistoryStart;
        var asOf = _options.AsOf;

        // Who the customer is.
        var signup = Seconds(start - TimeSpan.FromDays(3 * 365) + TimeSpan.FromDays(rng.NextDouble() * ((3 * 365) + (Month * _options.HistoryMonths) - 15)));
        var plan = rng.NextInt(3);
        var failureProne = rng.Bernoulli(0.15);
        var paymentFailureRate = failureProne ? 0.4 : 0.03;
        var loginRate = rng.Gamma(2.0, _options.LoginsPerMonth / 2.0);
        var ticketRate = rng.Gamma(1.0, 0.3);
        var complaintRate = rng.Bernoulli(0.1) ? 0.3 : 0.02;
        var satisfaction = rng.Normal(7.5, 1.5);
        var declineAt = rng.Bernoulli(0.3) ? start + TimeSpan.FromDays(rng.NextDouble() * Month * (_options.HistoryMonths + 1)) : DateTimeOffset.MaxValue;
        var billingPhase = rng.NextDouble() * (Month - 1);
        var addOnRate = _options.AddOnPurchasesPerMonth > 0 ? rng.Gamma(0.6, _options.AddOnPurchasesPerMonth / 0.6) : 0;
        var addOnMean = rng.Gamma(3, 10);
        var profile = new CustomerProfile(id, signup)
        {
            Owner = "am-" + (index % 25).ToString("D2", CultureInfo.InvariantCulture),
            PreferredChannels = [Channels[rng.NextInt(Channels.Length)]],
            ContactConsent = rng.Bernoulli(0.9),
            Attributes = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["plan"] = Plans[plan],
                ["region"] = Regions[rng.NextInt(Regions.Length)],
                ["age_band"] = (18 + (10 * rng.NextInt(6))).ToString(CultureInfo.InvariantCulture) + "+",
            },
        };

        var events = new List<CustomerEvent>(64);
        var seq = 0;
        void Add(DateTimeOffset t, CustomerEventType type, decimal? amount = null)
        {
            var eventId = _options.IncludeEventIds ? id.Value + "-" + (seq++).ToString(CultureInfo.InvariantCulture) : null;
            events.Add(new CustomerEvent(id, Seconds(t), type, amount, eventId));
        }

        Add(signup, CustomerEventType.SubscriptionStart, Prices[plan]);
        var segmentBuffer = new List<(DateTimeOffset T, CustomerEventType Type, decimal? Amount)>(16);
        DateTimeOffset? cancelAt = null;
        double truthProbability = double.NaN;
        var activeAtAsOf = false;
        var churnedInHorizon = false;

        for (var k = 0; k <= _options.HistoryMonths; k++)
        {
            var a = start + TimeSpan.FromDays(Month * k);
            var b = a + TimeSpan.FromDays(Month);
            var from = a > signup ? a : signup;
            var until = cancelAt is { } c && c < b ? c : b;
            if (from < until)
            {
                segmentBuffer.Clear();
                GenerateSegment(ref rng, from, until, a, billingPhase, plan, paymentFailureRate, loginRate, ticketRate, complaintRate, satisfaction, declineAt, (addOnRate, addOnMean), segmentBuffer);
                segmentBuffer.Sort((x, y) => x.T.CompareTo(y.T));
                foreach (var (t, type, amount) in segmentBuffer)
                {
                    Add(t, type, amount);
                }
            }

            if (cancelAt is { } cancel && cancel <= b)
            {
                Add(cancel, CustomerEventType.SubscriptionCancel);
                break;
            }

            // The month-end checkpoint b: draw churn for (b, b + 30d] from the planted model.
            if (k == _options.HistoryMonths || b <= signup)
            {
                continue;
            }

            var p = ProbabilityAt(events, b, signup);
            var churn = rng.Bernoulli(p);
            if (b == asOf)
            {
                activeAtAsOf = true;
                truthProbability = p;
                churnedInHorizon = churn;
            }

            if (churn)
            {
                cancelAt = Seconds(b + TimeSpan.FromDays(Math.Max(1.0 / 24, rng.NextDouble() * Month)));
            }
        }

        var truth = new SyntheticTruth(id, activeAtAsOf, truthProbability, churnedInHorizon, cancelAt);
        return new SyntheticCustomer(profile, events, truth);
    }

    private static void GenerateSegment(
        ref Rng rng,
        DateTimeOffset from,
        DateTimeOffset until,
        DateTimeOffset monthStart,
        double billingPhase,
        int plan,
        double paymentFailureRate,
        double loginRate,
        double ticketRate,
        double complaintRate,
        double satisfaction,
        DateTimeOffset declineAt,
        (double Rate, double MeanAmount) addOns,
        List<(DateTimeOffset, CustomerEventType, decimal?)> buffer)
    {
        var length = (until - from).TotalDays;
        var share = length / Month;

        // Monthly billing: a failed payment is retried three days later.
        var bill = monthStart + TimeSpan.FromDays(billingPhase);
        if (bill >= from && bill < until)
        {
            var attempt = bill;
            for (var tries = 0; tries < 3 && attempt < until; tries++)
            {
                if (rng.Bernoulli(paymentFailureRate))
                {
                    buffer.Add((attempt, CustomerEventType.PaymentFailure, Prices[plan]));
                    attempt += TimeSpan.FromDays(3);
                    continue;
                }

                buffer.Add((attempt, CustomerEventType.Purchase, Prices[plan]));
                break;
            }
        }

        // Logins, thinned after a decline starts.
        var logins = rng.Poisson(loginRate * share);
        for (var i = 0; i < logins; i++)
        {
            var t = from + TimeSpan.FromDays(rng.NextDouble() * length);
            if (t >= declineAt && !rng.Bernoulli(0.3))
            {
                continue;
            }

            buffer.Add((t, CustomerEventType.Login, null));
        }

        // One-off purchases: heterogeneous rates and spend, as repeat-purchase models expect.
        var extra = rng.Poisson(addOns.Rate * share);
        for (var i = 0; i < extra; i++)
        {
            var amount = Math.Round((decimal)rng.Gamma(4, addOns.MeanAmount / 4), 2);
            buffer.Add((from + TimeSpan.FromDays(rng.NextDouble() * length), CustomerEventType.Purchase, Math.Max(0.01m, amount)));
        }

        var tickets = rng.Poisson(ticketRate * share);
        for (var i = 0; i < tickets; i++)
        {
            buffer.Add((from + TimeSpan.FromDays(rng.NextDouble() * length), CustomerEventType.SupportTicket, null));
        }

        var complaints = rng.Poisson(complaintRate * share);
        for (var i = 0; i < complaints; i++)
        {
            buffer.Add((from + TimeSpan.FromDays(rng.NextDouble() * length), CustomerEventType.Complaint, null));
        }

        if (rng.Bernoulli(0.25 * share))
        {
            var score = Math.Clamp(Math.Round(rng.Normal(satisfaction - (0.7 * tickets) - complaints, 1.2)), 0, 10);
            buffer.Add((from + TimeSpan.FromDays(rng.NextDouble() * length), CustomerEventType.Feedback, (decimal)score));
        }
    }

    /// <summary>The planted probability at a checkpoint, from the same windows <see cref="FeatureBuilder"/> uses.</summary>
    private static double ProbabilityAt(List<CustomerEvent> events, DateTimeOffset at, DateTimeOffset signup)
    {
        var asOf = at.UtcTicks;
        var d30 = TimeSpan.FromDays(30).Ticks;
        var d90 = TimeSpan.FromDays(90).Ticks;
        double failures = 0, tickets = 0, complaints = 0, logins = 0, loginsBefore = 0, feedback = double.NaN;
        for (var i = events.Count - 1; i >= 0; i--)
        {
            var e = events[i];
            var age = asOf - e.Timestamp.UtcTicks;
            if (age < 0)
            {
                continue;
            }

            var type = e.Type;
            if (double.IsNaN(feedback) && type == CustomerEventType.Feedback)
            {
                feedback = (double)e.Amount!.Value;
            }

            if (age >= 2 * d30 && age >= d90 && !double.IsNaN(feedback))
            {
                break;
            }

            if (age < d30)
            {
                if (type == CustomerEventType.PaymentFailure)
                {
                    failures++;
                }
                else if (type == CustomerEventType.Login)
                {
                    logins++;
                }
            }
            else if (age < 2 * d30 && type == CustomerEventType.Login)
            {
                loginsBefore++;
            }

            if (age < d90)
            {
                if (type == CustomerEventType.SupportTicket)
                {
                    tickets++;
                }
                else if (type == CustomerEventType.Complaint)
                {
                    complaints++;
                }
            }
        }

        var tenure = (asOf - signup.UtcTicks) / (double)TimeSpan.TicksPerDay;
        return PlantedChurnModel.Probability(failures, tickets, complaints, logins, logins - loginsBefore, feedback, tenure);
    }
}
