using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Churn.Abstractions;
using Churn.Shared;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Churn.Storage.Sqlite;

/// <summary>
/// The embedded store: one SQLite database file in write-ahead-log mode. Every write call is one transaction, committed with a full
/// sync before it returns (durable: a crash or a killed process loses nothing it acknowledged); writes from this instance go through one
/// connection, one at a time, while any number of reads run beside them on their own connections, each seeing a consistent snapshot.
/// Several instances or processes may share a file: a writer waits up to <see cref="SqliteStoreOptions.BusyTimeout"/> for another.
/// </summary>
/// <remarks>
/// The file opens on first use (or at once with <see cref="Open(SqliteStoreOptions)"/>): a new file gets the current schema; a file of an
/// older schema version is migrated forward in one transaction; a newer, foreign, damaged or read-only file is refused with a
/// <see cref="ChurnStoreException"/> that names it, and is left unchanged. Safe to call from several threads at once.
/// </remarks>
public sealed class SqliteChurnStore : IChurnStore, IDisposable, IAsyncDisposable
{
    private const int CancelCheckRows = 1024;

    private const string CurrentSelect = "SELECT h.payload FROM assessments a JOIN assessment_history h ON h.customer_id = a.customer_id AND h.as_of = a.as_of";

    private static readonly byte[] SqliteHeader = "SQLite format 3\0"u8.ToArray();

    private readonly SqliteStoreOptions _options;
    private readonly string _readConnectionString;
    private readonly string _writeConnectionString;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly Lock _openGate = new();
    private SqliteConnection? _writer;
    private Statements? _statements;
    private volatile bool _opened;
    private int _schemaVersion;
    private volatile bool _disposed;

