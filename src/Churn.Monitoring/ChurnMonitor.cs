using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using System.Text;
using System.Threading.Channels;
using Churn.Abstractions;
using Churn.Sdk;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Churn.Monitoring;

/// <summary>
/// Keeps every customer's assessment current from a live stream of events, and raises an alert
/// when a customer's risk level rises to <see cref="MonitorOptions.AlertLevel"/> or above, or
/// when a critical symptom begins (<see cref="ChurnAlert.Symptom"/>).
/// </summary>
/// <remarks>
/// <para>Each customer's state is a <see cref="LiveCustomer"/> (a few hundred bytes), so the
/// assessment after an event is exactly the batch pipeline's as of that instant: no
/// training/serving skew. Events are applied one at a time, in time order (held for
/// <see cref="MonitorOptions.ReorderTolerance"/> when they may arrive out of order); an event
/// delivered twice (same <see cref="EventKey"/>) changes nothing, and one older than the customer's
/// latest applied event is counted as late and left out.</para>
/// <para>No alert storms: an alert at a level starts a cooldown for that customer and level,
/// measured in event time, so a replay raises the same alerts as the live run did. Time passing
/// raises risk too: <see cref="Start"/> reassesses every customer on the monitor's
/// <see cref="TimeProvider"/> every <see cref="MonitorOptions.ReassessEvery"/>.</para>
/// <para>Thread-safe: events may be written from many threads (<see cref="ObserveAsync"/>, or the
/// bounded <see cref="Writer"/> with <see cref="RunAsync(CancellationToken)"/> reading it); they are applied in time order, each customer's on one thread, a batch's customers shared out among threads (<see cref="MonitorOptions.MaxDegreeOfParallelism"/>) with the same result on any number.</para>
/// </remarks>
public sealed class ChurnMonitor : IAsyncDisposable, IDisposable
{
    private const int LateExamplesKept = 10;

    /// <summary>The customers are kept in this many shards (by a stable hash of their id); a batch's shards are applied in parallel.</summary>
    private const int Shards = 32;
    private static readonly byte[] Magic = "CHMON002"u8.ToArray();
    private static readonly byte[] MagicWithoutSymptoms = "CHMON001"u8.ToArray();

    private readonly ChurnPipeline _pipeline;
    private readonly MonitorOptions _options;
    private readonly IAlertSink[] _sinks;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<CustomerId, CustomerProfile?>? _profiles;
    private readonly Dictionary<CustomerId, Slot>[] _shards = [.. Enumerable.Range(0, Shards).Select(_ => new Dictionary<CustomerId, Slot>())];
    private readonly PriorityQueue<(CustomerEvent Event, long Arrived), (long Ticks, long Sequence)> _pending = new();
    private readonly Channel<CustomerEvent> _channel;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<string> _lateExamples = [];
    private readonly Tally _tally = new();

    /// <summary>The alerts of a few events applied on the caller's thread, reused from call to call (under the gate).</summary>
    private readonly List<Raised> _raised = [];

    /// <summary>The events let go by the reorder buffer, reused from call to call (under the gate).</summary>
    private readonly List<(CustomerEvent Event, long Arrived)> _ready = [];
    private readonly Meter _meter;
    private readonly Counter<long> _eventsIn;
    private readonly Counter<long> _alertsOut;
    private readonly Counter<long> _skipped;
    private readonly Histogram<double> _latency;
    private long _sequence;
    private long _maxSeen = long.MinValue;
    private ITimer? _timer;

