using System.Runtime.CompilerServices;
using Churn.Abstractions;
using Churn.Data;
using Churn.Value;

namespace Churn.Sdk;

/// <summary>
/// A pipeline bound to one base and one instant, with its value models fitted: assess one
/// customer (<see cref="Assess"/>) or every customer known at the instant (<see cref="AssessAll"/>).
/// One customer's assessment equals their assessment in the batch.
/// </summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class PreparedAssessment
{
    private readonly PipelineParts _parts;
    private readonly RiskLevelPolicy _policy;
    private readonly LogFeatures _features;
    private readonly int[] _known;
    private readonly int _purchaseCode;
    private readonly CustomerSummary?[] _summaries;
    private readonly bool _modelScores;

    internal PreparedAssessment(ChurnPipeline pipeline, CustomerData data, DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        _parts = pipeline.Parts;
        _policy = pipeline.Policy;
        Data = data;
        AsOf = asOf;
        _features = _parts.Features.For(data.Log);
        _purchaseCode = data.Log.CodeOf(CustomerEventType.Purchase);
        _parts.Model?.CheckSchema(_features.Schema);
        _modelScores = _parts.Model is not null;
        _known = Known(data, asOf);
        _summaries = new CustomerSummary?[_parts.Options.PredictValue ? data.Log.CustomerCount : 0];
        ValueModel = _parts.Options.PredictValue ? FitValue(cancellationToken) : null;
    }

    /// <summary>Gets the base.</summary>
    public CustomerData Data { get; }

    /// <summary>Gets the instant.</summary>
    public DateTimeOffset AsOf { get; }

    /// <summary>Gets the number of customers known at the instant (an event or a signup at or before it).</summary>
    public int Customers => _known.Length;

    /// <summary>Gets the value models fitted on the purchase histories as of the instant, or <see langword="null"/> when value prediction is off. <see cref="ValueModelFit.Reason"/> says why a fit failed.</summary>
    public ValueModelFit? ValueModel { get; }

    /// <summary>Assesses one customer.</summary>
    /// <param name="customerId">The customer.</param>
    /// <returns>The assessment, equal to the customer's assessment in <see cref="AssessAll"/>.</returns>
    /// <exception cref="UnknownCustomerException">Nothing is known about the customer at the instant.</exception>
    public RiskAssessment Assess(CustomerId customerId)
    {
        var c = Data.Log.IndexOf(customerId);
        if (c < 0 || !IsKnown(Data, c, AsOf))
        {
            throw new UnknownCustomerException(customerId, AsOf, c >= 0);
        }

        var result = new RiskAssessment[1];
        AssessBlock([c], result);
        return result[0];
    }

    /// <summary>Assesses every customer known at the instant, streaming a block at a time, in the log's order.</summary>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The assessments.</returns>
    public IEnumerable<RiskAssessment> AssessAll(CancellationToken cancellationToken = default)
    {
        var size = _parts.Options.BlockSize;
        var blocks = (_known.Length + size - 1) / size;
        var wave = _parts.Options.MaxDegreeOfParallelism > 0 ? _parts.Options.MaxDegreeOfParallelism : Environment.ProcessorCount;
        var parallel = new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = _parts.Options.MaxDegreeOfParallelism };
        RiskAssessment[][] Wave(int first)
        {
            var count = Math.Min(wave, blocks - first);
            var results = new RiskAssessment[count][];
            Parallel.For(0, count, parallel, k =>
            {
                var from = (first + k) * size;
                var customers = _known.AsSpan(from, Math.Min(size, _known.Length - from)).ToArray();
                results[k] = new RiskAssessment[customers.Length];
                AssessBlock(customers, results[k]);
            });
            return results;
        }

        // The next wave is computed while the caller consumes this one (writes it out, say).
        var next = blocks > 0 ? Task.Run(() => Wave(0), cancellationToken) : null;
        for (var first = 0; next is not null; first += wave)
        {
            var current = next.GetAwaiter().GetResult();
            var following = first + wave;
            next = following < blocks ? Task.Run(() => Wave(following), cancellationToken) : null;
            foreach (var block in current)
            {
                foreach (var a in block)
                {
                    yield return a;
                }
            }
        }
    }

    /// <summary>Assesses every customer known at the instant as an asynchronous stream (the work runs off the caller's thread a wave of blocks at a time).</summary>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The assessments, in the log's order.</returns>
    public async IAsyncEnumerable<RiskAssessment> AssessAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var e = AssessAll(cancellationToken).GetEnumerator();
        while (await Task.Run(e.MoveNext, cancellationToken).ConfigureAwait(false))
        {
            yield return e.Current;
        }
    }

    private static bool IsKnown(CustomerData data, int c, DateTimeOffset asOf)
    {
        var t = data.Log.Timeline(c);
        if (t.Count > 0 && t.Ticks[0] <= asOf.UtcTicks)
        {
            return true;
        }

        return data.Profiles.TryGetValue(data.Log.Customers[c], out var p) && p.SignupDate is { } s && s <= asOf;
    }

    private static int[] Known(CustomerData data, DateTimeOffset asOf)
    {
        var known = new List<int>(data.Log.CustomerCount);
        for (var c = 0; c < data.Log.CustomerCount; c++)
        {
            if (IsKnown(data, c, asOf))
            {
                known.Add(c);
            }
        }

        return [.. known];
    }

    private ValueModelFit FitValue(CancellationToken cancellationToken)
    {
        var unit = _parts.Clv.Unit;
        Parallel.For(0, (_known.Length + 4095) / 4096, new ParallelOptions { CancellationToken = cancellationToken }, k =>
        {
            for (var i = k * 4096; i < Math.Min(_known.Length, (k + 1) * 4096); i++)
            {
                _summaries[_known[i]] = Summary(_known[i], unit);
            }
        });

        // In customer-id order, so that the fit does not depend on the order customers appear in the data.
        return _parts.Clv.Fit([.. _summaries.OfType<CustomerSummary>().OrderBy(s => s.CustomerId)], cancellationToken);
    }

    /// <summary>The customer's purchases (with amounts) up to the instant, summarised for the value models.</summary>
    private CustomerSummary? Summary(int c, TimeUnit unit)
    {
        if (_purchaseCode < 0)
        {
            return null;
        }

        var timeline = Data.Log.TimelineAsOf(c, AsOf);
        var codes = timeline.TypeCodes;
        var count = 0;
        foreach (var code in codes)
        {
            count += code == _purchaseCode ? 1 : 0;
        }

        if (count == 0)
        {
            return null;
        }

        var ticks = new long[count];
        var amounts = new double[count];
        var k = 0;
        for (var i = 0; i < codes.Length; i++)
        {
            if (codes[i] == _purchaseCode)
            {
                ticks[k] = timeline.Ticks[i];
                amounts[k++] = timeline.Amounts[i];
            }
        }

        return TransactionSummaryBuilder.Summarize(timeline.CustomerId, ticks, amounts, AsOf, unit);
    }

    /// <summary>Assesses a block of customers (positions in the log) into <paramref name="into"/>.</summary>
    private void AssessBlock(int[] customers, RiskAssessment[] into)
    {
        var log = Data.Log;
        var schema = _features.Schema;
        var width = schema.Count;
        var n = customers.Length;
        var rows = new double[n * width];
        var status = new ChurnStatus[n];
        var profiles = new CustomerProfile?[n];
        var live = new List<int>(n);
        for (var i = 0; i < n; i++)
        {
            var c = customers[i];
            profiles[i] = Data.ProfileOf(log.Customers[c]);
            status[i] = _parts.Labels.StatusAt(log, c, AsOf);
            _features.Compute(c, AsOf, profiles[i], rows.AsSpan(i * width, width));
            if (!status[i].Churned)
            {
                live.Add(i);
            }
        }

        // Score and explain the customers who have not churned, together.
        var probabilities = new double[live.Count];
        IReadOnlyList<IReadOnlyList<RiskReason>> reasons = [];
        if (_parts.Scorer is not null && live.Count > 0)
        {
            var liveRows = new double[live.Count * width];
            for (var j = 0; j < live.Count; j++)
            {
                rows.AsSpan(live[j] * width, width).CopyTo(liveRows.AsSpan(j * width, width));
            }

            if (_parts.Model is { } model && _modelScores)
            {
                model.Score(schema, liveRows, probabilities);
                reasons = _parts.Options.Reasons > 0 ? model.Explain(schema, liveRows, _parts.Options.Reasons) : [];
            }
            else
            {
                var snapshots = live.Select(i => new CustomerSnapshot(log.Customers[customers[i]], AsOf, schema, rows.AsSpan(i * width, width).ToArray())).ToList();
                _parts.Scorer.Score(snapshots, probabilities);
                reasons = _parts.Options.Reasons > 0 ? _parts.Scorer.Explain(snapshots, _parts.Options.Reasons) : [];
            }
        }

        var next = 0;
        for (var i = 0; i < n; i++)
        {
            var c = customers[i];
            var id = log.Customers[c];
            var profile = profiles[i];
            var value = ValueOf(c, profile);
            RiskAssessment assessment;
            if (status[i].Churned)
            {
                var decision = RiskLevelPolicy.Churned(status[i].ChurnedAt!.Value, status[i].How!);
                assessment = new RiskAssessment(id, AsOf, null, RiskLevel.Churned)
                {
                    LevelReason = decision.Reason,
                    Value = value,
                    Owner = profile?.Owner,
                    ChurnedAt = status[i].ChurnedAt,
                };
            }
            else
            {
                var j = next++;
                double? p = _parts.Scorer is null ? null : Math.Clamp(probabilities[j], 0, 1);
                var symptoms = _parts.Symptoms?.Detect(_features.History(c, AsOf, profile)) ?? [];
                var decision = _policy.Decide(p, symptoms);
                assessment = new RiskAssessment(id, AsOf, p is { } q ? new ChurnProbability(q) : null, decision.Level)
                {
                    LevelReason = decision.Reason,
                    Reasons = reasons.Count > j ? reasons[j] : [],
                    Symptoms = symptoms,
                    Value = value,
                    Owner = profile?.Owner,
                };
            }

            if (_parts.Segmenter is { } segmenter)
            {
                var snapshot = new CustomerSnapshot(id, AsOf, schema, rows.AsSpan(i * width, width).ToArray());
                assessment = assessment with { Segment = segmenter.Segment(snapshot, profile, assessment) };
            }

            into[i] = assessment;
        }
    }

    /// <summary>Historical value (the registered calculator's figure) and, when fitted, predicted CLV and P(alive).</summary>
    private CustomerValue ValueOf(int c, CustomerProfile? profile)
    {
        var log = Data.Log;
        var id = log.Customers[c];
        var timeline = log.TimelineAsOf(c, AsOf);
        CustomerValue value;
        if (_parts.Value is HistoricalValueCalculator historical)
        {
            decimal revenue = 0;
            var purchases = 0;
            var amounts = timeline.Amounts;
            var codes = timeline.TypeCodes;
            for (var i = 0; i < codes.Length; i++)
            {
                if (codes[i] == _purchaseCode && !double.IsNaN(amounts[i]))
                {
                    revenue += (decimal)amounts[i];
                    purchases++;
                }
            }

            long? first = timeline.Count > 0 ? timeline.Ticks[0] : null;
            if (profile?.SignupDate is { } signup && signup <= AsOf && (first is null || signup.UtcTicks < first))
            {
                first = signup.UtcTicks;
            }

            var tenure = first is { } f ? (AsOf.UtcTicks - f) / (double)TimeSpan.TicksPerDay : 0;
            value = historical.Calculate(historical.FromTotals(revenue, purchases, tenure));
        }
        else
        {
            var events = log.EventsOf(id).Where(e => e.Timestamp <= AsOf).ToList();
            value = _parts.Value.Calculate(profile ?? new CustomerProfile(id), events, AsOf);
        }

        if (ValueModel is { IsFitted: true } fit && _summaries[c] is { } summary && fit.Predict(summary) is { } prediction)
        {
            value = value with
            {
                Predicted = double.IsFinite(prediction.Clv) && Math.Abs(prediction.Clv) < 1e15 ? Math.Round((decimal)prediction.Clv, 2) : null,
                PAlive = double.IsFinite(prediction.ProbabilityAlive) ? prediction.ProbabilityAlive : null,
            };
        }

        return value;
    }
}
