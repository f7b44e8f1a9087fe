namespace Churn.Storage.Sqlite;

/// <summary>The store's schema: forward migrations, one per version, and what each table exports.</summary>
/// <remarks>
/// The SQL is kept to what SQLite and PostgreSQL share (INTEGER/BIGINT, TEXT, REAL, BLOB/BYTEA, ON CONFLICT, RETURNING), so that a
/// PostgreSQL store can use the same statements. Instants are stored as UTC ticks (100 ns since 0001-01-01), money as invariant decimal text.
/// </remarks>
internal static class Schema
{
    /// <summary>The application id in the file header (<c>PRAGMA application_id</c>): "CHNS".</summary>
    public const int ApplicationId = 0x43484E53;

    /// <summary>
    /// Events per part of the customer index. The index is keyed by (part, customer) with part = sequence / <see cref="EventsPerPart"/>:
    /// new events go into the newest part only, so a batch dirties a few pages of the index however large the store grows (keyed by
    /// customer alone, a batch of random customers rewrites most of the index at every commit); a customer's events are found with
    /// one index seek per part.
    /// </summary>
    public const int PartShift = 16;

    /// <summary>Gets the events per part of the customer index (65,536).</summary>
    public const long EventsPerPart = 1L << PartShift;

    /// <summary>The table that records which migrations ran.</summary>
    /// <remarks>A customer's current assessment (<c>assessments</c>) holds the columns that filters read and points at its full record in <c>assessment_history</c> by (customer, as-of): each assessment's JSON is written once.</remarks>
    public const string VersionTable = "churn_schema";

    /// <summary>The migrations, in order: version i + 1 is <see cref="Migrations"/>[i].</summary>
    public static readonly (string Description, string Sql)[] Migrations =
    [
        ("events, assessments (current and history), checkpoints", """
            CREATE TABLE churn_schema (version INTEGER PRIMARY KEY, description TEXT NOT NULL, sdk_version TEXT NOT NULL);
            CREATE TABLE events (
                seq INTEGER PRIMARY KEY,
                part INTEGER NOT NULL,
                event_key TEXT NOT NULL UNIQUE,
                customer_id TEXT NOT NULL,
                ts INTEGER NOT NULL,
                type TEXT NOT NULL,
                amount TEXT NULL,
                attributes TEXT NULL);
            CREATE INDEX events_part_customer ON events (part, customer_id);
            CREATE TABLE assessments (
                customer_id TEXT NOT NULL PRIMARY KEY,
                as_of INTEGER NOT NULL,
                level TEXT NOT NULL,
                probability REAL NULL,
                segment TEXT NULL,
                owner TEXT NULL);
            CREATE TABLE assessment_history (
                customer_id TEXT NOT NULL,
                as_of INTEGER NOT NULL,
                level TEXT NOT NULL,
                probability REAL NULL,
                segment TEXT NULL,
                owner TEXT NULL,
                payload TEXT NOT NULL,
                PRIMARY KEY (customer_id, as_of));
            CREATE TABLE checkpoints (
                name TEXT NOT NULL PRIMARY KEY,
                position INTEGER NOT NULL,
                state BLOB NOT NULL,
                saved_at INTEGER NOT NULL);
            """),
        ("alerts with delivery state, intervention decisions, holdout assignments, poll responses, outcomes", """
            CREATE TABLE alerts (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                customer_id TEXT NOT NULL,
                raised_at INTEGER NOT NULL,
                level TEXT NOT NULL,
                segment TEXT NULL,
                owner TEXT NULL,
                message TEXT NOT NULL,
                assessment TEXT NOT NULL,
                state TEXT NOT NULL,
                attempts INTEGER NOT NULL,
                last_attempt_at INTEGER NULL,
                last_error TEXT NULL,
                UNIQUE (customer_id, raised_at));
            CREATE TABLE decisions (
                id TEXT NOT NULL PRIMARY KEY,
                customer_id TEXT NOT NULL,
                decided_at INTEGER NOT NULL,
                action TEXT NOT NULL,
                channel TEXT NULL,
                cost TEXT NOT NULL,
                is_holdout INTEGER NOT NULL,
                playbook TEXT NULL,
                offer TEXT NULL,
                segment TEXT NULL,
                owner TEXT NULL,
                approved_by TEXT NULL);
            CREATE INDEX decisions_decided_at ON decisions (decided_at);
            CREATE INDEX decisions_customer ON decisions (customer_id);
            CREATE TABLE holdouts (
                experiment TEXT NOT NULL,
                customer_id TEXT NOT NULL,
                is_holdout INTEGER NOT NULL,
                assigned_at INTEGER NOT NULL,
                PRIMARY KEY (experiment, customer_id));
            CREATE TABLE poll_responses (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                poll_id TEXT NOT NULL,
                customer_id TEXT NOT NULL,
                answered_at INTEGER NOT NULL,
                score REAL NULL,
                comment TEXT NULL,
                decision_id TEXT NULL,
                UNIQUE (poll_id, customer_id, answered_at));
            CREATE TABLE outcomes (
                decision_id TEXT NOT NULL PRIMARY KEY,
                customer_id TEXT NOT NULL,
                observed_at INTEGER NOT NULL,
                churned INTEGER NULL,
                revenue TEXT NULL);
            """),
        ("alerts: the previous level and the suggested playbook", """
            ALTER TABLE alerts ADD COLUMN previous_level TEXT NULL;
            ALTER TABLE alerts ADD COLUMN playbook TEXT NULL;
            """),
        ("alerts: the critical symptom that raised the alert", """
            ALTER TABLE alerts ADD COLUMN symptom TEXT NULL;
            """),
    ];