    /// <summary>Initializes a new instance of the <see cref="ChurnMonitor"/> class.</summary>
    /// <param name="pipeline">The pipeline whose assessment the monitor keeps current (with value prediction off; rules, when it has them, are kept live too: see <see cref="ChurnPipeline.StartLive"/>).</param>
    /// <param name="options">Alert level, cooldown, reorder tolerance and capacity; defaults when null.</param>
    /// <param name="sinks">Where alerts go.</param>
    /// <param name="profiles">Looks up a customer's profile (owner, signup date) when the customer is first seen; optional. Called from several threads at once when a batch is applied in parallel.</param>
    /// <param name="timeProvider">The clock for reassessing as time passes and for latency; the system clock when null.</param>
    /// <param name="logger">The log (no customer data unless <see cref="MonitorOptions.LogCustomerIds"/>); none when null.</param>
    /// <param name="meterFactory">Creates the <c>Churn.Monitoring</c> meter; a meter of the monitor's own when null.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    /// <exception cref="NotSupportedException">The pipeline cannot assess live (value prediction, a host's own symptom detector or features).</exception>
    public ChurnMonitor(
        ChurnPipeline pipeline,
        MonitorOptions? options = null,
        IEnumerable<IAlertSink>? sinks = null,
        Func<CustomerId, CustomerProfile?>? profiles = null,
        TimeProvider? timeProvider = null,
        ILogger<ChurnMonitor>? logger = null,
        IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        _options = Churn.Shared.OptionsCheck.ThrowIfInvalid(options ?? new MonitorOptions(), new MonitorOptionsValidator(), new MonitorOptionsRules());
        _pipeline = pipeline;
        _ = pipeline.StartLive("probe");
        _sinks = sinks?.ToArray() ?? [];
        _profiles = profiles;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _channel = Channel.CreateBounded<CustomerEvent>(new BoundedChannelOptions(_options.ChannelCapacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
        _meter = meterFactory?.Create(new MeterOptions("Churn.Monitoring")) ?? new Meter("Churn.Monitoring");
        _eventsIn = _meter.CreateCounter<long>("churn.monitor.events", "{event}", "Events applied to customers' state.");
        _alertsOut = _meter.CreateCounter<long>("churn.monitor.alerts", "{alert}", "Alerts raised.");
        _skipped = _meter.CreateCounter<long>("churn.monitor.skipped", "{event}", "Events left out, by reason (duplicate, late).");
        _latency = _meter.CreateHistogram<double>("churn.monitor.event_to_alert", "ms", "Time from an event's arrival to the alert it raised.");
        _meter.CreateObservableGauge("churn.monitor.customers", () => _tally.ByLevel.Sum(l => Volatile.Read(ref l)), "{customer}", "Customers tracked.");
        _meter.CreateObservableGauge("churn.monitor.pending", () => Volatile.Read(ref _sequence) - Volatile.Read(ref _tally.Events) - Volatile.Read(ref _tally.Duplicates) - Volatile.Read(ref _tally.Late), "{event}", "Events received and not yet applied (lag).");
    }

    /// <summary>Gets the bounded writer events can be posted to; <see cref="RunAsync(CancellationToken)"/> applies them. A writer waits while it is full.</summary>
    public ChannelWriter<CustomerEvent> Writer => _channel.Writer;

    /// <summary>Gets the counts so far.</summary>
    public MonitorStats Stats
    {
        get
        {
            _gate.Wait();
            try
            {
                return new MonitorStats(_tally.Events, _tally.Duplicates, _tally.Late, _pending.Count, _shards.Sum(s => s.Count), _tally.Alerts, [.. _tally.ByLevel]);
            }
            finally
            {
                _gate.Release();
            }
        }
    }

    /// <summary>Gets the first late events left out (customer and times; customer ids only when <see cref="MonitorOptions.LogCustomerIds"/> is on).</summary>
    public IReadOnlyList<string> LateExamples
    {
        get
        {
            lock (_lateExamples)
            {
                return [.. _lateExamples];
            }
        }
    }

    /// <summary>Gets a customer's current assessment.</summary>
    /// <param name="customerId">The customer.</param>
    /// <returns>The assessment after the customer's latest event or reassessment; null for a customer not seen.</returns>
    public RiskAssessment? Current(CustomerId customerId)
    {
        _gate.Wait();
        try
        {
            return ShardOf(customerId).TryGetValue(customerId, out var slot) ? Complete(slot) : null;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Gets every tracked customer's current assessment, in no particular order.</summary>
    /// <returns>The assessments.</returns>
    public IReadOnlyList<RiskAssessment> CurrentAll()
    {
        _gate.Wait();
        try
        {
            return [.. _shards.SelectMany(s => s.Values).Select(Complete).OfType<RiskAssessment>()];
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Gets the assessments that changed since the last call (with their reasons), for a host to keep them (an assessment store's history); each customer once, at their latest assessment.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The changed assessments, by customer id.</returns>
    public async ValueTask<IReadOnlyList<RiskAssessment>> TakeChangedAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var changed = new List<RiskAssessment>();
            foreach (var slot in _shards.SelectMany(s => s.Values))
            {
                if (slot.Changed && Complete(slot) is { } assessment)
                {
                    changed.Add(assessment);
                    slot.Changed = false;
                }
            }

            changed.Sort((a, b) => string.CompareOrdinal(a.CustomerId.Value, b.CustomerId.Value));
            return changed;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Takes one event: held while reordering allows, then applied in time order; alerts it raises are sent before this returns.</summary>
    /// <param name="customerEvent">The event.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the event (and any released before it) is applied.</returns>
    public async ValueTask ObserveAsync(CustomerEvent customerEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(customerEvent);
        var arrived = _time.GetTimestamp();
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _ready.Clear();
            Take(customerEvent, arrived);
            await ApplyAsync(_ready, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Takes a batch of events: held while reordering allows, then applied in time order, the customers shared out among threads (<see cref="MonitorOptions.MaxDegreeOfParallelism"/>); the alerts are sent, in time order, before this returns. The same result as taking them one at a time.</summary>
    /// <param name="events">The events.</param>
    /// <param name="cancellationToken">Cancels the wait (a batch once begun is applied whole).</param>
    /// <returns>A task that completes when the events released are applied.</returns>
    public async ValueTask ObserveManyAsync(IReadOnlyList<CustomerEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Any(e => e is null))
        {
            throw new ArgumentException("An event is null: none of the batch was taken.", nameof(events));
        }

        var arrived = _time.GetTimestamp();
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Each event is taken as if it came alone (the same events let go in the same order), then the batch is applied.
            _ready.Clear();
            foreach (var e in events)
            {
                Take(e, arrived);
            }

            await ApplyAsync(_ready, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Applies every event held for reordering (at the end of a stream).</summary>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>A task that completes when they are applied.</returns>
    public async ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var all = new List<(CustomerEvent Event, long Arrived)>(_pending.Count);
            while (_pending.TryDequeue(out var item, out _))
            {
                all.Add(item);
            }

            await ApplyAsync(all, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Applies a stream of events, then those held for reordering.</summary>
    /// <param name="events">The events.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>A task that completes at the end of the stream.</returns>
    /// <remarks>Events that are already waiting are taken in batches of up to <see cref="MonitorOptions.BatchSize"/> (<see cref="ObserveManyAsync"/>); when the stream has to wait, what has been taken is applied first.</remarks>
    public async Task RunAsync(IAsyncEnumerable<CustomerEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        var batch = new List<CustomerEvent>(_options.BatchSize);
        var e = events.GetAsyncEnumerator(cancellationToken);
        await using (e.ConfigureAwait(false))
        {
            while (true)
            {
                var next = e.MoveNextAsync();
                if (!next.IsCompleted && batch.Count > 0)
                {
                    await ObserveManyAsync(batch, cancellationToken).ConfigureAwait(false);
                    batch.Clear();
                }

                if (!await next.ConfigureAwait(false))
                {
                    break;
                }

                batch.Add(e.Current);
                if (batch.Count == _options.BatchSize)
                {
                    await ObserveManyAsync(batch, cancellationToken).ConfigureAwait(false);
                    batch.Clear();
                }
            }
        }

        await ObserveManyAsync(batch, cancellationToken).ConfigureAwait(false);
        await FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Applies what is written to <see cref="Writer"/> until the writer is completed (then flushes) or the token is cancelled; events waiting in the writer are taken in batches of up to <see cref="MonitorOptions.BatchSize"/>.</summary>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <returns>A task that completes when the writer completes.</returns>
    public Task RunAsync(CancellationToken cancellationToken = default) => RunAsync(_channel.Reader.ReadAllAsync(cancellationToken), cancellationToken);

    /// <summary>Assesses every customer again as of an instant (time has passed: inactivity raises risk, a non-contractual customer may have churned), raising alerts as events do.</summary>
    /// <param name="asOf">The instant; customers whose latest event is later are left as they are.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>A task that completes when every customer is assessed.</returns>
    public async ValueTask ReassessAsync(DateTimeOffset asOf, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            var started = _time.GetTimestamp();
            var raised = InShards(_shards.Select(s => s.Values.ToList()).ToArray(), (_, slots, tally, alerts) =>
            {
                foreach (var slot in slots)
                {
                    if (slot.AssessedAt <= asOf.UtcTicks && (slot.Live.LastEvent is not { } last || last <= asOf))
                    {
                        Decide(slot, _pipeline.LevelLive(slot.Live, asOf), asOf.UtcTicks, started, 0, tally, alerts);
                    }
                }
            });

            // The same order whatever the threads: by customer.
            raised.Sort((a, b) => string.CompareOrdinal(a.Alert.Assessment.CustomerId.Value, b.Alert.Assessment.CustomerId.Value));
            await SendAsync(raised, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Starts reassessing every customer every <see cref="MonitorOptions.ReassessEvery"/> on the monitor's clock.</summary>
    public void Start() =>
        _timer ??= _time.CreateTimer(_ => _ = TickAsync(), null, _options.ReassessEvery, _options.ReassessEvery);

    /// <summary>Writes the monitor's whole state (every customer's state, cooldowns and remembered event keys, events held for reordering, counts) in a compact binary form, for a checkpoint.</summary>
    /// <param name="output">The stream.</param>
    /// <param name="cancellationToken">Cancels the wait for the state.</param>
    /// <returns>A task that completes when it is written.</returns>
    public async Task WriteStateAsync(Stream output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        var buffer = new ArrayBufferWriter<byte>();
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            buffer.Write(Magic);
            foreach (var v in new[] { _maxSeen, _tally.Events, _tally.Duplicates, _tally.Late, _tally.Alerts, _shards.Sum(s => s.Count), _pending.Count })
            {
                WriteLong(buffer, v);
            }

            foreach (var slot in _shards.SelectMany(s => s.Values))
            {
                WriteString(buffer, slot.Live.CustomerId.Value);
                var live = new ArrayBufferWriter<byte>();
                slot.Live.WriteTo(live);
                WriteLong(buffer, live.WrittenCount);
                buffer.Write(live.WrittenSpan);
                WriteLong(buffer, slot.AssessedAt);
                foreach (var c in slot.CooldownUntil)
                {
                    WriteLong(buffer, c);
                }

                WriteLong(buffer, slot.Keys.Count);
                foreach (var k in slot.Keys)
                {
                    WriteLong(buffer, (long)k);
                }

                WriteLong(buffer, slot.SymptomCooldowns?.Count ?? 0);
                foreach (var (rule, until) in slot.SymptomCooldowns ?? [])
                {
                    WriteString(buffer, rule);
                    WriteLong(buffer, until);
                }
            }

            foreach (var ((e, _), _) in _pending.UnorderedItems.OrderBy(p => p.Priority))
            {
                WriteString(buffer, e.CustomerId.Value);
                WriteLong(buffer, e.Timestamp.UtcTicks);
                WriteString(buffer, e.Type.Name);
                WriteString(buffer, e.Amount?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty);
                WriteString(buffer, e.EventId ?? string.Empty);
            }
        }
        finally
        {
            _gate.Release();
        }

        await output.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Restores a state written by <see cref="WriteStateAsync"/> into this monitor (which must be new, with the same pipeline); every customer's assessment is recomputed from their state.</summary>
    /// <param name="state">The bytes.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the state is restored.</returns>
    /// <exception cref="InvalidOperationException">The monitor has already seen events.</exception>
    /// <exception cref="FormatException">The bytes are not a monitor state, or are damaged.</exception>
    public async Task ReadStateAsync(ReadOnlyMemory<byte> state, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_shards.Any(s => s.Count > 0) || _sequence > 0)
            {
                throw new InvalidOperationException("A monitor state can be restored only into a new monitor.");
            }

            var r = new Reader(state);
            var magic = r.Bytes(Magic.Length);
            var withSymptoms = magic.SequenceEqual(Magic);
            if (!withSymptoms && !magic.SequenceEqual(MagicWithoutSymptoms))
            {
                throw new FormatException("The bytes are not a churn monitor state.");
            }

            _maxSeen = r.Long();
            (_tally.Events, _tally.Duplicates, _tally.Late, _tally.Alerts) = (r.Long(), r.Long(), r.Long(), r.Long());
            var (slots, pending) = (r.Count(), r.Count());
            for (var i = 0; i < slots; i++)
            {
                var id = new CustomerId(r.String());
                var live = LiveCustomer.ReadFrom(id, r.Bytes(r.Count()), _profiles?.Invoke(id));
                var slot = new Slot(live, _options.DuplicateMemory) { AssessedAt = r.Long() };
                for (var k = 0; k < slot.CooldownUntil.Length; k++)
                {
                    slot.CooldownUntil[k] = r.Long();
                }

                var keys = r.Count();
                for (var k = 0; k < keys; k++)
                {
                    slot.Remember((ulong)r.Long(), _options.DuplicateMemory);
                }

                for (var k = withSymptoms ? r.Count() : 0; k > 0; k--)
                {
                    (slot.SymptomCooldowns ??= new(StringComparer.Ordinal))[r.String()] = r.Long();
                }

                if (slot.AssessedAt != long.MinValue)
                {
                    slot.Decided = _pipeline.LevelLive(live, new DateTimeOffset(slot.AssessedAt, TimeSpan.Zero));
                    _tally.ByLevel[(int)slot.Decided.Value.Level]++;
                }

                ShardOf(id)[id] = slot;
            }

            for (var i = 0; i < pending; i++)
            {
                var customer = r.String();
                var at = new DateTimeOffset(r.Long(), TimeSpan.Zero);
                var type = new CustomerEventType(r.String());
                var amount = r.String();
                var eventId = r.String();
                var e = new CustomerEvent(customer, at, type, amount.Length == 0 ? null : decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture), eventId.Length == 0 ? null : eventId);
                _pending.Enqueue((e, _time.GetTimestamp()), (at.UtcTicks, _sequence++));
            }

            if (!r.AtEnd)
            {
                throw new FormatException("The churn monitor state has bytes after its end: it is damaged.");
            }
        }
        catch (Exception ex) when (ex is ArgumentOutOfRangeException or IndexOutOfRangeException or OverflowException)
        {
            throw new FormatException("The churn monitor state is truncated or damaged.", ex);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _timer?.Dispose();
        _meter.Dispose();
        _gate.Dispose();
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private static void WriteLong(ArrayBufferWriter<byte> w, long v)
    {
        BinaryPrimitives.WriteInt64LittleEndian(w.GetSpan(8), v);
        w.Advance(8);
    }

    private static void WriteString(ArrayBufferWriter<byte> w, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        WriteLong(w, bytes.Length);
        w.Write(bytes);
    }

    /// <summary>A 64-bit key of an event, as <see cref="EventKey"/> defines sameness (the id when there is one, else the content; 1.50 and 1.5 the same amount): XXH64 of a marker byte and the id, or of the marker, the instant, the amount, the customer and the type.</summary>
    private static ulong KeyOf(CustomerEvent e)
    {
        var id = e.EventId;
        var length = id is not null ? 1 + (2 * id.Length) : 17 + (2 * e.CustomerId.Value.Length) + 1 + (2 * e.Type.Name.Length);
        byte[]? rented = null;
        Span<byte> bytes = length <= 512 ? stackalloc byte[length] : (rented = ArrayPool<byte>.Shared.Rent(length)).AsSpan(0, length);
        try
        {
            if (id is not null)
            {
                bytes[0] = 1;
                System.Runtime.InteropServices.MemoryMarshal.AsBytes(id.AsSpan()).CopyTo(bytes[1..]);
            }
            else
            {
                bytes[0] = 2;
                BinaryPrimitives.WriteInt64LittleEndian(bytes[1..], e.Timestamp.UtcTicks);
                BinaryPrimitives.WriteDoubleLittleEndian(bytes[9..], e.Amount is { } a ? (double)a : double.NaN);
                var customer = System.Runtime.InteropServices.MemoryMarshal.AsBytes(e.CustomerId.Value.AsSpan());
                customer.CopyTo(bytes[17..]);
                bytes[17 + customer.Length] = 0;
                System.Runtime.InteropServices.MemoryMarshal.AsBytes(e.Type.Name.AsSpan()).CopyTo(bytes[(18 + customer.Length)..]);
            }

            return System.IO.Hashing.XxHash64.HashToUInt64(bytes);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private async Task TickAsync()
    {
        try
        {
            await ReassessAsync(_time.GetUtcNow()).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.ReassessFailed(_logger, ex);
        }
    }

    /// <summary>The shard a customer's slot lives in (a stable hash of the id, the same on every run and machine).</summary>
    private Dictionary<CustomerId, Slot> ShardOf(CustomerId id) => _shards[ShardIndex(id)];

    private static int ShardIndex(CustomerId id) =>
        (int)(System.IO.Hashing.XxHash3.HashToUInt64(System.Runtime.InteropServices.MemoryMarshal.AsBytes(id.Value.AsSpan())) % Shards);

    /// <summary>Takes an event: held for reordering, and every held event the tolerance now lets go added to <see cref="_ready"/> in time order (then arrival order). An event nothing is held before and that can go at once skips the queue.</summary>
    private void Take(CustomerEvent e, long arrived)
    {
        var tick = e.Timestamp.UtcTicks;
        _sequence++;
        _maxSeen = Math.Max(_maxSeen, tick);
        var release = _maxSeen - _options.ReorderTolerance.Ticks;
        if (_pending.Count == 0 && tick <= release)
        {
            _ready.Add((e, arrived));
            return;
        }

        _pending.Enqueue((e, arrived), (tick, _sequence));
        while (_pending.TryPeek(out _, out var key) && key.Ticks <= release)
        {
            _ready.Add(_pending.Dequeue());
        }
    }

    /// <summary>Applies events in order: each customer's events in order on one thread (customers shared out by shard), then the alerts sent in the events' order.</summary>
    private async ValueTask ApplyAsync(List<(CustomerEvent Event, long Arrived)> ready, CancellationToken cancellationToken)
    {
        if (ready.Count == 0)
        {
            return;
        }

        // A few events are not worth the threads (one at a time, as a live stream trickles in, they stay on the caller's).
        if (_options.MaxDegreeOfParallelism == 1 || ready.Count < 64)
        {
            var alerts = _raised;
            alerts.Clear();
            for (var i = 0; i < ready.Count; i++)
            {
                Apply(ShardOf(ready[i].Event.CustomerId), ready[i].Event, ready[i].Arrived, i, _tally, alerts);
            }

            AddLateExamples(_tally);
            await SendAsync(alerts, cancellationToken).ConfigureAwait(false);
            return;
        }

        var work = new List<int>[Shards];
        for (var i = 0; i < ready.Count; i++)
        {
            (work[ShardIndex(ready[i].Event.CustomerId)] ??= []).Add(i);
        }

        var raised = InShards(work, (shard, indexes, tally, alerts) =>
        {
            foreach (var i in indexes)
            {
                Apply(_shards[shard], ready[i].Event, ready[i].Arrived, i, tally, alerts);
            }
        });
        raised.Sort((a, b) => a.Order.CompareTo(b.Order));
        await SendAsync(raised, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs the work of each shard (null for none; the body gets the shard's index), in parallel when there is enough of it; adds up the counts and gathers the alerts raised.</summary>
    private List<Raised> InShards<T>(IReadOnlyList<T>?[] work, Action<int, IReadOnlyList<T>, Tally, List<Raised>> body)
    {
        // One part per thread, each taking every n-th shard (the shards are even by the hash): few hand-overs per batch.
        var total = work.Sum(w => w?.Count ?? 0);
        var threads = _options.MaxDegreeOfParallelism == 1 || total < 64 ? 1 : Math.Min(Shards, _options.MaxDegreeOfParallelism > 0 ? _options.MaxDegreeOfParallelism : Environment.ProcessorCount);
        var tallies = new Tally[threads];
        var raised = new List<Raised>[threads];
        void Run(int part)
        {
            (tallies[part], raised[part]) = (new Tally(), []);
            for (var s = part; s < Shards; s += threads)
            {
                if (work[s] is { Count: > 0 } items)
                {
                    body(s, items, tallies[part], raised[part]);
                }
            }
        }

        if (threads == 1)
        {
            Run(0);
        }
        else
        {
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, Run);
        }

        var all = new Tally();
        foreach (var t in tallies)
        {
            all.Add(t);
            all.LateExamples.AddRange(t.LateExamples);
        }

        _tally.Add(all);
        AddLateExamples(all);
        return [.. raised.SelectMany(r => r)];
    }

    /// <summary>Keeps the first late events of a batch (in the batch's order), up to the number kept.</summary>
    private void AddLateExamples(Tally tally)
    {
        if (tally.LateExamples.Count == 0)
        {
            return;
        }

        lock (_lateExamples)
        {
            _lateExamples.AddRange(tally.LateExamples.OrderBy(l => l.Order).Select(l => l.Text).Take(LateExamplesKept - _lateExamples.Count));
        }

        tally.LateExamples.Clear();
    }

    /// <summary>Applies one event to its customer (in the customer's shard, on the shard's thread): duplicates and late events counted and left out; the level as of the event, and an alert when it calls for one.</summary>
    private void Apply(Dictionary<CustomerId, Slot> shard, CustomerEvent e, long arrived, long order, Tally tally, List<Raised> raised)
    {
        if (!shard.TryGetValue(e.CustomerId, out var slot))
        {
            slot = new Slot(_pipeline.StartLive(e.CustomerId, _profiles?.Invoke(e.CustomerId)), _options.DuplicateMemory);
            shard[e.CustomerId] = slot;
        }

        var key = KeyOf(e);
        if (_options.DuplicateMemory > 0 && slot.Keys.Contains(key))
        {
            tally.Duplicates++;
            _skipped.Add(1, new KeyValuePair<string, object?>("reason", "duplicate"));
            return;
        }

        if (slot.Live.LastEvent is { } last && e.Timestamp < last)
        {
            tally.Late++;
            _skipped.Add(1, new KeyValuePair<string, object?>("reason", "late"));
            if (tally.LateExamples.Count < LateExamplesKept)
            {
                tally.LateExamples.Add((order, $"{(_options.LogCustomerIds ? $"customer {e.CustomerId}: " : string.Empty)}an event at {e.Timestamp:O} came after one at {last:O}"));
            }

            return;
        }

        _pipeline.Observe(slot.Live, e);
        slot.Remember(key, _options.DuplicateMemory);
        tally.Events++;
        _eventsIn.Add(1);

        // As of the event, or of a later reassessment by the clock that the event falls before.
        var asOf = new DateTimeOffset(Math.Max(slot.AssessedAt, e.Timestamp.UtcTicks), TimeSpan.Zero);
        Decide(slot, _pipeline.LevelLive(slot.Live, asOf), asOf.UtcTicks, arrived, order, tally, raised);
    }

    /// <summary>Takes a customer's new assessment: the counts by level, and an alert when the level rose to the alert level or a critical symptom began (each outside its cooldown).</summary>
    private void Decide(Slot slot, LiveLevel decided, long now, long arrived, long order, Tally tally, List<Raised> raised)
    {
        var previous = slot.Decided?.Level;
        var held = slot.Decided?.Symptoms;
        if (previous is { } p)
        {
            tally.ByLevel[(int)p]--;
        }

        tally.ByLevel[(int)decided.Level]++;
        slot.Changed |= slot.Decided is not { } old || old.Level != decided.Level || old.Probability != decided.Probability || old.Symptoms.Count != decided.Symptoms.Count;
        slot.Decided = decided;
        slot.Current = null;
        slot.AssessedAt = now;
        var level = decided.Level;
        if (level == RiskLevel.Churned)
        {
            return;
        }

        // An alert when the level rises to the alert level or above, else when a critical symptom begins (each with its cooldown).
        var risen = level >= _options.AlertLevel && !(previous is { } before && before != RiskLevel.Churned && level <= before) && now >= slot.CooldownUntil[(int)level];
        Symptom? cause = null;
        foreach (var s in decided.Symptoms)
        {
            if (s.Severity == SymptomSeverity.Critical && !(held?.Any(h => h.Severity == SymptomSeverity.Critical && h.RuleId == s.RuleId) ?? false)
                && !(slot.SymptomCooldowns?.TryGetValue(s.RuleId, out var until) == true && now < until))
            {
                (slot.SymptomCooldowns ??= new(StringComparer.Ordinal))[s.RuleId] = now + _options.Cooldown.Ticks;
                cause ??= risen ? null : s;
            }
        }

        if (!risen && cause is null)
        {
            return;
        }

        if (risen)
        {
            slot.CooldownUntil[(int)level] = now + _options.Cooldown.Ticks;
        }

        var assessment = Complete(slot)!;
        var from = previous is { } was ? RiskLevelPolicy.Name(was) : "new";
        var name = RiskLevelPolicy.Name(level);
        var probability = assessment.Probability is { } q ? $" (probability {q.Value:P0})" : string.Empty;
        var message = cause is null
            ? $"churn risk rose from {from} to {name}{probability}: {assessment.LevelReason}"
            : $"critical symptom at level {name}{probability}: {assessment.Symptoms.First(s => s.Severity == SymptomSeverity.Critical && s.RuleId == cause.RuleId).Explanation}";

        // The customer's owner, else the team of their segment, else the default owner.
        var owner = assessment.Owner
            ?? (assessment.Segment is { } segment && _options.OwnersBySegment.TryGetValue(segment, out var team) ? team : null)
            ?? _options.DefaultOwner;
        var alert = new ChurnAlert(assessment, owner, assessment.AsOf, message)
        {
            PreviousLevel = previous,
            SuggestedPlaybook = _options.SuggestPlaybook?.Invoke(assessment),
            Symptom = cause?.RuleId,
        };
        tally.Alerts++;
        raised.Add(new Raised(alert, arrived, order, from));
    }

    /// <summary>Sends alerts to every sink, in order; a sink that fails is logged and does not stop the monitor (the store sink and the log keep the alert).</summary>
    private async ValueTask SendAsync(List<Raised> raised, CancellationToken cancellationToken)
    {
        foreach (var (alert, arrived, _, from) in raised)
        {
            var name = RiskLevelPolicy.Name(alert.Assessment.Level);
            _alertsOut.Add(1, new KeyValuePair<string, object?>("level", name));
            foreach (var sink in _sinks)
            {
                try
                {
                    await sink.SendAsync(alert, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
                {
                    Log.SinkFailed(_logger, ex, sink.GetType().Name);
                }
            }

            _latency.Record(_time.GetElapsedTime(arrived).TotalMilliseconds);
            if (_logger.IsEnabled(LogLevel.Information))
            {
                var who = _options.LogCustomerIds ? $" for customer {alert.Assessment.CustomerId}" : string.Empty;
                Log.AlertRaised(_logger, name, from, who);
            }
        }
    }

    /// <summary>The slot's whole assessment (reasons, words, value, segment): on every event only the level, probability and symptoms are decided (<see cref="ChurnPipeline.LevelLive"/>); the assessment is made, at the same instant, when asked for or alerted on.</summary>
    private RiskAssessment? Complete(Slot slot)
    {
        if (slot.Current is null && slot.Decided is not null)
        {
            slot.Current = _pipeline.AssessLive(slot.Live, new DateTimeOffset(slot.AssessedAt, TimeSpan.Zero));
        }

        return slot.Current;
    }

    /// <summary>An alert raised and not yet sent: when its event arrived, its place in the batch, and the level it rose from (for the log).</summary>
    private readonly record struct Raised(ChurnAlert Alert, long Arrived, long Order, string From);

    /// <summary>Counts kept by the monitor, and by each shard's thread during a batch (then added to the monitor's).</summary>
    private sealed class Tally
    {
        public long Events;
        public long Duplicates;
        public long Late;
        public long Alerts;
        public readonly long[] ByLevel = new long[5];

        public List<(long Order, string Text)> LateExamples { get; } = [];

        public void Add(Tally other)
        {
            Events += other.Events;
            Duplicates += other.Duplicates;
            Late += other.Late;
            Alerts += other.Alerts;
            for (var i = 0; i < ByLevel.Length; i++)
            {
                ByLevel[i] += other.ByLevel[i];
            }
        }
    }

    /// <summary>One customer: the live state, the current assessment, cooldowns and the keys of recent events.</summary>
    private sealed class Slot(LiveCustomer live, int memory)
    {
        public LiveCustomer Live { get; } = live;

        /// <summary>Gets or sets the level, probability and symptoms decided at <see cref="AssessedAt"/>; null before the first event.</summary>
        public LiveLevel? Decided { get; set; }

        /// <summary>Gets or sets the whole assessment at <see cref="AssessedAt"/>, once made (null until asked for).</summary>
        public RiskAssessment? Current { get; set; }

        /// <summary>Gets or sets a value indicating whether the level, probability or symptoms changed since <see cref="TakeChangedAsync"/> last took it.</summary>
        public bool Changed { get; set; }

        public long AssessedAt { get; set; } = long.MinValue;

        public long[] CooldownUntil { get; } = [long.MinValue, long.MinValue, long.MinValue, long.MinValue, long.MinValue];

        public Queue<ulong> Keys { get; } = new(Math.Min(memory, 16));

        /// <summary>Gets or sets, per critical rule, until when a new run of it raises no alert (made on the first).</summary>
        public Dictionary<string, long>? SymptomCooldowns { get; set; }

        public void Remember(ulong key, int memory)
        {
            if (memory == 0)
            {
                return;
            }

            if (Keys.Count == memory)
            {
                Keys.Dequeue();
            }

            Keys.Enqueue(key);
        }
    }

    /// <summary>Reads a state written by <see cref="WriteStateAsync"/>.</summary>
    private ref struct Reader(ReadOnlyMemory<byte> memory)
    {
        private readonly ReadOnlySpan<byte> _bytes = memory.Span;
        private int _at;

        public readonly bool AtEnd => _at == _bytes.Length;

        public ReadOnlySpan<byte> Bytes(int n)
        {
            var s = _bytes.Slice(_at, n);
            _at += n;
            return s;
        }

        public long Long() => BinaryPrimitives.ReadInt64LittleEndian(Bytes(8));

        public int Count() => checked((int)Long()) is var n and >= 0 ? n : throw new FormatException("A negative count: the churn monitor state is damaged.");

        public string String() => Encoding.UTF8.GetString(Bytes(Count()));
    }
}
