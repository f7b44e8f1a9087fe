using Churn.Abstractions;
using Churn.Data;
using Churn.Modeling;
using Churn.Rules;
using Churn.Shared;
using Churn.Value;

namespace Churn.Sdk;

/// <summary>
/// Raw events in, one complete assessment per customer out, as of any instant: calibrated
/// probability, risk level and the rule that set it, reasons in words, symptoms (critical, minor and
/// recapitulative), historical and predicted value, segment and owner. It also builds training
/// sets, trains models on them, and back-tests (train as of one date, measure as of a later one).
/// Nothing after the assessment instant is ever read.
/// </summary>
/// <remarks>
/// <para>Immutable and thread-safe. Build one with <see cref="CreateBuilder"/> (scripts, notebooks,
/// hosts without dependency injection) or resolve it after <c>AddChurn(churn =&gt; churn....AddPipeline())</c>.</para>
/// <para>Assessing a base streams: customers are taken a block at a time, blocks run on all
/// cores, and assessments come out in the log's order, the same for any thread count.</para>
/// </remarks>
public sealed class ChurnPipeline
{
    private readonly PipelineParts _parts;

    internal ChurnPipeline(PipelineParts parts)
    {
        _parts = parts;
        Policy = parts.Model is { } model && parts.Policy.ProfitOptimalHigh && model.Metadata.ProfitCutoff is { } cut
            ? parts.Policy.WithHigh(cut)
            : parts.Policy;
    }

    /// <summary>Gets the schema of the snapshots the pipeline builds.</summary>
    public FeatureSchema Schema => _parts.Features.Schema;

    /// <summary>Gets the model, when the scorer is a <see cref="ChurnModel"/>.</summary>
    public ChurnModel? Model => _parts.Model;

    /// <summary>Gets the scorer, or <see langword="null"/> when none is in use (levels then come from symptoms alone).</summary>
    public IChurnScorer? Scorer => _parts.Scorer;

    /// <summary>Gets the symptom detector, or <see langword="null"/> when no rules are in use.</summary>
    public ISymptomDetector? Symptoms => _parts.Symptoms;

    /// <summary>Gets the risk-level policy in force (with the model's profit-optimal high cut-off when asked for).</summary>
    public RiskLevelPolicy Policy { get; }

    /// <summary>Gets the options.</summary>
    internal PipelineParts Parts => _parts;

    /// <summary>Starts building a pipeline.</summary>
    /// <returns>A builder with the defaults: default features, contractual churn in 30 days, default risk levels, no model, no rules.</returns>
    public static ChurnPipelineBuilder CreateBuilder() => new();

    /// <summary>Returns the same pipeline scoring with another model.</summary>
    /// <param name="model">The model (trained on this pipeline's features, for example by <see cref="Train(CustomerData, DateTimeOffset, int?, CancellationToken)"/>).</param>
    /// <returns>The new pipeline.</returns>
    public ChurnPipeline WithModel(ChurnModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new ChurnPipeline(_parts with { Model = model, Scorer = model });
    }

    /// <summary>Prepares to assess a base as of an instant: checks the model against the features and fits the value models once.</summary>
    /// <param name="data">The customers and their events.</param>
    /// <param name="asOf">The instant; nothing after it is read.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The prepared assessment: assess one customer or all of them.</returns>
    /// <exception cref="ModelFileException">The model takes inputs the pipeline's snapshots do not have.</exception>
    public PreparedAssessment Prepare(CustomerData data, DateTimeOffset asOf, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        return new PreparedAssessment(this, data, asOf, cancellationToken);
    }

    /// <summary>Assesses every customer known at an instant (an event or a signup at or before it), streaming, in the log's order.</summary>
    /// <param name="data">The customers and their events.</param>
    /// <param name="asOf">The instant; nothing after it is read.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The assessments.</returns>
    public IEnumerable<RiskAssessment> Assess(CustomerData data, DateTimeOffset asOf, CancellationToken cancellationToken = default) =>
        Prepare(data, asOf, cancellationToken).AssessAll(cancellationToken);