    /// <summary>Gets the newest schema version this SDK writes.</summary>
    public static int Latest => Migrations.Length;

    /// <summary>The tables a user can count and export, with the query that exports each (readable columns, instants in <see cref="TimeColumns"/>).</summary>
    public static readonly IReadOnlyDictionary<string, string> Exports = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["events"] = "SELECT seq, CASE WHEN substr(event_key, 1, 3) = 'id:' THEN substr(event_key, 4) END AS event_id, customer_id, ts AS timestamp, type, amount, attributes FROM events ORDER BY seq",
        ["assessments"] = "SELECT a.customer_id, a.as_of, a.level, a.probability, a.segment, a.owner, h.payload FROM assessments a JOIN assessment_history h ON h.customer_id = a.customer_id AND h.as_of = a.as_of ORDER BY a.customer_id",
        ["assessment_history"] = "SELECT customer_id, as_of, level, probability, segment, owner, payload FROM assessment_history ORDER BY customer_id, as_of",
        ["checkpoints"] = "SELECT name, position, saved_at, length(state) AS state_bytes FROM checkpoints ORDER BY name",
        ["alerts"] = "SELECT id, customer_id, raised_at, level, previous_level, playbook, symptom, segment, owner, message, state, attempts, last_attempt_at, last_error, assessment FROM alerts ORDER BY id",
        ["decisions"] = "SELECT id, customer_id, decided_at, action, channel, cost, is_holdout, playbook, offer, segment, owner, approved_by FROM decisions ORDER BY decided_at, id",
        ["holdouts"] = "SELECT experiment, customer_id, is_holdout, assigned_at FROM holdouts ORDER BY experiment, customer_id",
        ["poll_responses"] = "SELECT poll_id, customer_id, answered_at, score, comment, decision_id FROM poll_responses ORDER BY answered_at, id",
        ["outcomes"] = "SELECT decision_id, customer_id, observed_at, churned, revenue FROM outcomes ORDER BY observed_at, decision_id",
    };

    /// <summary>The tables in a fixed order, and the schema version that created each.</summary>
    public static readonly (string Table, int Since)[] Tables =
    [
        ("events", 1), ("assessments", 1), ("assessment_history", 1), ("checkpoints", 1),
        ("alerts", 2), ("decisions", 2), ("holdouts", 2), ("poll_responses", 2), ("outcomes", 2),
    ];

    /// <summary>The exported columns that hold instants (UTC ticks in the file, ISO 8601 in an export).</summary>
    public static readonly HashSet<string> TimeColumns = new(StringComparer.Ordinal)
    {
        "timestamp", "as_of", "saved_at", "raised_at", "last_attempt_at", "decided_at", "assigned_at", "answered_at", "observed_at",
    };
}