    /// <summary>Initializes a new instance of the <see cref="SqliteChurnStore"/> class; the file opens on first use.</summary>
    /// <param name="options">Where the file is.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public SqliteChurnStore(SqliteStoreOptions options)
    {
        _options = OptionsCheck.ThrowIfInvalid(options, new SqliteStoreOptionsValidator());
        Location = System.IO.Path.GetFullPath(options.Path);
        var timeout = (int)Math.Ceiling(options.BusyTimeout.TotalSeconds);
        _readConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Location,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = true,
            DefaultTimeout = timeout,
        }.ToString();
        _writeConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Location,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = timeout,
        }.ToString();
    }

    /// <summary>Initializes a new instance of the <see cref="SqliteChurnStore"/> class from dependency injection.</summary>
    /// <param name="options">Where the file is.</param>
    public SqliteChurnStore(IOptions<SqliteStoreOptions> options)
        : this((options ?? throw new ArgumentNullException(nameof(options))).Value)
    {
    }

    /// <summary>Gets the names of the store's tables, as <c>churn store export --table</c> takes them.</summary>
    public static IReadOnlyList<string> TableNames { get; } = [.. Schema.Tables.Select(t => t.Table)];

    /// <summary>Gets the newest schema version this SDK reads and writes.</summary>
    public static int LatestSchemaVersion => Schema.Latest;

    /// <summary>Gets the database file's full path.</summary>
    public string Location { get; }

    /// <summary>Gets the schema version of the open file.</summary>
    public int SchemaVersion
    {
        get
        {
            EnsureOpen();
            return _schemaVersion;
        }
    }

    /// <summary>Opens (creating or migrating as needed) a store file now, so that a problem with it surfaces here.</summary>
    /// <param name="path">The database file.</param>
    /// <returns>The store.</returns>
    /// <exception cref="ChurnStoreException">The file cannot be used; it is left unchanged.</exception>
    public static SqliteChurnStore Open(string path) => Open(new SqliteStoreOptions { Path = path });

    /// <summary>Opens (creating or migrating as needed) a store file now, so that a problem with it surfaces here.</summary>
    /// <param name="options">Where the file is and how to open it.</param>
    /// <returns>The store.</returns>
    /// <exception cref="ChurnStoreException">The file cannot be used; it is left unchanged.</exception>
    public static SqliteChurnStore Open(SqliteStoreOptions options)
    {
        var store = new SqliteChurnStore(options);
        try
        {
            store.EnsureOpen();
            return store;
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public ValueTask<AppendResult> AppendEventsAsync(IReadOnlyList<CustomerEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        var rows = new EventRow[events.Count];
        for (var i = 0; i < rows.Length; i++)
        {
            var e = events[i];
            StoreQueries.CheckEvent(e, i);
            rows[i] = new EventRow(EventKey.Of(e), e.CustomerId.Value, e.Timestamp.UtcTicks, e.Type.Name, Money(e.Amount), AttributesJson(e.Attributes));
        }

        return WriteAsync("Appending events", rows, static (s, rows, ct) =>
        {
            // The next position is read inside the write lock, so that several processes sharing the file never hand out the same one.
            var next = s.NextSequence.RunScalar();
            var insert = s.InsertEvent;
            var added = 0;
            for (var i = 0; i < rows.Length; i++)
            {
                CheckCancel(i, ct);
                var r = rows[i];
                insert.Bind(1, next);
                insert.Bind(2, next >> Schema.PartShift);
                insert.Bind(3, r.Key);
                insert.Bind(4, r.Customer);
                insert.Bind(5, r.Ticks);
                insert.Bind(6, r.Type);
                insert.Bind(7, r.Amount);
                insert.Bind(8, r.Attributes);
                var changed = insert.Run();
                next += changed;
                added += changed;
            }

            return new AppendResult(added, rows.Length - added);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<StoredEvent> ReadEventsAsync(EventQuery? query = null, CancellationToken cancellationToken = default)
    {
        StoreQueries.Check(query);
        var q = query ?? new EventQuery();
        var sql = new StringBuilder();
        var args = new List<(string, object)> { ("$after", q.AfterSequence) };
        if (q.CustomerId is { } c)
        {
            // One seek of the customer index per part, from the part holding the first position wanted to the newest.
            sql.Append("WITH RECURSIVE parts(p) AS (SELECT $first UNION ALL SELECT p + 1 FROM parts WHERE p < (SELECT COALESCE(MAX(part), 0) FROM events)) ")
                .Append("SELECT e.seq, e.event_key, e.customer_id, e.ts, e.type, e.amount, e.attributes FROM parts CROSS JOIN events e ON e.part = parts.p AND e.customer_id = $customer WHERE e.seq > $after");
            args.Add(("$first", (q.AfterSequence + 1) >> Schema.PartShift));
            args.Add(("$customer", c.Value));
        }
        else
        {
            sql.Append("SELECT e.seq, e.event_key, e.customer_id, e.ts, e.type, e.amount, e.attributes FROM events e WHERE e.seq > $after");
        }

        Range(sql, args, "e.ts", q.From, q.To);
        if (q.Types is { } types)
        {
            sql.Append(" AND e.type IN (");
            for (var i = 0; i < types.Count; i++)
            {
                sql.Append(i == 0 ? "$type" : ", $type").Append(i.ToString(CultureInfo.InvariantCulture));
                args.Add(("$type" + i.ToString(CultureInfo.InvariantCulture), types[i].Name));
            }

            if (types.Count == 0)
            {
                sql.Append("NULL");
            }

            sql.Append(')');
        }

        sql.Append(q.Order == EventOrder.Time ? " ORDER BY e.ts, e.seq" : " ORDER BY e.seq");
        Limit(sql, args, q.Limit);
        return ReadAsync("Reading events", sql.ToString(), args, static r =>
        {
            var key = r.GetString(1);
            var attributes = r.IsDBNull(6) ? null : ParseAttributes(r.GetString(6));
            var e = new CustomerEvent(
                new CustomerId(r.GetString(2)),
                new DateTimeOffset(r.GetInt64(3), TimeSpan.Zero),
                new CustomerEventType(r.GetString(4)),
                r.IsDBNull(5) ? null : decimal.Parse(r.GetString(5), NumberStyles.Number, CultureInfo.InvariantCulture),
                key.StartsWith("id:", StringComparison.Ordinal) ? key[3..] : null,
                attributes);
            return new StoredEvent(r.GetInt64(0), e);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask UpsertAssessmentsAsync(IReadOnlyList<RiskAssessment> assessments, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(assessments);
        using var codec = new AssessmentCodec();
        var rows = new AssessmentRow[assessments.Count];
        for (var i = 0; i < rows.Length; i++)
        {
            var a = assessments[i];
            StoreQueries.CheckAssessment(a, i);
            rows[i] = new AssessmentRow(a.CustomerId.Value, a.AsOf.UtcTicks, RiskLevelPolicy.Name(a.Level), a.Probability?.Value, a.Segment, a.Owner, codec.WriteUtf8(a).ToArray());
        }

        return WriteAsync("Storing assessments", rows, static (s, rows, ct) =>
        {
            for (var i = 0; i < rows.Length; i++)
            {
                CheckCancel(i, ct);
                var r = rows[i];
                foreach (var statement in (ReadOnlySpan<RawStatement>)[s.UpsertHistory, s.UpsertCurrent])
                {
                    statement.Bind(1, r.Customer);
                    statement.Bind(2, r.AsOf);
                    statement.Bind(3, r.Level);
                    statement.Bind(4, r.Probability);
                    statement.Bind(5, r.Segment);
                    statement.Bind(6, r.Owner);
                    if (ReferenceEquals(statement, s.UpsertHistory))
                    {
                        statement.Bind(7, (ReadOnlySpan<byte>)r.Payload);
                    }

                    statement.Run();
                }
            }

            return true;
        }, cancellationToken).AsValueTaskVoid();
    }

    /// <inheritdoc />
    public async ValueTask<RiskAssessment?> GetAssessmentAsync(CustomerId customerId, CancellationToken cancellationToken = default)
    {
        if (customerId.IsEmpty)
        {
            throw new ArgumentException("The customer id is empty.", nameof(customerId));
        }

        await foreach (var a in ReadAsync("Reading an assessment", CurrentSelect + " WHERE a.customer_id = $customer", [("$customer", customerId.Value)], ReadAssessment, cancellationToken).ConfigureAwait(false))
        {
            return a;
        }

        return null;
    }

    /// <inheritdoc />
    public IAsyncEnumerable<RiskAssessment> ReadAssessmentsAsync(StoreQuery? query = null, CancellationToken cancellationToken = default) =>
        ReadAssessments(CurrentSelect, "a", "a.customer_id", query, cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<RiskAssessment> ReadAssessmentHistoryAsync(StoreQuery? query = null, CancellationToken cancellationToken = default) =>
        ReadAssessments("SELECT h.payload FROM assessment_history h", "h", "h.customer_id, h.as_of", query, cancellationToken);

    /// <inheritdoc />
    public ValueTask SaveCheckpointsAsync(IReadOnlyList<StoreCheckpoint> checkpoints, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(checkpoints);
        var rows = new StoreCheckpoint[checkpoints.Count];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i] = checkpoints[i] ?? throw new ArgumentException($"Checkpoint {i} is null.", nameof(checkpoints));
            StoreQueries.CheckKey(rows[i].Name, "Checkpoint", i, nameof(checkpoints));
        }

        return WriteAsync("Saving checkpoints", rows, static (s, rows, ct) =>
        {
            var p = s.SaveCheckpoint.Parameters;
            for (var i = 0; i < rows.Length; i++)
            {
                CheckCancel(i, ct);
                p[0].Value = rows[i].Name;
                p[1].Value = rows[i].Position;
                p[2].Value = rows[i].State ?? [];
                p[3].Value = rows[i].SavedAt.UtcTicks;
                s.SaveCheckpoint.ExecuteNonQuery();
            }

            return true;
        }, cancellationToken).AsValueTaskVoid();
    }

    /// <inheritdoc />
    public async ValueTask<StoreCheckpoint?> GetCheckpointAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        await foreach (var c in ReadAsync("Reading a checkpoint", "SELECT name, position, state, saved_at FROM checkpoints WHERE name = $name", [("$name", name)], ReadCheckpoint, cancellationToken).ConfigureAwait(false))
        {
            return c;
        }

        return null;
    }

    /// <inheritdoc />
    public IAsyncEnumerable<StoreCheckpoint> ReadCheckpointsAsync(string prefix, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);

        // A prefix match on the exact bytes: substr, never LIKE (whose wildcards and case folding would match more).
        return ReadAsync(
            "Reading checkpoints",
            "SELECT name, position, state, saved_at FROM checkpoints WHERE substr(name, 1, length($prefix)) = $prefix ORDER BY name",
            [("$prefix", prefix)],
            ReadCheckpoint,
            cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<long>> AddAlertsAsync(IReadOnlyList<ChurnAlert> alerts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        using var codec = new AssessmentCodec();
        var rows = new AlertRow[alerts.Count];
        for (var i = 0; i < rows.Length; i++)
        {
            var a = alerts[i] ?? throw new ArgumentException($"Alert {i} is null.", nameof(alerts));
            if (a.Assessment is null || a.Assessment.CustomerId.IsEmpty)
            {
                throw new ArgumentException($"Alert {i} has no assessment or an empty customer id.", nameof(alerts));
            }

            ArgumentNullException.ThrowIfNull(a.Message);
            rows[i] = new AlertRow(a.Assessment.CustomerId.Value, a.RaisedAt.UtcTicks, RiskLevelPolicy.Name(a.Assessment.Level), a.Assessment.Segment, a.Owner, a.Message, codec.Write(a.Assessment), a.PreviousLevel is { } previous ? RiskLevelPolicy.Name(previous) : null, a.SuggestedPlaybook, a.Symptom);
        }

        return WriteAsync<AlertRow[], IReadOnlyList<long>>("Adding alerts", rows, static (s, rows, ct) =>
        {
            var ids = new long[rows.Length];
            var insert = s.InsertAlert;
            var find = s.FindAlert;
            for (var i = 0; i < rows.Length; i++)
            {
                CheckCancel(i, ct);
                var r = rows[i];
                var p = insert.Parameters;
                p[0].Value = r.Customer;
                p[1].Value = r.RaisedAt;
                p[2].Value = r.Level;
                p[3].Value = (object?)r.Segment ?? DBNull.Value;
                p[4].Value = (object?)r.Owner ?? DBNull.Value;
                p[5].Value = r.Message;
                p[6].Value = r.Assessment;
                p[7].Value = (object?)r.PreviousLevel ?? DBNull.Value;
                p[8].Value = (object?)r.Playbook ?? DBNull.Value;
                p[9].Value = (object?)r.Symptom ?? DBNull.Value;
                if (insert.ExecuteScalar() is long id)
                {
                    ids[i] = id;
                }
                else
                {
                    find.Parameters[0].Value = r.Customer;
                    find.Parameters[1].Value = r.RaisedAt;
                    ids[i] = (long)find.ExecuteScalar()!;
                }
            }

            return ids;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask RecordDeliveryAsync(long alertId, AlertDelivery delivery, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        if (!Enum.IsDefined(delivery.State))
        {
            throw new ArgumentException($"Unknown delivery state {(int)delivery.State}.", nameof(delivery));
        }

        var changed = await WriteAsync("Recording an alert delivery", (alertId, delivery), static (s, a, _) =>
        {
            var p = s.RecordDelivery.Parameters;
            p[0].Value = StateName(a.delivery.State);
            p[1].Value = a.delivery.At.UtcTicks;
            p[2].Value = (object?)a.delivery.Error ?? DBNull.Value;
            p[3].Value = a.alertId;
            return s.RecordDelivery.ExecuteNonQuery();
        }, cancellationToken).ConfigureAwait(false);
        if (changed == 0)
        {
            throw new ArgumentException($"The store '{Location}' holds no alert {alertId}.", nameof(alertId));
        }
    }

    /// <inheritdoc />
    public IAsyncEnumerable<StoredAlert> ReadAlertsAsync(AlertQuery? query = null, CancellationToken cancellationToken = default)
    {
        StoreQueries.Check(query, "Alerts", segment: true, levels: true);
        var sql = new StringBuilder("SELECT id, owner, raised_at, message, assessment, state, attempts, last_attempt_at, last_error, previous_level, playbook, symptom FROM alerts WHERE 1 = 1");
        var args = new List<(string, object)>();
        Filters(sql, args, query, "raised_at", segment: true, levels: true);
        if (query?.States is { } states)
        {
            In(sql, args, "state", "$state", [.. states.Select(StateName)]);
        }

        sql.Append(" ORDER BY id");
        Limit(sql, args, query?.Limit);
        return ReadAsync("Reading alerts", sql.ToString(), args, static r => new StoredAlert(
            r.GetInt64(0),
            new ChurnAlert(AssessmentCodec.Read(r.GetString(4)), r.IsDBNull(1) ? null : r.GetString(1), Instant(r.GetInt64(2)), r.GetString(3))
            {
                PreviousLevel = r.IsDBNull(9) ? null : RiskLevelPolicy.Parse(r.GetString(9)),
                SuggestedPlaybook = r.IsDBNull(10) ? null : r.GetString(10),
                Symptom = r.IsDBNull(11) ? null : r.GetString(11),
            },
            ParseState(r.GetString(5)),
            r.GetInt32(6),
            r.IsDBNull(7) ? null : Instant(r.GetInt64(7)),
            r.IsDBNull(8) ? null : r.GetString(8)), cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<int> AddDecisionsAsync(IReadOnlyList<InterventionDecision> decisions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        var rows = new InterventionDecision[decisions.Count];
        for (var i = 0; i < rows.Length; i++)
        {
            var d = decisions[i] ?? throw new ArgumentException($"Decision {i} is null.", nameof(decisions));
            StoreQueries.CheckKey(d.Id, "Decision", i, nameof(decisions));
            if (d.CustomerId.IsEmpty || string.IsNullOrEmpty(d.Action))
            {
                throw new ArgumentException($"Decision {i} ('{d.Id}') has an empty customer id or action.", nameof(decisions));
            }

            rows[i] = d;
        }

        return WriteAsync("Adding decisions", rows, static (s, rows, ct) =>
        {
            var p = s.InsertDecision.Parameters;
            var added = 0;
            for (var i = 0; i < rows.Length; i++)
            {
                CheckCancel(i, ct);
                var d = rows[i];
                p[0].Value = d.Id;
                p[1].Value = d.CustomerId.Value;
                p[2].Value = d.DecidedAt.UtcTicks;
                p[3].Value = d.Action;
                p[4].Value = (object?)d.Channel ?? DBNull.Value;
                p[5].Value = Money(d.Cost)!;
                p[6].Value = d.IsHoldout ? 1L : 0L;
                p[7].Value = (object?)d.Playbook ?? DBNull.Value;
                p[8].Value = (object?)d.Offer ?? DBNull.Value;
                p[9].Value = (object?)d.Segment ?? DBNull.Value;
                p[10].Value = (object?)d.Owner ?? DBNull.Value;
                p[11].Value = (object?)d.ApprovedBy ?? DBNull.Value;
                added += s.InsertDecision.ExecuteNonQuery();
            }

            return added;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<InterventionDecision> ReadDecisionsAsync(StoreQuery? query = null, CancellationToken cancellationToken = default)
    {
        StoreQueries.Check(query, "Decisions", segment: true, levels: false);
        var sql = new StringBuilder("SELECT id, customer_id, decided_at, action, channel, cost, is_holdout, playbook, offer, segment, owner, approved_by FROM decisions WHERE 1 = 1");
        var args = new List<(string, object)>();
        Filters(sql, args, query, "decided_at", segment: true, levels: false);
        sql.Append(" ORDER BY decided_at, id");
        Limit(sql, args, query?.Limit);
        return ReadAsync("Reading decisions", sql.ToString(), args, static r => new InterventionDecision(
            new CustomerId(r.GetString(1)),
            r.GetString(3),
            NullableString(r, 4),
            ParseMoney(r.GetString(5)),
            r.GetInt64(6) != 0)
        {
            Id = r.GetString(0),
            DecidedAt = Instant(r.GetInt64(2)),
            Playbook = NullableString(r, 7),
            Offer = NullableString(r, 8),
            Segment = NullableString(r, 9),
            Owner = NullableString(r, 10),
            ApprovedBy = NullableString(r, 11),
        }, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<HoldoutAssignment>> AssignHoldoutsAsync(IReadOnlyList<HoldoutAssignment> assignments, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(assignments);
        var rows = new HoldoutAssignment[assignments.Count];
        for (var i = 0; i < rows.Length; i++)
        {
            var a = assignments[i] ?? throw new ArgumentException($"Assignment {i} is null.", nameof(assignments));
            StoreQueries.CheckKey(a.Experiment, "Assignment", i, nameof(assignments));
            if (a.CustomerId.IsEmpty)
            {
                throw new ArgumentException($"Assignment {i} has an empty customer id.", nameof(assignments));
            }

            rows[i] = a;
        }

        return WriteAsync<HoldoutAssignment[], IReadOnlyList<HoldoutAssignment>>("Assigning holdouts", rows, static (s, rows, ct) =>
        {
            var result = new HoldoutAssignment[rows.Length];
            var insert = s.InsertHoldout;
            var find = s.FindHoldout;
            for (var i = 0; i < rows.Length; i++)
            {
                CheckCancel(i, ct);
                var a = rows[i];
                insert.Parameters[0].Value = a.Experiment;
                insert.Parameters[1].Value = a.CustomerId.Value;
                insert.Parameters[2].Value = a.IsHoldout ? 1L : 0L;
                insert.Parameters[3].Value = a.AssignedAt.UtcTicks;
                if (insert.ExecuteNonQuery() == 1)
                {
                    result[i] = a with { AssignedAt = a.AssignedAt.ToUniversalTime() };
                    continue;
                }

                find.Parameters[0].Value = a.Experiment;
                find.Parameters[1].Value = a.CustomerId.Value;
                using var r = find.ExecuteReader();
                r.Read();
                result[i] = new HoldoutAssignment(a.Experiment, a.CustomerId, r.GetInt64(0) != 0, Instant(r.GetInt64(1)));
            }

            return result;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask<HoldoutAssignment?> GetHoldoutAsync(string experiment, CustomerId customerId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        await foreach (var h in ReadAsync(
            "Reading a holdout assignment",
            "SELECT experiment, customer_id, is_holdout, assigned_at FROM holdouts WHERE experiment = $experiment AND customer_id = $customer",
            [("$experiment", experiment), ("$customer", customerId.Value)],
            ReadHoldout,
            cancellationToken).ConfigureAwait(false))
        {
            return h;
        }

        return null;
    }

    /// <inheritdoc />
    public IAsyncEnumerable<HoldoutAssignment> ReadHoldoutsAsync(string experiment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        return ReadAsync(
            "Reading holdout assignments",
            "SELECT experiment, customer_id, is_holdout, assigned_at FROM holdouts WHERE experiment = $experiment ORDER BY customer_id",
            [("$experiment", experiment)],
            ReadHoldout,
            cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<int> AddPollResponsesAsync(IReadOnlyList<PollResponse> responses, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(responses);
        var rows = new PollResponse[responses.Count];
        for (var i = 0; i < rows.Length; i++)
        {
            var r = responses[i] ?? throw new ArgumentException($"Response {i} is null.", nameof(responses));
            StoreQueries.CheckKey(r.PollId, "Response", i, nameof(responses));
            if (r.CustomerId.IsEmpty || r.Score is { } score && !double.IsFinite(score))
            {
                throw new ArgumentException($"Response {i} has an empty customer id or a score that is not a finite number.", nameof(responses));
            }

            rows[i] = r;
        }

        return WriteAsync("Adding poll responses", rows, static (s, rows, ct) =>
        {
            var p = s.InsertPoll.Parameters;
            var added = 0;
            for (var i = 0; i < rows.Length; i++)
            {
                CheckCancel(i, ct);
                var r = rows[i];
                p[0].Value = r.PollId;
                p[1].Value = r.CustomerId.Value;
                p[2].Value = r.AnsweredAt.UtcTicks;
                p[3].Value = r.Score is { } score ? score : DBNull.Value;
                p[4].Value = (object?)r.Comment ?? DBNull.Value;
                p[5].Value = (object?)r.DecisionId ?? DBNull.Value;
                added += s.InsertPoll.ExecuteNonQuery();
            }

            return added;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<PollResponse> ReadPollResponsesAsync(string? pollId = null, StoreQuery? query = null, CancellationToken cancellationToken = default)
    {
        StoreQueries.Check(query, "Poll responses", segment: false, levels: false);
        var sql = new StringBuilder("SELECT poll_id, customer_id, answered_at, score, comment, decision_id FROM poll_responses WHERE 1 = 1");
        var args = new List<(string, object)>();
        if (pollId is not null)
        {
            sql.Append(" AND poll_id = $poll");
            args.Add(("$poll", pollId));
        }

        Filters(sql, args, query, "answered_at", segment: false, levels: false);
        sql.Append(" ORDER BY answered_at, id");
        Limit(sql, args, query?.Limit);
        return ReadAsync("Reading poll responses", sql.ToString(), args, static r => new PollResponse(
            r.GetString(0),
            new CustomerId(r.GetString(1)),
            Instant(r.GetInt64(2)),
            r.IsDBNull(3) ? null : r.GetDouble(3),
            NullableString(r, 4))
        {
            DecisionId = NullableString(r, 5),
        }, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask UpsertOutcomesAsync(IReadOnlyList<InterventionOutcome> outcomes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        var rows = new InterventionOutcome[outcomes.Count];
        for (var i = 0; i < rows.Length; i++)
        {
            var o = outcomes[i] ?? throw new ArgumentException($"Outcome {i} is null.", nameof(outcomes));
            StoreQueries.CheckKey(o.DecisionId, "Decision", i, nameof(outcomes));
            if (o.CustomerId.IsEmpty)
            {
                throw new ArgumentException($"Outcome {i} has an empty customer id.", nameof(outcomes));
            }

            rows[i] = o;
        }

        return WriteAsync("Storing outcomes", rows, static (s, rows, ct) =>
        {
            var p = s.UpsertOutcome.Parameters;
            for (var i = 0; i < rows.Length; i++)
            {
                CheckCancel(i, ct);
                var o = rows[i];
                p[0].Value = o.DecisionId;
                p[1].Value = o.CustomerId.Value;
                p[2].Value = o.ObservedAt.UtcTicks;
                p[3].Value = o.Churned is { } churned ? (churned ? 1L : 0L) : DBNull.Value;
                p[4].Value = (object?)Money(o.Revenue) ?? DBNull.Value;
                s.UpsertOutcome.ExecuteNonQuery();
            }

            return true;
        }, cancellationToken).AsValueTaskVoid();
    }

    /// <inheritdoc />
    public IAsyncEnumerable<InterventionOutcome> ReadOutcomesAsync(StoreQuery? query = null, CancellationToken cancellationToken = default)
    {
        StoreQueries.Check(query, "Outcomes", segment: false, levels: false);
        var sql = new StringBuilder("SELECT decision_id, customer_id, observed_at, churned, revenue FROM outcomes WHERE 1 = 1");
        var args = new List<(string, object)>();
        Filters(sql, args, query, "observed_at", segment: false, levels: false);
        sql.Append(" ORDER BY observed_at, decision_id");
        Limit(sql, args, query?.Limit);
        return ReadAsync("Reading outcomes", sql.ToString(), args, static r => new InterventionOutcome(
            r.GetString(0),
            new CustomerId(r.GetString(1)),
            Instant(r.GetInt64(2)),
            r.IsDBNull(3) ? null : r.GetInt64(3) != 0,
            r.IsDBNull(4) ? null : ParseMoney(r.GetString(4))), cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<StoreInfo> GetInfoAsync(CancellationToken cancellationToken = default)
    {
        EnsureOpen();
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        Run("Describing the store", () =>
        {
            using var conn = OpenReader();
            foreach (var (table, since) in Schema.Tables)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (since > _schemaVersion)
                {
                    continue;
                }

                using var cmd = conn.CreateCommand();
                cmd.CommandText = "SELECT COUNT(*) FROM " + table;
                counts[table] = (long)cmd.ExecuteScalar()!;
            }

            return true;
        });
        long size = 0;
        foreach (var f in (ReadOnlySpan<string>)[Location, Location + "-wal"])
        {
            var info = new FileInfo(f);
            size += info.Exists ? info.Length : 0;
        }

        return ValueTask.FromResult(new StoreInfo("sqlite", Location, _schemaVersion, counts, size));
    }

    /// <summary>Runs SQLite's full integrity check (reads every page and index).</summary>
    /// <param name="cancellationToken">Cancels the work before it starts.</param>
    /// <returns>The problems found; empty when the file is sound.</returns>
    public ValueTask<IReadOnlyList<string>> CheckIntegrityAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        EnsureOpen();
        var problems = Run("Checking the store's integrity", () =>
        {
            using var conn = OpenReader();
            using var cmd = conn.CreateCommand();
            cmd.CommandText = "PRAGMA integrity_check";
            var lines = new List<string>();
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                lines.Add(r.GetString(0));
            }

            return lines is ["ok"] ? [] : lines;
        });
        return ValueTask.FromResult<IReadOnlyList<string>>(problems);
    }

    /// <summary>Writes one table as CSV (RFC 4180): a header, then one row per record, instants in ISO 8601 UTC; text cells that a spreadsheet would run as a formula (starting with <c>=</c>, <c>+</c>, <c>-</c> or <c>@</c>) are prefixed with an apostrophe.</summary>
    /// <param name="table">One of <see cref="TableNames"/>.</param>
    /// <param name="output">Receives the CSV.</param>
    /// <param name="cancellationToken">Stops the export.</param>
    /// <returns>How many rows were written.</returns>
    /// <exception cref="ArgumentException">The table is not one of the store's.</exception>
    public async Task<long> ExportCsvAsync(string table, TextWriter output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(output);
        if (!Schema.Exports.TryGetValue(table, out var sql))
        {
            throw new ArgumentException($"The store has no table '{table}'; its tables are {string.Join(", ", TableNames)}.", nameof(table));
        }

        EnsureOpen();
        var since = Array.Find(Schema.Tables, t => t.Table == table).Since;
        if (since > _schemaVersion)
        {
            throw new ArgumentException($"The store '{Location}' (schema version {_schemaVersion}) has no table '{table}' yet: it arrives with version {since}. Open the store writable once to migrate it.", nameof(table));
        }

        long rows = 0;
        var header = true;
        await foreach (var cells in ReadAsync("Exporting " + table, sql, [], static r =>
        {
            var cells = new string?[r.FieldCount * 2];
            for (var i = 0; i < r.FieldCount; i++)
            {
                cells[i] = r.GetName(i);
                cells[r.FieldCount + i] = Cell(r, i);
            }

            return cells;
        }, cancellationToken).ConfigureAwait(false))
        {
            var n = cells.Length / 2;
            if (header)
            {
                WriteCsvRow(output, cells.AsSpan(0, n), guard: false);
                header = false;
            }

            WriteCsvRow(output, cells.AsSpan(n), guard: true);
            rows++;
        }

        if (header)
        {
            // No rows: the header still tells the columns.
            using var conn = Run("Exporting " + table, OpenReader);
            using var cmd = conn.CreateCommand();
            cmd.CommandText = sql;
            using var r = Run("Exporting " + table, () => cmd.ExecuteReader());
            var names = new string?[r.FieldCount];
            for (var i = 0; i < names.Length; i++)
            {
                names[i] = r.GetName(i);
            }

            WriteCsvRow(output, names, guard: false);
        }

        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        return rows;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _writeGate.Wait();
        try
        {
            _statements?.Dispose();
            _writer?.Dispose();
            _statements = null;
            _writer = null;
            using var pooled = new SqliteConnection(_readConnectionString);
            SqliteConnection.ClearPool(pooled);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Opens the file at the schema version given instead of the latest (tests create files of older versions with it).</summary>
    internal static SqliteChurnStore OpenAtVersion(string path, int version)
    {
        var store = new SqliteChurnStore(new SqliteStoreOptions { Path = path });
        store.EnsureOpen(version);
        return store;
    }

    private static void CheckCancel(int i, CancellationToken ct)
    {
        if ((i & (CancelCheckRows - 1)) == 0)
        {
            ct.ThrowIfCancellationRequested();
        }
    }

    private static DateTimeOffset Instant(long ticks) => new(ticks, TimeSpan.Zero);

    private static string? NullableString(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static string? Money(decimal? amount) => amount?.ToString(CultureInfo.InvariantCulture);

    private static decimal ParseMoney(string text) => decimal.Parse(text, NumberStyles.Number, CultureInfo.InvariantCulture);

    private static string StateName(AlertDeliveryState state) => state switch
    {
        AlertDeliveryState.Pending => "pending",
        AlertDeliveryState.Delivered => "delivered",
        _ => "failed",
    };

    private static AlertDeliveryState ParseState(string name) => name switch
    {
        "pending" => AlertDeliveryState.Pending,
        "delivered" => AlertDeliveryState.Delivered,
        "failed" => AlertDeliveryState.Failed,
        _ => throw new FormatException($"Unknown alert delivery state '{name}'."),
    };

    private static RiskAssessment ReadAssessment(SqliteDataReader r) => AssessmentCodec.Read(r.GetString(0));

    private static StoreCheckpoint ReadCheckpoint(SqliteDataReader r) =>
        new(r.GetString(0), r.GetInt64(1), (byte[])r.GetValue(2), Instant(r.GetInt64(3)));

    private static HoldoutAssignment ReadHoldout(SqliteDataReader r) =>
        new(r.GetString(0), new CustomerId(r.GetString(1)), r.GetInt64(2) != 0, Instant(r.GetInt64(3)));

    private static string? AttributesJson(IReadOnlyDictionary<string, string>? attributes)
    {
        if (attributes is null)
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            foreach (var pair in attributes.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                w.WriteString(pair.Key, pair.Value);
            }

            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static Dictionary<string, string> ParseAttributes(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                result[p.Name] = p.Value.GetString() ?? string.Empty;
            }

            return result;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new FormatException("A stored event's attributes are damaged: " + e.Message, e);
        }
    }

    private static void Range(StringBuilder sql, List<(string, object)> args, string column, DateTimeOffset? from, DateTimeOffset? to)
    {
        if (from is { } f)
        {
            sql.Append(" AND ").Append(column).Append(" >= $from");
            args.Add(("$from", f.UtcTicks));
        }

        if (to is { } t)
        {
            sql.Append(" AND ").Append(column).Append(" <= $to");
            args.Add(("$to", t.UtcTicks));
        }
    }

    private static void Filters(StringBuilder sql, List<(string, object)> args, StoreQuery? q, string timeColumn, bool segment, bool levels, string prefix = "")
    {
        if (q is null)
        {
            return;
        }

        if (q.CustomerId is { } c)
        {
            sql.Append(" AND ").Append(prefix).Append("customer_id = $customer");
            args.Add(("$customer", c.Value));
        }

        Range(sql, args, prefix + timeColumn, q.From, q.To);
        if (segment && q.Segment is { } s)
        {
            sql.Append(" AND ").Append(prefix).Append("segment = $segment");
            args.Add(("$segment", s));
        }

        if (levels && q.Levels is { } l)
        {
            In(sql, args, prefix + "level", "$level", [.. l.Select(RiskLevelPolicy.Name)]);
        }
    }

    private static void In(StringBuilder sql, List<(string, object)> args, string column, string prefix, string[] values)
    {
        sql.Append(" AND ").Append(column).Append(" IN (");
        if (values.Length == 0)
        {
            sql.Append("NULL");
        }

        for (var i = 0; i < values.Length; i++)
        {
            var name = prefix + i.ToString(CultureInfo.InvariantCulture);
            sql.Append(i == 0 ? string.Empty : ", ").Append(name);
            args.Add((name, values[i]));
        }

        sql.Append(')');
    }

    private static void Limit(StringBuilder sql, List<(string, object)> args, int? limit)
    {
        if (limit is { } n)
        {
            sql.Append(" LIMIT $limit");
            args.Add(("$limit", (long)n));
        }
    }

    private static string? Cell(SqliteDataReader r, int i)
    {
        if (r.IsDBNull(i))
        {
            return null;
        }

        var name = r.GetName(i);
        if (Schema.TimeColumns.Contains(name) && r.GetFieldType(i) == typeof(long))
        {
            return Instant(r.GetInt64(i)).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFFZ", CultureInfo.InvariantCulture);
        }

        return r.GetValue(i) switch
        {
            byte[] bytes => Convert.ToBase64String(bytes),
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            long l => l.ToString(CultureInfo.InvariantCulture),
            var v => Convert.ToString(v, CultureInfo.InvariantCulture),
        };
    }

    private static void WriteCsvRow(TextWriter output, ReadOnlySpan<string?> cells, bool guard)
    {
        for (var i = 0; i < cells.Length; i++)
        {
            if (i > 0)
            {
                output.Write(',');
            }

            var cell = cells[i];
            if (string.IsNullOrEmpty(cell))
            {
                continue;
            }

            if (guard)
            {
                Churn.Shared.CsvCells.Write(output, cell);
            }
            else if (cell.AsSpan().IndexOfAny(",\"\r\n") >= 0)
            {
                output.Write('"');
                output.Write(cell.Replace("\"", "\"\"", StringComparison.Ordinal));
                output.Write('"');
            }
            else
            {
                output.Write(cell);
            }
        }

        output.Write("\r\n");
    }

    private IAsyncEnumerable<RiskAssessment> ReadAssessments(string select, string alias, string order, StoreQuery? query, CancellationToken cancellationToken)
    {
        StoreQueries.Check(query, "Assessments", segment: true, levels: true);
        var sql = new StringBuilder(select).Append(" WHERE 1 = 1");
        var args = new List<(string, object)>();
        Filters(sql, args, query, "as_of", segment: true, levels: true, alias + ".");
        sql.Append(" ORDER BY ").Append(order);
        Limit(sql, args, query?.Limit);
        return ReadAsync("Reading assessments", sql.ToString(), args, ReadAssessment, cancellationToken);
    }

    private async ValueTask<TResult> WriteAsync<TArg, TResult>(string operation, TArg arg, Func<Statements, TArg, CancellationToken, TResult> work, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        EnsureOpen();
        if (_options.ReadOnly)
        {
            throw new ChurnStoreException(StoreError.ReadOnly, Location, $"{operation} failed: the store '{Location}' was opened read-only (SqliteStoreOptions.ReadOnly).");
        }

        cancellationToken.ThrowIfCancellationRequested();
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var s = _statements!;
            s.Begin.ExecuteNonQuery();
            try
            {
                var result = work(s, arg, cancellationToken);
                s.Commit.ExecuteNonQuery();
                return result;
            }
            catch
            {
                Rollback(s);
                throw;
            }
        }
        catch (SqliteException e)
        {
            throw Wrap(e, operation, "Nothing of this call was written; what the store held before is intact.");
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private IAsyncEnumerable<T> ReadAsync<T>(string operation, string sql, IReadOnlyList<(string Name, object Value)> args, Func<SqliteDataReader, T> map, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Iterate(operation, sql, args, map, cancellationToken);
    }

    private async IAsyncEnumerable<T> Iterate<T>(string operation, string sql, IReadOnlyList<(string Name, object Value)> args, Func<SqliteDataReader, T> map, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        EnsureOpen();
        SqliteConnection? conn = null;
        SqliteCommand? cmd = null;
        SqliteDataReader? reader = null;
        try
        {
            try
            {
                conn = OpenReader();
                cmd = conn.CreateCommand();
                cmd.CommandText = sql;
                foreach (var (name, value) in args)
                {
                    cmd.Parameters.AddWithValue(name, value);
                }

                reader = cmd.ExecuteReader();
            }
            catch (SqliteException e)
            {
                throw Wrap(e, operation, "The store was not changed.");
            }

            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                T row;
                try
                {
                    if (!reader.Read())
                    {
                        break;
                    }

                    row = map(reader);
                }
                catch (SqliteException e)
                {
                    throw Wrap(e, operation, "The store was not changed.");
                }
                catch (FormatException e)
                {
                    throw new ChurnStoreException(StoreError.Corrupt, Location, $"{operation} failed on the store '{Location}': {e.Message}", e);
                }

                yield return row;
            }
        }
        finally
        {
            reader?.Dispose();
            cmd?.Dispose();
            conn?.Dispose();
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    private SqliteConnection OpenReader()
    {
        var conn = new SqliteConnection(_readConnectionString);
        try
        {
            conn.Open();
            using var cmd = conn.CreateCommand();
            cmd.CommandText = "PRAGMA busy_timeout = " + ((long)_options.BusyTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
            cmd.ExecuteNonQuery();
            return conn;
        }
        catch
        {
            conn.Dispose();
            throw;
        }
    }

    private T Run<T>(string operation, Func<T> work)
    {
        try
        {
            return work();
        }
        catch (SqliteException e)
        {
            throw Wrap(e, operation, "The store was not changed.");
        }
    }

    private ChurnStoreException Wrap(SqliteException e, string operation, string consequence)
    {
        var (error, why) = (e.SqliteErrorCode & 0xFF) switch
        {
            26 => (StoreError.Corrupt, "the file is not a database, or is encrypted"),
            11 => (StoreError.Corrupt, "the file is damaged (SQLite found its structure corrupt)"),
            8 => (StoreError.ReadOnly, "the file or its folder cannot be written"),
            13 => (StoreError.Full, _options.MaxSizeBytes is { } max
                ? $"the store reached its size limit of {max:N0} bytes (SqliteStoreOptions.MaxSizeBytes) or the disk is full"
                : "the disk is full"),
            5 or 6 => (StoreError.Busy, $"another connection held the database for longer than the busy timeout ({_options.BusyTimeout.TotalSeconds:0.#} s)"),
            14 => (StoreError.Other, "the file cannot be opened (its folder is missing or not accessible)"),
            10 => (StoreError.Other, "the disk reported an input/output error"),
            _ => (StoreError.Other, e.Message),
        };
        return new ChurnStoreException(error, Location, $"{operation} failed on the store '{Location}': {why}. {consequence}", e);
    }

    private void EnsureOpen(int version = 0)
    {
        if (_opened)
        {
            return;
        }

        lock (_openGate)
        {
            if (_opened)
            {
                return;
            }

            ObjectDisposedException.ThrowIf(_disposed, this);
            Initialize(version == 0 ? Schema.Latest : version);
            _opened = true;
        }
    }

    private void Initialize(int targetVersion)
    {
        var path = Location;
        var exists = File.Exists(path);
        if (exists)
        {
            CheckFile(path);
        }
        else if (_options.ReadOnly)
        {
            throw new ChurnStoreException(StoreError.Other, path, $"The store '{path}' does not exist (it was to be opened read-only).");
        }
        else if (System.IO.Path.GetDirectoryName(path) is { Length: > 0 } folder)
        {
            try
            {
                Directory.CreateDirectory(folder);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ChurnStoreException(StoreError.Other, path, $"The store '{path}' cannot be created: its folder cannot be created ({e.Message}).", e);
            }
        }

        if (_options.ReadOnly)
        {
            using var conn = Run("Opening", OpenReader);
            _schemaVersion = Run("Opening", () => Inspect(conn, path, readOnly: true));
            Verify(conn);
            return;
        }

        var writer = new SqliteConnection(_writeConnectionString);
        try
        {
            Run("Opening", () =>
            {
                writer.Open();
                Execute(writer, "PRAGMA busy_timeout = " + ((long)_options.BusyTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
                return true;
            });
            var version = Run("Opening", () => Inspect(writer, path, readOnly: false));
            Verify(writer);
            Run("Opening", () =>
            {
                // The page size and journal mode are properties of the file: set only once the file is known to be ours (or new).
                // 16 KiB pages: shallower B-trees and fewer page splits on the random inserts of the customer index (about +30 % appends).
                if (version == 0)
                {
                    Execute(writer, "PRAGMA page_size = 16384");
                }

                Execute(writer, "PRAGMA journal_mode = WAL");
                Execute(writer, "PRAGMA synchronous = FULL");
                Execute(writer, "PRAGMA cache_size = -65536");
                if (_options.MaxSizeBytes is { } max)
                {
                    var pageSize = (long)Scalar(writer, "PRAGMA page_size")!;
                    Execute(writer, "PRAGMA max_page_count = " + Math.Max(1, max / pageSize).ToString(CultureInfo.InvariantCulture));
                }

                return true;
            });
            _schemaVersion = version < targetVersion ? Migrate(writer, targetVersion) : version;
            _statements = Run("Opening", () => new Statements(writer));
            _writer = writer;
        }
        catch
        {
            writer.Dispose();
            throw;
        }
    }

    /// <summary>Refuses, without opening it, a file that is not a SQLite database or that cannot be written.</summary>
    private void CheckFile(string path)
    {
        Span<byte> header = stackalloc byte[16];
        int n;
        try
        {
            using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            n = f.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ChurnStoreException(StoreError.Other, path, $"The store '{path}' cannot be read: {e.Message}", e);
        }

        if (n > 0 && (n < header.Length || !header.SequenceEqual(SqliteHeader)))
        {
            throw new ChurnStoreException(StoreError.Corrupt, path, $"The store '{path}' is not a SQLite database (its first bytes are not \"SQLite format 3\"): it is damaged, or another kind of file. It was left unchanged.");
        }

        if (!_options.ReadOnly && !OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            if ((mode & (UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) == 0)
            {
                throw new ChurnStoreException(StoreError.ReadOnly, path, $"The store '{path}' is read-only (no write permission on the file). Open it with SqliteStoreOptions.ReadOnly = true to read it, or make it writable.");
            }
        }
        else if (!_options.ReadOnly && (File.GetAttributes(path) & FileAttributes.ReadOnly) != 0)
        {
            throw new ChurnStoreException(StoreError.ReadOnly, path, $"The store '{path}' is read-only. Open it with SqliteStoreOptions.ReadOnly = true to read it, or make it writable.");
        }
    }

    /// <summary>Finds what the file holds: its schema version, 0 for a new file; refuses a foreign or newer one.</summary>
    private static int Inspect(SqliteConnection conn, string path, bool readOnly)
    {
        var tables = new List<string>();
        using (var cmd = conn.CreateCommand())
        {
            cmd.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name";
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                tables.Add(r.GetString(0));
            }
        }

        var applicationId = (long)Scalar(conn, "PRAGMA application_id")!;
        if (tables.Count == 0 && applicationId == 0)
        {
            return readOnly
                ? throw new ChurnStoreException(StoreError.Foreign, path, $"The store '{path}' is an empty database, not a Churn.Sdk store yet (it was opened read-only, so nothing was created).")
                : 0;
        }

        if (!tables.Contains(Schema.VersionTable) || (applicationId != 0 && applicationId != Schema.ApplicationId))
        {
            var shown = string.Join(", ", tables.Take(5)) + (tables.Count > 5 ? ", ..." : string.Empty);
            throw new ChurnStoreException(StoreError.Foreign, path, $"The file '{path}' is a SQLite database but not a Churn.Sdk store (it has the tables {shown} and no {Schema.VersionTable} table). It was left unchanged; give the store a file of its own.");
        }

        var version = (int)(long)(Scalar(conn, "SELECT COALESCE(MAX(version), 0) FROM " + Schema.VersionTable) ?? 0L);
        if (version > Schema.Latest)
        {
            throw new ChurnStoreException(StoreError.NewerSchema, path, $"The store '{path}' has schema version {version}, written by a newer Churn.Sdk; this version reads up to {Schema.Latest}. It was left unchanged; update Churn.Storage.Sqlite to open it.");
        }

        return version;
    }

    private void Verify(SqliteConnection conn)
    {
        if (!_options.VerifyOnOpen)
        {
            return;
        }

        var result = Run("Verifying", () => Convert.ToString(Scalar(conn, "PRAGMA quick_check"), CultureInfo.InvariantCulture));
        if (result != "ok")
        {
            throw new ChurnStoreException(StoreError.Corrupt, Location, $"The store '{Location}' is damaged: SQLite's quick check reports \"{result}\". It was left unchanged.");
        }
    }

    /// <summary>Runs the migrations from the file's version up to the target, in one transaction (another process migrating at the same time is waited for).</summary>
    private int Migrate(SqliteConnection conn, int target)
    {
        return Run("Migrating", () =>
        {
            Execute(conn, "BEGIN IMMEDIATE");
            try
            {
                // Read again inside the write lock: another process may have migrated meanwhile.
                var exists = Scalar(conn, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '" + Schema.VersionTable + "'") is 1L;
                var version = exists ? (int)(long)(Scalar(conn, "SELECT COALESCE(MAX(version), 0) FROM " + Schema.VersionTable) ?? 0L) : 0;
                var sdk = typeof(SqliteChurnStore).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
                for (var v = version + 1; v <= target; v++)
                {
                    var (description, sql) = Schema.Migrations[v - 1];
                    Execute(conn, sql);
                    using var cmd = conn.CreateCommand();
                    cmd.CommandText = "INSERT INTO " + Schema.VersionTable + " (version, description, sdk_version) VALUES ($v, $d, $s)";
                    cmd.Parameters.AddWithValue("$v", (long)v);
                    cmd.Parameters.AddWithValue("$d", description);
                    cmd.Parameters.AddWithValue("$s", sdk);
                    cmd.ExecuteNonQuery();
                }

                Execute(conn, "PRAGMA application_id = " + Schema.ApplicationId.ToString(CultureInfo.InvariantCulture));
                Execute(conn, "COMMIT");
                return Math.Max(version, target);
            }
            catch
            {
                TryExecute(conn, "ROLLBACK");
                throw;
            }
        });
    }

    private static void Rollback(Statements s)
    {
        try
        {
            s.Rollback.ExecuteNonQuery();
        }
        catch (SqliteException)
        {
            // SQLite may already have rolled the transaction back (after SQLITE_FULL, for example): nothing is left to undo.
        }
    }

    private static void Execute(SqliteConnection conn, string sql)
    {
        using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static void TryExecute(SqliteConnection conn, string sql)
    {
        try
        {
            Execute(conn, sql);
        }
        catch (SqliteException)
        {
            // Best effort: the failure that got us here is what the caller sees.
        }
    }

    private static object? Scalar(SqliteConnection conn, string sql)
    {
        using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }

    private readonly record struct EventRow(string Key, string Customer, long Ticks, string Type, string? Amount, string? Attributes);

    private readonly record struct AssessmentRow(string Customer, long AsOf, string Level, double? Probability, string? Segment, string? Owner, byte[] Payload);

    private readonly record struct AlertRow(string Customer, long RaisedAt, string Level, string? Segment, string? Owner, string Message, string Assessment, string? PreviousLevel, string? Playbook, string? Symptom);

    /// <summary>The writer's prepared statements: created once, re-bound for every row.</summary>
    private sealed class Statements : IDisposable
    {
        private readonly List<SqliteCommand> _all = [];
        private readonly List<RawStatement> _raw = [];

        public Statements(SqliteConnection conn)
        {
            Begin = Create(conn, "BEGIN IMMEDIATE");
            Commit = Create(conn, "COMMIT");
            Rollback = Create(conn, "ROLLBACK");
            NextSequence = CreateRaw(conn, "SELECT COALESCE(MAX(seq), 0) + 1 FROM events");
            InsertEvent = CreateRaw(conn, "INSERT INTO events (seq, part, event_key, customer_id, ts, type, amount, attributes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (event_key) DO NOTHING");
            UpsertHistory = CreateRaw(conn, "INSERT INTO assessment_history (customer_id, as_of, level, probability, segment, owner, payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (customer_id, as_of) DO UPDATE SET level = excluded.level, probability = excluded.probability, segment = excluded.segment, owner = excluded.owner, payload = excluded.payload");
            UpsertCurrent = CreateRaw(conn, "INSERT INTO assessments (customer_id, as_of, level, probability, segment, owner) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (customer_id) DO UPDATE SET as_of = excluded.as_of, level = excluded.level, probability = excluded.probability, segment = excluded.segment, owner = excluded.owner WHERE excluded.as_of >= assessments.as_of");
            SaveCheckpoint = Create(conn, "INSERT INTO checkpoints (name, position, state, saved_at) VALUES ($name, $position, $state, $saved) ON CONFLICT (name) DO UPDATE SET position = excluded.position, state = excluded.state, saved_at = excluded.saved_at", "$name", "$position", "$state", "$saved");
            InsertAlert = Create(conn, "INSERT INTO alerts (customer_id, raised_at, level, segment, owner, message, assessment, state, attempts, previous_level, playbook, symptom) VALUES ($customer, $raised, $level, $segment, $owner, $message, $assessment, 'pending', 0, $previous, $playbook, $symptom) ON CONFLICT (customer_id, raised_at) DO NOTHING RETURNING id", "$customer", "$raised", "$level", "$segment", "$owner", "$message", "$assessment", "$previous", "$playbook", "$symptom");
            FindAlert = Create(conn, "SELECT id FROM alerts WHERE customer_id = $customer AND raised_at = $raised", "$customer", "$raised");
            RecordDelivery = Create(conn, "UPDATE alerts SET state = $state, attempts = attempts + 1, last_attempt_at = $at, last_error = $error WHERE id = $id", "$state", "$at", "$error", "$id");
            InsertDecision = Create(conn, "INSERT INTO decisions (id, customer_id, decided_at, action, channel, cost, is_holdout, playbook, offer, segment, owner, approved_by) VALUES ($id, $customer, $decided, $action, $channel, $cost, $holdout, $playbook, $offer, $segment, $owner, $approved) ON CONFLICT (id) DO NOTHING", "$id", "$customer", "$decided", "$action", "$channel", "$cost", "$holdout", "$playbook", "$offer", "$segment", "$owner", "$approved");
            InsertHoldout = Create(conn, "INSERT INTO holdouts (experiment, customer_id, is_holdout, assigned_at) VALUES ($experiment, $customer, $holdout, $assigned) ON CONFLICT (experiment, customer_id) DO NOTHING", "$experiment", "$customer", "$holdout", "$assigned");
            FindHoldout = Create(conn, "SELECT is_holdout, assigned_at FROM holdouts WHERE experiment = $experiment AND customer_id = $customer", "$experiment", "$customer");
            InsertPoll = Create(conn, "INSERT INTO poll_responses (poll_id, customer_id, answered_at, score, comment, decision_id) VALUES ($poll, $customer, $answered, $score, $comment, $decision) ON CONFLICT (poll_id, customer_id, answered_at) DO NOTHING", "$poll", "$customer", "$answered", "$score", "$comment", "$decision");
            UpsertOutcome = Create(conn, "INSERT INTO outcomes (decision_id, customer_id, observed_at, churned, revenue) VALUES ($decision, $customer, $observed, $churned, $revenue) ON CONFLICT (decision_id) DO UPDATE SET customer_id = excluded.customer_id, observed_at = excluded.observed_at, churned = excluded.churned, revenue = excluded.revenue", "$decision", "$customer", "$observed", "$churned", "$revenue");
        }

        public SqliteCommand Begin { get; }

        public SqliteCommand Commit { get; }

        public SqliteCommand Rollback { get; }

        public RawStatement NextSequence { get; }

        public RawStatement InsertEvent { get; }

        public RawStatement UpsertCurrent { get; }

        public RawStatement UpsertHistory { get; }

        public SqliteCommand SaveCheckpoint { get; }

        public SqliteCommand InsertAlert { get; }

        public SqliteCommand FindAlert { get; }

        public SqliteCommand RecordDelivery { get; }

        public SqliteCommand InsertDecision { get; }

        public SqliteCommand InsertHoldout { get; }

        public SqliteCommand FindHoldout { get; }

        public SqliteCommand InsertPoll { get; }

        public SqliteCommand UpsertOutcome { get; }

        public void Dispose()
        {
            foreach (var c in _all)
            {
                c.Dispose();
            }

            foreach (var r in _raw)
            {
                r.Dispose();
            }
        }

        private RawStatement CreateRaw(SqliteConnection conn, string sql)
        {
            var statement = new RawStatement(conn, sql);
            _raw.Add(statement);
            return statement;
        }

        private SqliteCommand Create(SqliteConnection conn, string sql, params string[] parameters)
        {
            var cmd = conn.CreateCommand();
            cmd.CommandText = sql;
            foreach (var p in parameters)
            {
                cmd.Parameters.Add(new SqliteParameter { ParameterName = p });
            }

            _all.Add(cmd);
            return cmd;
        }
    }
}

/// <summary>Turns a typed write into an untyped one.</summary>
internal static class ValueTaskExtensions
{
    public static async ValueTask AsValueTaskVoid<T>(this ValueTask<T> task) => await task.ConfigureAwait(false);
}