    /// <summary>Assesses every customer known at an instant, as an asynchronous stream.</summary>
    /// <param name="data">The customers and their events.</param>
    /// <param name="asOf">The instant.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The assessments, in the log's order.</returns>
    public IAsyncEnumerable<RiskAssessment> AssessAsync(CustomerData data, DateTimeOffset asOf, CancellationToken cancellationToken = default) =>
        Prepare(data, asOf, cancellationToken).AssessAllAsync(cancellationToken);

    /// <summary>Assesses one customer of a base as of an instant (the value models are fitted on the whole base).</summary>
    /// <param name="data">The customers and their events.</param>
    /// <param name="customerId">The customer.</param>
    /// <param name="asOf">The instant.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The assessment.</returns>
    /// <exception cref="UnknownCustomerException">Nothing is known about the customer at the instant.</exception>
    public RiskAssessment Assess(CustomerData data, CustomerId customerId, DateTimeOffset asOf, CancellationToken cancellationToken = default) =>
        Prepare(data, asOf, cancellationToken).Assess(customerId);

    /// <summary>Assesses one customer from their own events (a CRM's record of one customer). Predicted value needs a base to fit on and is left out.</summary>
    /// <param name="customerId">The customer.</param>
    /// <param name="events">The customer's events (later ones are ignored).</param>
    /// <param name="asOf">The instant.</param>
    /// <param name="profile">The customer's profile (signup date, owner, attributes), if known.</param>
    /// <returns>The assessment.</returns>
    /// <exception cref="UnknownCustomerException">The customer has no event and no signup at or before the instant.</exception>
    public RiskAssessment Assess(CustomerId customerId, IEnumerable<CustomerEvent> events, DateTimeOffset asOf, CustomerProfile? profile = null)
    {
        ArgumentNullException.ThrowIfNull(events);
        var own = events.Where(e => e.CustomerId == customerId).ToList();
        var data = CustomerData.From(own, profile is null ? [] : [profile with { Id = customerId }]);
        return new ChurnPipeline(_parts with { Options = Copy(_parts.Options, predictValue: false) }).Prepare(data, asOf).Assess(customerId);
    }

    /// <summary>
    /// Starts one customer's live state: feed it the customer's events as they happen
    /// (<see cref="Observe"/>) and assess it at any later instant (<see cref="AssessLive"/>), with
    /// the same result as <see cref="Assess(CustomerData, DateTimeOffset, CancellationToken)"/> on
    /// the whole history, without keeping that history.
    /// </summary>
    /// <param name="customerId">The customer.</param>
    /// <param name="profile">The customer's profile (signup date, owner, attributes), when known.</param>
    /// <returns>An empty state.</returns>
    /// <exception cref="NotSupportedException">The pipeline reads the whole history: custom features, a symptom detector other than the rules' <see cref="SymptomEngine"/>, a value calculator other than the historical one, or value prediction (its models are fitted on a whole base; turn <see cref="ChurnPipelineOptions.PredictValue"/> off).</exception>
    public LiveCustomer StartLive(CustomerId customerId, CustomerProfile? profile = null)
    {
        if (_parts.Symptoms is not null and not SymptomEngine)
        {
            throw new NotSupportedException("Live assessment evaluates rules with the SymptomEngine only: a host's own symptom detector reads the whole history.");
        }

        if (_parts.Value is not HistoricalValueCalculator)
        {
            throw new NotSupportedException("Live assessment needs the historical value calculator: a host's own calculator reads the whole history.");
        }

        if (_parts.Options.PredictValue)
        {
            throw new NotSupportedException("Live assessment cannot predict value: the value models are fitted on a whole base. Set PredictValue to false.");
        }

        return new LiveCustomer(customerId, profile, _parts.Features.NewState(), (_parts.Symptoms as SymptomEngine)?.NewState());
    }

