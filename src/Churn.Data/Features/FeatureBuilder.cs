using Churn.Abstractions;
using Churn.Data;

namespace Churn.Data;

/// <summary>
/// Builds point-in-time <see cref="CustomerSnapshot"/>s from an <see cref="EventLog"/>: recency,
/// frequency, monetary value, per-window counts and sums with trends against the previous window,
/// tenure, support tickets and complaints, feedback scores, usage decline, payment failures and
/// days since the last contact, plus the host's own <see cref="IFeatureDefinition"/>s.
/// </summary>
/// <remarks>
/// <para>Strictly point-in-time: a snapshot as of T reads only events at or before T, so an event
/// after T can never change it. A customer appears in a batch as of T only when something about
/// them is known by T (an event, or a profile signup date).</para>
/// <para>Window <c>w</c> covers (T - w days, T]; the previous window (T - 2w, T - w].</para>
/// <para>Thread-safe: the builder is immutable after construction.</para>
/// </remarks>
public sealed partial class FeatureBuilder
{
    private const int PerWindow = 11;
    private const int Head = 6;
    private const int Tail = 7;
    private static readonly double TicksPerDay = TimeSpan.TicksPerDay;

    private readonly int[] _windows;
    private readonly long[] _spans;
    private readonly IFeatureDefinition[] _custom;
    private readonly int _parallelism;

    /// <summary>Initializes a new instance of the <see cref="FeatureBuilder"/> class.</summary>
    /// <param name="options">Windows and parallelism; defaults when null.</param>
    /// <param name="customFeatures">The host's own features, appended after the built-in ones.</param>
    /// <exception cref="ArgumentException">The options are invalid, or a custom feature's name clashes.</exception>
    public FeatureBuilder(FeatureBuilderOptions? options = null, IEnumerable<IFeatureDefinition>? customFeatures = null)
    {
        options = Churn.Shared.OptionsCheck.ThrowIfInvalid(options ?? new FeatureBuilderOptions(), new FeatureBuilderOptionsValidator(), new FeatureBuilderOptionsRules());
        _windows = [.. options.WindowDays.Order()];
        _spans = [.. _windows.Select(d => d * TimeSpan.TicksPerDay)];
        _custom = customFeatures?.ToArray() ?? [];
        _parallelism = options.MaxDegreeOfParallelism;
        Schema = new FeatureSchema(Definitions(_windows).Concat(_custom.Select(c => c.Definition)));
    }

    internal enum Role : byte
    {
        Other,
        Purchase,
        SubscriptionStart,
        SubscriptionCancel,
        PaymentFailure,
        Ticket,
        Complaint,
        Feedback,
        Login,
        Usage,
        Contact,
    }

    /// <summary>Gets the schema of the snapshots this builder makes.</summary>
    public FeatureSchema Schema { get; }

    /// <summary>Builds one customer's snapshot.</summary>
    /// <param name="log">The events.</param>
    /// <param name="customerId">The customer.</param>
    /// <param name="asOf">The instant.</param>
    /// <param name="profile">The customer's profile, if known.</param>
    /// <returns>The snapshot.</returns>
    /// <exception cref="KeyNotFoundException">The customer is not in the log.</exception>
    public CustomerSnapshot Build(EventLog log, CustomerId customerId, DateTimeOffset asOf, CustomerProfile? profile = null)
    {
        ArgumentNullException.ThrowIfNull(log);
        var c = log.IndexOf(customerId);
        if (c < 0)
        {
            throw new KeyNotFoundException($"Customer '{customerId}' is not in the event log.");
        }

        var values = new double[Schema.Count];
        Compute(log.TimelineAsOf(c, asOf), RolesOf(log), profile, asOf, values);
        return new CustomerSnapshot(customerId, asOf, Schema, values);
    }