    /// <summary>Adds one of the customer's events to their live state. Events come in time order (equal times in arrival order).</summary>
    /// <param name="customer">The customer's state.</param>
    /// <param name="customerEvent">The event (its customer must be the state's).</param>
    /// <exception cref="ArgumentException">The event belongs to another customer or is older than the latest observed.</exception>
    public void Observe(LiveCustomer customer, CustomerEvent customerEvent)
    {
        ArgumentNullException.ThrowIfNull(customer);
        ArgumentNullException.ThrowIfNull(customerEvent);
        if (customerEvent.CustomerId != customer.CustomerId)
        {
            throw new ArgumentException($"The event is customer '{customerEvent.CustomerId}''s, not '{customer.CustomerId}''s.", nameof(customerEvent));
        }

        // Amounts go through double, as the event log keeps them, so that sums match the batch's.
        var amount = customerEvent.Amount is { } a ? (double)a : double.NaN;
        var tick = customerEvent.Timestamp.UtcTicks;
        if (customer.LastEvent is { } last && customerEvent.Timestamp < last)
        {
            throw new ArgumentException($"The event at {customerEvent.Timestamp:O} is older than the latest observed ({customer.LastEvent:O}): live assessment takes events in time order.", nameof(customerEvent));
        }

        // The rules' grid instants the event moves time past are recorded from the features before it.
        if (_parts.Symptoms is SymptomEngine engine && customer.Symptoms is { } symptoms)
        {
            engine.Record(symptoms, new LiveHistory(this, customer, customerEvent.Timestamp), customerEvent.Timestamp);
        }

        customer.Features.Absorb(customerEvent.Timestamp, customerEvent.Type, amount);
        if (customer.FirstEvent == long.MinValue)
        {
            customer.FirstEvent = tick;
        }

        var type = customerEvent.Type;
        if (type == CustomerEventType.Purchase && !double.IsNaN(amount))
        {
            customer.Revenue += (decimal)amount;
            customer.Purchases++;
        }

        if (type == CustomerEventType.SubscriptionStart || type == CustomerEventType.SubscriptionCancel)
        {
            customer.LastSubscription = tick;
            customer.SubscriptionEndsInCancel = type == CustomerEventType.SubscriptionCancel;
        }

        if (_parts.LabelOptions.ActivityTypes.Contains(type))
        {
            customer.LastActivity = tick;
        }
    }

    /// <summary>Assesses a customer from their live state as of an instant: the assessment <see cref="Assess(CustomerData, DateTimeOffset, CancellationToken)"/> gives from the customer's whole history (bit for bit).</summary>
    /// <param name="customer">The customer's state.</param>
    /// <param name="asOf">The instant; not before the latest event observed, nor before an earlier call's (the same instant again is fine).</param>
    /// <param name="reasons">How many reasons to give; the pipeline's <see cref="ChurnPipelineOptions.Reasons"/> when null. A monitor asks for none on every event and for them when it alerts: the words cost more than the probability.</param>
    /// <returns>The assessment.</returns>
    /// <exception cref="UnknownCustomerException">Nothing is known about the customer at the instant (no event, no signup before it).</exception>
    public RiskAssessment AssessLive(LiveCustomer customer, DateTimeOffset asOf, int? reasons = null)
    {
        var top = reasons ?? _parts.Options.Reasons;
        ArgumentOutOfRangeException.ThrowIfNegative(top, nameof(reasons));
        var array = LiveRowArray();
        Span<double> row = array ?? stackalloc double[_parts.Features.Schema.Count];
        var live = Live(customer, asOf, row, array, top, words: true);
        var profile = customer.Profile;
        var value = LiveValue(customer, profile, asOf.UtcTicks);
        var assessment = live.Status.Churned
            ? new RiskAssessment(customer.CustomerId, asOf, null, RiskLevel.Churned)
            {
                LevelReason = live.Decision.Reason,
                Value = value,
                Owner = profile?.Owner,
                ChurnedAt = live.Status.ChurnedAt,
            }
            : new RiskAssessment(customer.CustomerId, asOf, live.Probability is { } q ? new ChurnProbability(q) : null, live.Decision.Level)
            {
                LevelReason = live.Decision.Reason,
                Reasons = live.Reasons,
                Symptoms = live.Symptoms,
                Value = value,
                Owner = profile?.Owner,
            };
        if (_parts.Segmenter is { } segmenter)
        {
            assessment = assessment with { Segment = segmenter.Segment(new CustomerSnapshot(customer.CustomerId, asOf, _parts.Features.Schema, array!), profile, assessment) };
        }

        return assessment;
    }

    /// <summary>
    /// What <see cref="AssessLive"/> decides, without the words, the value or the segment: the
    /// level, the probability and the symptoms (their ids, severities, instants and weights, with
    /// empty explanations). A live monitor decides on every event with this, and asks for the whole
    /// assessment when it alerts; it costs a fraction (no text is written).
    /// </summary>
    /// <param name="customer">The customer's state.</param>
    /// <param name="asOf">The instant; not before the latest event observed.</param>
    /// <returns>The level, probability and symptoms: <see cref="AssessLive"/>'s at the same instant.</returns>
    /// <exception cref="UnknownCustomerException">Nothing is known about the customer at the instant.</exception>
    public LiveLevel LevelLive(LiveCustomer customer, DateTimeOffset asOf)
    {
        var array = LiveRowArray();
        Span<double> row = array ?? stackalloc double[_parts.Features.Schema.Count];
        var live = Live(customer, asOf, row, array, 0, words: false);
        return live.Status.Churned ? new LiveLevel(RiskLevel.Churned, null, []) : new LiveLevel(live.Decision.Level, live.Probability, live.Symptoms);
    }

    /// <summary>The row as an array when a snapshot must carry it (a host's scorer, a segmenter, a very wide schema); null when the stack holds it.</summary>
    private double[]? LiveRowArray()
    {
        var count = _parts.Features.Schema.Count;
        return (_parts.Model is null && _parts.Scorer is not null) || _parts.Segmenter is not null || count > 512 ? new double[count] : null;
    }

    /// <summary>The features, the churn status, the probability (and reasons), the symptoms and the level of a live customer at an instant.</summary>
    private LiveDecision Live(LiveCustomer customer, DateTimeOffset asOf, Span<double> row, double[]? array, int top, bool words)
    {
        ArgumentNullException.ThrowIfNull(customer);
        var profile = customer.Profile;
        var now = asOf.UtcTicks;
        if (customer.Events == 0 && !(profile?.SignupDate is { } signedUp && signedUp.UtcTicks <= now))
        {
            throw new UnknownCustomerException(customer.CustomerId, asOf, false);
        }

        var schema = _parts.Features.Schema;
        _parts.Features.Compute(customer.Features, asOf, profile, row);
        var status = LiveStatus(customer, now);
        if (status.Churned)
        {
            return new LiveDecision(status, null, [], [], RiskLevelPolicy.Churned(status.ChurnedAt!.Value, status.How!));
        }

        double? p = null;
        IReadOnlyList<RiskReason> why = [];
        if (_parts.Model is { } model)
        {
            Span<double> probability = stackalloc double[1];
            model.Score(schema, row, probability);
            p = Math.Clamp(probability[0], 0, 1);
            why = top > 0 ? model.Explain(schema, row.ToArray(), top)[0] : [];
        }
        else if (_parts.Scorer is { } scorer)
        {
            var snapshot = new CustomerSnapshot(customer.CustomerId, asOf, schema, array!);
            var probability = new double[1];
            scorer.Score([snapshot], probability);
            p = Math.Clamp(probability[0], 0, 1);
            why = top > 0 ? scorer.Explain([snapshot], top)[0] : [];
        }

        IReadOnlyList<Symptom> symptoms = _parts.Symptoms is SymptomEngine engine && customer.Symptoms is { } state
            ? engine.Detect(state, new LiveHistory(this, customer, asOf), words)
            : [];
        return new LiveDecision(status, p, why, symptoms, Policy.Decide(p, symptoms));
    }