    /// <summary>Builds the snapshots of every customer known at an instant.</summary>
    /// <param name="log">The events.</param>
    /// <param name="asOf">The instant.</param>
    /// <param name="profiles">Profiles by customer (signup dates, attributes); optional.</param>
    /// <param name="progress">Receives the number of customers done; optional.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The batch, in log order.</returns>
    public SnapshotBatch BuildAll(
        EventLog log,
        DateTimeOffset asOf,
        IReadOnlyDictionary<CustomerId, CustomerProfile>? profiles = null,
        IProgress<int>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(log);
        var limit = asOf.UtcTicks;
        var rows = new List<int>(log.CustomerCount);
        for (var c = 0; c < log.CustomerCount; c++)
        {
            var t = log.Timeline(c);
            var known = t.Count > 0 && t.Ticks[0] <= limit;
            if (!known && profiles is not null && profiles.TryGetValue(log.Customers[c], out var p) && p.SignupDate is { } s)
            {
                known = s.UtcTicks <= limit;
            }

            if (known)
            {
                rows.Add(c);
            }
        }

        var roles = RolesOf(log);
        var width = Schema.Count;
        var values = new double[(long)rows.Count * width];
        var ids = new CustomerId[rows.Count];
        const int chunk = 4096;
        var chunks = (rows.Count + chunk - 1) / chunk;
        var done = 0;
        Parallel.For(
            0,
            chunks,
            new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = _parallelism },
            k =>
            {
                var end = Math.Min(rows.Count, (k + 1) * chunk);
                for (var r = k * chunk; r < end; r++)
                {
                    var c = rows[r];
                    var id = log.Customers[c];
                    ids[r] = id;
                    CustomerProfile? profile = null;
                    profiles?.TryGetValue(id, out profile);
                    Compute(log.TimelineAsOf(c, asOf), roles, profile, asOf, values.AsSpan(r * width, width));
                }

                if (progress is not null)
                {
                    progress.Report(Interlocked.Add(ref done, end - (k * chunk)));
                }
            });
        return new SnapshotBatch(Schema, asOf, ids, values);
    }

    /// <summary>Prepares to compute features from one log many times (per customer, per instant) without allocating per call.</summary>
    /// <param name="log">The events.</param>
    /// <returns>The log's feature source.</returns>
    public LogFeatures For(EventLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        return new LogFeatures(this, log, RolesOf(log));
    }

    /// <summary>Starts one customer's live features (see <see cref="FeatureState"/>).</summary>
    /// <returns>An empty state.</returns>
    /// <exception cref="NotSupportedException">The builder has custom features, which read the whole history.</exception>
    public FeatureState NewState() => _custom.Length == 0
        ? new FeatureState()
        : throw new NotSupportedException("Live features cannot include custom features: they read the whole history, which a live state does not keep.");

    /// <summary>Computes a customer's features from their live state as of an instant, exactly as <see cref="Build"/> does from the whole history; events too old for any window are then forgotten.</summary>
    /// <param name="state">The customer's state.</param>
    /// <param name="asOf">The instant; not before the latest event absorbed (instants may be read in any order).</param>
    /// <param name="profile">The customer's profile, if known.</param>
    /// <param name="values">Receives one value per schema feature.</param>
    public void Compute(FeatureState state, DateTimeOffset asOf, CustomerProfile? profile, Span<double> values)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (values.Length != Schema.Count)
        {
            throw new ArgumentException($"{values.Length} places for {Schema.Count} features.", nameof(values));
        }

        var now = asOf.UtcTicks;
        if (state.Life.Events > 0 && now < state.Life.Last)
        {
            throw new ArgumentException($"The instant {asOf:O} is before the latest event absorbed ({state.LastEvent:O}).", nameof(asOf));
        }

        // An event twice the longest window older than the latest counts in no window at any instant a
        // live state can still be read at (the latest event or later), whatever order they are read in.
        if (state.Life.Events > 0)
        {
            state.DropUntil(state.Life.Last - (2 * _spans[^1]));
        }
        var ticks = state.Ticks;
        var roles = state.Roles;
        var amounts = state.Amounts;
        Span<double> acc = stackalloc double[_windows.Length * PerWindow];
        acc.Clear();
        for (var i = 0; i < ticks.Length; i++)
        {
            AddToWindows(acc, now - ticks[i], (Role)roles[i], amounts[i]);
        }

        WriteRow(ref state.Life, acc, default, profile, asOf, values);
    }

    /// <summary>Computes one customer's features as of an instant (called by <see cref="LogFeatures"/>).</summary>
    internal void Compute(EventLog log, object roles, int customerIndex, DateTimeOffset asOf, CustomerProfile? profile, Span<double> values)
    {
        if (values.Length != Schema.Count)
        {
            throw new ArgumentException($"{values.Length} places for {Schema.Count} features.", nameof(values));
        }

        Compute(log.TimelineAsOf(customerIndex, asOf), (Role[])roles, profile, asOf, values);
    }

    private static IEnumerable<FeatureDefinition> Definitions(int[] windows)
    {
        yield return new("tenure_days", FeatureKind.Days, "days since the customer signed up (or was first seen)");
        yield return new("days_since_last_event", FeatureKind.Days, "days since anything was heard from the customer");
        yield return new("recency_days", FeatureKind.Days, "days since the last purchase");
        yield return new("frequency", FeatureKind.Count, "purchases so far");
        yield return new("monetary", FeatureKind.Money, "total spent so far");
        yield return new("avg_order_value", FeatureKind.Money, "average purchase amount");
        foreach (var w in windows)
        {
            yield return new($"purchases_{w}d", FeatureKind.Count, $"purchases in the last {w} days");
            yield return new($"spend_{w}d", FeatureKind.Money, $"spent in the last {w} days");
            yield return new($"purchases_trend_{w}d", FeatureKind.Number, $"purchases in the last {w} days minus the {w} days before");
            yield return new($"spend_trend_{w}d", FeatureKind.Money, $"spend in the last {w} days minus the {w} days before");
            yield return new($"logins_{w}d", FeatureKind.Count, $"logins in the last {w} days");
            yield return new($"logins_trend_{w}d", FeatureKind.Number, $"logins in the last {w} days minus the {w} days before");
            yield return new($"usage_{w}d", FeatureKind.Number, $"usage in the last {w} days");
            yield return new($"usage_decline_{w}d", FeatureKind.Ratio, $"drop in usage over the last {w} days relative to the {w} days before (0.5 = halved)");
            yield return new($"tickets_{w}d", FeatureKind.Count, $"support tickets in the last {w} days");
            yield return new($"complaints_{w}d", FeatureKind.Count, $"complaints in the last {w} days");
            yield return new($"payment_failures_{w}d", FeatureKind.Count, $"failed payments in the last {w} days");
        }

        yield return new("feedback_last", FeatureKind.Score, "the latest feedback score");
        yield return new("feedback_avg", FeatureKind.Score, "the average feedback score");
        yield return new("feedback_change", FeatureKind.Score, "the latest feedback score minus the one before");
        yield return new("days_since_last_login", FeatureKind.Days, "days since the last login");
        yield return new("days_since_last_contact", FeatureKind.Days, "days since the last contact (a contact, ticket, complaint or feedback)");
        yield return new("subscription_active", FeatureKind.Flag, "1 when the latest subscription event is a start, not a cancellation");
        yield return new("events_total", FeatureKind.Count, "events so far");
    }

    private static Role[] RolesOf(EventLog log) => [.. log.Types.Select(RoleOf)];

    internal static Role RoleOf(CustomerEventType t) =>
        t == CustomerEventType.Purchase ? Role.Purchase :
        t == CustomerEventType.SubscriptionStart ? Role.SubscriptionStart :
        t == CustomerEventType.SubscriptionCancel ? Role.SubscriptionCancel :
        t == CustomerEventType.PaymentFailure ? Role.PaymentFailure :
        t == CustomerEventType.SupportTicket ? Role.Ticket :
        t == CustomerEventType.Complaint ? Role.Complaint :
        t == CustomerEventType.Feedback ? Role.Feedback :
        t == CustomerEventType.Login ? Role.Login :
        t == CustomerEventType.Usage ? Role.Usage :
        t == CustomerEventType.Contact ? Role.Contact :
        Role.Other;

    private static double Days(long fromTicks, long toTicks) => (toTicks - fromTicks) / TicksPerDay;

    private static double DaysOrNaN(long lastTicks, long asOf) => lastTicks == long.MinValue ? double.NaN : Days(lastTicks, asOf);

    private void Compute(CustomerTimeline timeline, Role[] roles, CustomerProfile? profile, DateTimeOffset asOfInstant, Span<double> row)
    {
        var asOf = asOfInstant.UtcTicks;
        var ticks = timeline.Ticks;
        var codes = timeline.TypeCodes;
        var amounts = timeline.Amounts;
        Span<double> acc = stackalloc double[_windows.Length * PerWindow];
        acc.Clear();
        var life = Lifetime.Empty;
        for (var i = 0; i < ticks.Length; i++)
        {
            var role = roles[codes[i]];
            life.Absorb(role, ticks[i], amounts[i]);
            AddToWindows(acc, asOf - ticks[i], role, amounts[i]);
        }

        WriteRow(ref life, acc, timeline, profile, asOfInstant, row);
    }

    /// <summary>
    /// Computes one customer's features at ascending instants in one sweep over the events: the
    /// lifetime totals absorb each event once; at each instant the windows are summed afresh over
    /// the events they can still see (twice the longest window), in the order and with the
    /// arithmetic of <see cref="Compute(CustomerTimeline, Role[], CustomerProfile?, DateTimeOffset, Span{double})"/>,
    /// so every row is bit for bit the snapshot's (and a live state's) at that instant.
    /// </summary>
    internal void ComputeSeries(EventLog log, object roles, int customerIndex, ReadOnlySpan<long> instants, CustomerProfile? profile, Span<double> rows)
    {
        var width = Schema.Count;
        if (rows.Length != instants.Length * width)
        {
            throw new ArgumentException($"{rows.Length} places for {instants.Length} rows of {width} features.", nameof(rows));
        }

        if (instants.IsEmpty)
        {
            return;
        }

        var role = (Role[])roles;
        var whole = log.TimelineAsOf(customerIndex, new DateTimeOffset(instants[^1], TimeSpan.Zero));
        var ticks = whole.Ticks;
        var codes = whole.TypeCodes;
        var amounts = whole.Amounts;
        var w = _windows.Length;
        Span<double> acc = stackalloc double[w * PerWindow];
        Span<int> first = stackalloc int[w];
        first.Clear();
        var life = Lifetime.Empty;
        var enter = 0;
        for (var r = 0; r < instants.Length; r++)
        {
            var g = instants[r];
            if (r > 0 && g < instants[r - 1])
            {
                throw new ArgumentException("The instants must ascend.", nameof(instants));
            }

            for (; enter < ticks.Length && ticks[enter] <= g; enter++)
            {
                life.Absorb(role[codes[enter]], ticks[enter], amounts[enter]);
            }

            // Each window sums the events it sees, oldest first: the additions AddToWindows makes to
            // that window's sums, in the same order, so the row is the snapshot's bit for bit.
            acc.Clear();
            for (var k = 0; k < w; k++)
            {
                var span = _spans[k];
                for (; first[k] < enter && g - ticks[first[k]] >= 2 * span; first[k]++)
                {
                }

                var a = acc.Slice(k * PerWindow, PerWindow);
                for (var i = first[k]; i < enter; i++)
                {
                    Window(a, role[codes[i]], amounts[i], g - ticks[i] < span);
                }
            }

            var at = new DateTimeOffset(g, TimeSpan.Zero);
            WriteRow(ref life, acc, _custom.Length > 0 ? log.TimelineAsOf(customerIndex, at) : whole, profile, at, rows.Slice(r * width, width));
        }
    }

    /// <summary>Adds one event, <paramref name="age"/> ticks before the instant, to the current or previous half of every window it falls in (one place for snapshots and live states, so both do the same arithmetic in the same order).</summary>
    private void AddToWindows(Span<double> acc, long age, Role role, double amount)
    {
        for (var k = 0; k < _windows.Length; k++)
        {
            var span = _spans[k];
            var current = age < span;
            if (current || age < 2 * span)
            {
                Window(acc.Slice(k * PerWindow, PerWindow), role, amount, current);
            }
        }
    }

    /// <summary>Adds one event's part to one window's current or previous half.</summary>
    private static void Window(Span<double> a, Role role, double amount, bool current)
    {
        switch (role)
        {
            case Role.Purchase:
                a[current ? 0 : 1]++;
                a[current ? 2 : 3] += double.IsNaN(amount) ? 0 : amount;
                break;
            case Role.Login:
                a[current ? 4 : 5]++;
                break;
            case Role.Usage:
                a[current ? 6 : 7] += double.IsNaN(amount) ? 1 : amount;
                break;
            case Role.Ticket when current:
                a[8]++;
                break;
            case Role.Complaint when current:
                a[9]++;
                break;
            case Role.PaymentFailure when current:
                a[10]++;
                break;
            default:
                break;
        }
    }

    /// <summary>Writes the feature row from the lifetime totals and the window accumulators, as of an instant.</summary>
    private void WriteRow(ref Lifetime life, ReadOnlySpan<double> acc, CustomerTimeline timeline, CustomerProfile? profile, DateTimeOffset asOfInstant, Span<double> row)
    {
        var asOf = asOfInstant.UtcTicks;
        var w = _windows.Length;
        long? start = profile?.SignupDate is { } signup && signup.UtcTicks <= asOf ? signup.UtcTicks : life.Events > 0 ? life.First : null;
        row[0] = start is { } s ? Days(s, asOf) : double.NaN;
        row[1] = life.Events > 0 ? Days(life.Last, asOf) : double.NaN;
        row[2] = DaysOrNaN(life.LastPurchase, asOf);
        row[3] = life.Frequency;
        row[4] = life.Monetary;
        row[5] = life.AmountCount > 0 ? life.Monetary / life.AmountCount : double.NaN;
        var o = Head;
        for (var k = 0; k < w; k++, o += PerWindow)
        {
            var a = acc.Slice(k * PerWindow, PerWindow);
            row[o] = a[0];
            row[o + 1] = a[2];
            row[o + 2] = a[0] - a[1];
            row[o + 3] = a[2] - a[3];
            row[o + 4] = a[4];
            row[o + 5] = a[4] - a[5];
            row[o + 6] = a[6];
            row[o + 7] = a[7] > 0 ? (a[7] - a[6]) / a[7] : double.NaN;
            row[o + 8] = a[8];
            row[o + 9] = a[9];
            row[o + 10] = a[10];
        }

        row[o] = life.FeedbackLast;
        row[o + 1] = life.FeedbackCount > 0 ? life.FeedbackSum / life.FeedbackCount : double.NaN;
        row[o + 2] = life.FeedbackLast - life.FeedbackPrev;
        row[o + 3] = DaysOrNaN(life.LastLogin, asOf);
        row[o + 4] = DaysOrNaN(life.LastContact, asOf);
        row[o + 5] = life.SubscriptionActive;
        row[o + 6] = life.Events;
        o += Tail;
        for (var j = 0; j < _custom.Length; j++)
        {
            row[o + j] = _custom[j].Compute(timeline, profile, asOfInstant);
        }
    }

    /// <summary>What a customer's whole history so far adds up to: totals, latest times, latest feedback.</summary>
    internal struct Lifetime
    {
        public long First;
        public long Last;
        public long LastPurchase;
        public long LastLogin;
        public long LastContact;
        public int Events;
        public double Frequency;
        public double Monetary;
        public double AmountCount;
        public double FeedbackLast;
        public double FeedbackPrev;
        public double FeedbackSum;
        public double FeedbackCount;
        public double SubscriptionActive;

        public static Lifetime Empty => new()
        {
            LastPurchase = long.MinValue,
            LastLogin = long.MinValue,
            LastContact = long.MinValue,
            FeedbackLast = double.NaN,
            FeedbackPrev = double.NaN,
        };

        public void Absorb(Role role, long tick, double amount)
        {
            if (Events++ == 0)
            {
                First = tick;
            }

            Last = tick;
            switch (role)
            {
                case Role.Purchase:
                    Frequency++;
                    LastPurchase = tick;
                    if (!double.IsNaN(amount))
                    {
                        Monetary += amount;
                        AmountCount++;
                    }

                    break;
                case Role.Login:
                    LastLogin = tick;
                    break;
                case Role.Feedback:
                    LastContact = tick;
                    if (!double.IsNaN(amount))
                    {
                        FeedbackPrev = FeedbackLast;
                        FeedbackLast = amount;
                        FeedbackSum += amount;
                        FeedbackCount++;
                    }

                    break;
                case Role.Ticket or Role.Complaint or Role.Contact:
                    LastContact = tick;
                    break;
                case Role.SubscriptionStart:
                    SubscriptionActive = 1;
                    break;
                case Role.SubscriptionCancel:
                    SubscriptionActive = 0;
                    break;
                default:
                    break;
            }
        }
    }
}