    /// <summary>A live customer's features seen as a history that can be read from their latest event on (what the symptom engine reads live).</summary>
    private sealed class LiveHistory(ChurnPipeline pipeline, LiveCustomer customer, DateTimeOffset asOf) : ICustomerHistory
    {
        public CustomerId CustomerId => customer.CustomerId;

        public DateTimeOffset AsOf => asOf;

        public FeatureSchema Schema => pipeline.Schema;

        public CustomerProfile? Profile => customer.Profile;

        /// <summary>Gets the first event or the signup (when it is known by the instant), whichever came first, as the batch history reads it.</summary>
        public DateTimeOffset? FirstSeen
        {
            get
            {
                long? first = customer.FirstEvent != long.MinValue ? customer.FirstEvent : null;
                if (Profile?.SignupDate is { } signup && signup <= asOf && (first is null || signup.UtcTicks < first))
                {
                    first = signup.UtcTicks;
                }

                return first is { } f ? new DateTimeOffset(f, TimeSpan.Zero) : null;
            }
        }

        public void FeaturesAt(DateTimeOffset instant, Span<double> values)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(instant, asOf);
            pipeline._parts.Features.Compute(customer.Features, instant, Profile, values);
        }
    }

    /// <summary>What a live assessment decides before the value and the segment are added.</summary>
    private readonly record struct LiveDecision(ChurnStatus Status, double? Probability, IReadOnlyList<RiskReason> Reasons, IReadOnlyList<Symptom> Symptoms, RiskLevelDecision Decision);

    /// <summary>The churn status the label builder reads from the whole history, from the live totals.</summary>
    private ChurnStatus LiveStatus(LiveCustomer c, long now)
    {
        if (_parts.LabelOptions.Definition == ChurnDefinition.Contractual)
        {
            return c.SubscriptionEndsInCancel
                ? new ChurnStatus(true, new DateTimeOffset(c.LastSubscription, TimeSpan.Zero), "cancelled the subscription")
                : ChurnStatus.Active;
        }

        var horizon = TimeSpan.FromDays(_parts.LabelOptions.HorizonDays).Ticks;
        var from = c.LastActivity != long.MinValue ? c.LastActivity : c.FirstEvent;
        return from == long.MinValue || now - from < horizon
            ? ChurnStatus.Active
            : new ChurnStatus(true, new DateTimeOffset(from + horizon, TimeSpan.Zero), $"no activity for {_parts.LabelOptions.HorizonDays} days");
    }

    /// <summary>The historical value the batch computes from the whole history, from the live totals.</summary>
    private CustomerValue LiveValue(LiveCustomer c, CustomerProfile? profile, long now)
    {
        var historical = (HistoricalValueCalculator)_parts.Value;
        long? first = c.FirstEvent != long.MinValue ? c.FirstEvent : null;
        if (profile?.SignupDate is { } signup && signup.UtcTicks <= now && (first is null || signup.UtcTicks < first))
        {
            first = signup.UtcTicks;
        }

        var tenure = first is { } f ? (now - f) / (double)TimeSpan.TicksPerDay : 0;
        return historical.Calculate(historical.FromTotals(c.Revenue, c.Purchases, tenure));
    }

    /// <summary>Builds a training set as of one instant: the snapshots of the customers at risk then, labelled by whether they churned within the horizon.</summary>
    /// <param name="data">The customers and their events (the horizon must end within the data).</param>
    /// <param name="asOf">The instant.</param>
    /// <param name="horizonDays">The prediction horizon in days; the label options' when null.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The training set.</returns>
    /// <exception cref="ArgumentException">The horizon ends after the data does.</exception>
    public TrainingSet BuildTrainingSet(CustomerData data, DateTimeOffset asOf, int? horizonDays = null, CancellationToken cancellationToken = default) =>
        BuildTrainingSet(data, [asOf], horizonDays, cancellationToken);

    /// <summary>Builds a training set stacked over several instants (rolling monthly instants turn history into many examples).</summary>
    /// <param name="data">The customers and their events.</param>
    /// <param name="asOfDates">The instants; each horizon must end within the data.</param>
    /// <param name="horizonDays">The prediction horizon in days; the label options' when null.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The training set, ordered by instant then log order.</returns>
    public TrainingSet BuildTrainingSet(CustomerData data, IEnumerable<DateTimeOffset> asOfDates, int? horizonDays = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(asOfDates);
        return LabelsFor(horizonDays, data).BuildTrainingSet(data.Log, _parts.Features, asOfDates, data.Profiles, cancellationToken);
    }

    /// <summary>Trains a model on the customers at risk at one instant, labelled over the horizon after it. Use <see cref="WithModel"/> to assess with it.</summary>
    /// <param name="data">The customers and their events.</param>
    /// <param name="asOf">The instant.</param>
    /// <param name="horizonDays">The prediction horizon; the label options' when null.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The model and its cross-validated metrics.</returns>
    public TrainingResult Train(CustomerData data, DateTimeOffset asOf, int? horizonDays = null, CancellationToken cancellationToken = default) =>
        Train(data, [asOf], horizonDays, cancellationToken);

    /// <summary>Trains a model on a training set stacked over several instants.</summary>
    /// <param name="data">The customers and their events.</param>
    /// <param name="asOfDates">The instants.</param>
    /// <param name="horizonDays">The prediction horizon; the label options' when null.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The model and its cross-validated metrics.</returns>
    public TrainingResult Train(CustomerData data, IEnumerable<DateTimeOffset> asOfDates, int? horizonDays = null, CancellationToken cancellationToken = default)
    {
        var set = BuildTrainingSet(data, asOfDates, horizonDays, cancellationToken);
        if (set.Rows.Count == 0)
        {
            throw new ArgumentException("No customer was at risk at the training instants: nothing to train on.", nameof(asOfDates));
        }

        return _parts.Trainer.Train(ModelTable.FromSnapshots(set.Rows), cancellationToken);
    }

    /// <summary>
    /// The honest time-based check: trains as of one instant (labels from the horizon after it,
    /// which must end by the test instant), then scores the customers at risk as of a later instant
    /// and measures against what they did in the horizon after that.
    /// </summary>
    /// <param name="data">The customers and their events (the test horizon must end within the data).</param>
    /// <param name="trainAsOf">The training instant.</param>
    /// <param name="testAsOf">The test instant, at least one horizon after the training instant.</param>
    /// <param name="horizonDays">The prediction horizon; the label options' when null.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The sizes of both sides and the test metrics.</returns>
    /// <exception cref="ArgumentException">The training labels would reach past the test instant, a side has no customers, or a horizon ends after the data.</exception>
    public BacktestResult Backtest(CustomerData data, DateTimeOffset trainAsOf, DateTimeOffset testAsOf, int? horizonDays = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        var labels = LabelsFor(horizonDays, data);
        if (trainAsOf + labels.Horizon > testAsOf)
        {
            throw new ArgumentException($"The training labels look {labels.Horizon.TotalDays:0} days past {trainAsOf:yyyy-MM-dd}, beyond the test instant {testAsOf:yyyy-MM-dd}: the model would learn from the test period. Train at least one horizon earlier.", nameof(testAsOf));
        }

        var train = labels.BuildTrainingSet(data.Log, _parts.Features, [trainAsOf], data.Profiles, cancellationToken);
        var test = labels.BuildTrainingSet(data.Log, _parts.Features, [testAsOf], data.Profiles, cancellationToken);
        if (train.Rows.Count == 0 || test.Rows.Count == 0)
        {
            throw new ArgumentException($"{train.Rows.Count} customers are at risk at {trainAsOf:yyyy-MM-dd} and {test.Rows.Count} at {testAsOf:yyyy-MM-dd}: both sides need customers.", nameof(trainAsOf));
        }

        var trained = _parts.Trainer.Train(ModelTable.FromSnapshots(train.Rows), cancellationToken);
        var probabilities = trained.Model.Score([.. test.Rows.Select(r => r.Snapshot)]);
        var outcomes = test.Rows.Select(r => r.Churned).ToArray();
        var metrics = MetricsCalculator.Compute(probabilities, outcomes);
        return new BacktestResult(train.Rows.Count, train.Rows.Count(r => r.Churned), test.Rows.Count, outcomes.Count(o => o), metrics, trained);
    }

    /// <summary>The label builder for a horizon (the options' when null) and a base (complete up to its observed end, unless the options say).</summary>
    private LabelBuilder LabelsFor(int? horizonDays, CustomerData data)
    {
        var o = _parts.LabelOptions;
        var h = horizonDays ?? o.HorizonDays;
        var observed = o.ObservedUntil ?? data.ObservedUntil;
        return h == o.HorizonDays && observed == o.ObservedUntil
            ? _parts.Labels
            : new LabelBuilder(new LabelOptions { Definition = o.Definition, HorizonDays = h, ActivityTypes = o.ActivityTypes, ObservedUntil = observed });
    }

    private static ChurnPipelineOptions Copy(ChurnPipelineOptions o, bool predictValue) => new()
    {
        Reasons = o.Reasons,
        PredictValue = predictValue,
        BlockSize = o.BlockSize,
        MaxDegreeOfParallelism = o.MaxDegreeOfParallelism,
    };
}

/// <summary>The result of <see cref="ChurnPipeline.Backtest"/>.</summary>
/// <param name="TrainCustomers">Customers at risk at the training instant.</param>
/// <param name="TrainChurners">Of them, those who churned within the horizon.</param>
/// <param name="TestCustomers">Customers at risk at the test instant.</param>
/// <param name="TestChurners">Of them, those who churned within the horizon.</param>
/// <param name="Test">The metrics of the model's probabilities on the test customers.</param>
/// <param name="Training">The trained model and its cross-validated metrics.</param>
public sealed record BacktestResult(int TrainCustomers, int TrainChurners, int TestCustomers, int TestChurners, ClassificationMetrics Test, TrainingResult Training);

/// <summary>Nothing is known about a customer at an instant: no event and no signup at or before it.</summary>
public sealed class UnknownCustomerException : KeyNotFoundException
{
    /// <summary>Initializes a new instance of the <see cref="UnknownCustomerException"/> class.</summary>
    public UnknownCustomerException()
        : base("The customer is not known.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="UnknownCustomerException"/> class.</summary>
    /// <param name="message">Why.</param>
    public UnknownCustomerException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="UnknownCustomerException"/> class.</summary>
    /// <param name="message">Why.</param>
    /// <param name="innerException">The cause.</param>
    public UnknownCustomerException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="UnknownCustomerException"/> class.</summary>
    /// <param name="customerId">The customer.</param>
    /// <param name="asOf">The instant.</param>
    /// <param name="inData">Whether the customer appears in the data at all (only later).</param>
    public UnknownCustomerException(CustomerId customerId, DateTimeOffset asOf, bool inData)
        : base(inData
            ? $"Customer '{customerId}' has no event and no signup at or before {asOf:yyyy-MM-dd HH:mm}Z: nothing is known about them yet."
            : $"Customer '{customerId}' is not in the data (no event, no profile).")
    {
        CustomerId = customerId;
    }

    /// <summary>Gets the customer.</summary>
    public CustomerId CustomerId { get; }
}

/// <summary>What a pipeline is made of.</summary>
internal sealed record PipelineParts(
    FeatureBuilder Features,
    LabelBuilder Labels,
    LabelOptions LabelOptions,
    RiskLevelPolicy Policy,
    IChurnScorer? Scorer,
    ChurnModel? Model,
    ISymptomDetector? Symptoms,
    ICustomerValueCalculator Value,
    ClvEstimator Clv,
    ISegmenter? Segmenter,
    ChurnModelTrainer Trainer,
    ChurnPipelineOptions Options)
{
    public static ChurnPipelineOptions Checked(ChurnPipelineOptions options) =>
        OptionsCheck.ThrowIfInvalid(options, new ChurnPipelineOptionsValidator(), new ChurnPipelineOptionsRules());
}
