using System.Text.Json;
using Churn.Abstractions;
using Churn.Rules;

namespace Churn.Segmentation;

/// <summary>One rule of a <see cref="RuleSegmentation"/>: customers for whom the condition holds (and no earlier rule's) are in the segment.</summary>
/// <param name="Id">The segment's id.</param>
/// <param name="Name">The segment's name.</param>
/// <param name="When">The condition, in the Churn.Rules expression language, for example <c>probability &gt;= 0.5 and value &gt; 1000</c>.</param>
public sealed record RuleSegment(string Id, string Name, string When);

/// <summary>A rule segment that cannot be used: which scheme, which segment, and where in its condition.</summary>
public sealed class SegmentRuleException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="SegmentRuleException"/> class.</summary>
    /// <param name="schemeId">The scheme.</param>
    /// <param name="segmentId">The segment.</param>
    /// <param name="inner">The rule error, with its line and column.</param>
    public SegmentRuleException(string schemeId, string segmentId, RuleException inner)
        : base($"Scheme '{schemeId}', segment '{segmentId}': {inner?.Message}", inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        SchemeId = schemeId;
        SegmentId = segmentId;
        Line = inner.Line;
        Column = inner.Column;
    }

    /// <summary>Initializes a new instance of the <see cref="SegmentRuleException"/> class.</summary>
    public SegmentRuleException()
        : this(string.Empty)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="SegmentRuleException"/> class.</summary>
    /// <param name="message">The message.</param>
    public SegmentRuleException(string message)
        : base(message)
    {
        SchemeId = string.Empty;
        SegmentId = string.Empty;
    }

    /// <summary>Initializes a new instance of the <see cref="SegmentRuleException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public SegmentRuleException(string message, Exception innerException)
        : base(message, innerException)
    {
        SchemeId = string.Empty;
        SegmentId = string.Empty;
    }

    /// <summary>Gets the scheme's id.</summary>
    public string SchemeId { get; }

    /// <summary>Gets the segment's id.</summary>
    public string SegmentId { get; }

    /// <summary>Gets the line (1-based) in the condition.</summary>
    public int Line { get; }

    /// <summary>Gets the column (1-based) in the condition.</summary>
    public int Column { get; }
}

/// <summary>
/// Ordered rules in the Churn.Rules expression language: the first rule that holds places the
/// customer; a customer no rule places is in the explicit fallback segment. Conditions may read
/// the built-in names of <see cref="SegmentInput"/>, the snapshot's features and the profile's
/// attributes (as texts).
/// </summary>
public sealed class RuleSegmentation : SegmentScheme
{
    /// <summary>Initializes a new instance of the <see cref="RuleSegmentation"/> class.</summary>
    /// <param name="id">The scheme's id.</param>
    /// <param name="rules">The rules, first match wins.</param>
    /// <param name="fallback">The segment of customers no rule places.</param>
    /// <exception cref="ArgumentException">No rule, or two segments share an id.</exception>
    public RuleSegmentation(string id, IEnumerable<RuleSegment> rules, SegmentInfo fallback)
        : base(id)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(fallback);
        Rules = [.. rules];
        Fallback = fallback;
        if (Rules.Count == 0)
        {
            throw new ArgumentException($"Scheme '{id}' has no rule.", nameof(rules));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal) { fallback.Id };
        foreach (var r in Rules)
        {
            ArgumentNullException.ThrowIfNull(r);
            if (string.IsNullOrWhiteSpace(r.Id) || r.Id.Contains('/', StringComparison.Ordinal) || !seen.Add(r.Id))
            {
                throw new ArgumentException($"Scheme '{id}': segment id '{r.Id}' is empty, has a '/', or is used twice (the fallback is '{fallback.Id}').", nameof(rules));
            }
        }
    }

    /// <summary>Gets the rules, first match wins.</summary>
    public IReadOnlyList<RuleSegment> Rules { get; }

    /// <summary>Gets the segment of customers no rule places.</summary>
    public SegmentInfo Fallback { get; }

    /// <summary>Gets the features the conditions may name, when fitted on an empty population (for example the feature builder's schema for a pipeline).</summary>
    public FeatureSchema? Features { get; init; }

    /// <summary>Gets profile attribute names the conditions may name besides those the population's profiles have.</summary>
    public IReadOnlyList<string> Attributes { get; init; } = [];

    /// <inheritdoc />
    public override string Kind => "rules";

    /// <summary>Gets a copy of the scheme whose conditions may name the given features.</summary>
    /// <param name="features">The features.</param>
    /// <returns>The copy.</returns>
    public RuleSegmentation WithFeatures(FeatureSchema features) =>
        new(Id, Rules, Fallback) { CrossWith = CrossWith, Features = features ?? throw new ArgumentNullException(nameof(features)), Attributes = Attributes };

    /// <inheritdoc />
    public override FittedScheme Fit(IReadOnlyList<SegmentInput> population, FittedScheme? previous = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(population);
        var numbers = new List<string>(SegmentInput.BuiltInNumbers);
        var texts = new List<string>(SegmentInput.BuiltInTexts);
        var known = new HashSet<string>(numbers.Concat(texts), StringComparer.Ordinal);
        var features = Features ?? population.FirstOrDefault(p => p.Snapshot is not null)?.Snapshot!.Schema;
        foreach (var name in features?.Names ?? [])
        {
            if (known.Add(name))
            {
                numbers.Add(name);
            }
        }

        // Attribute names: every profile's (they may differ between customers), texts unless a feature has the name.
        foreach (var name in Attributes)
        {
            if (known.Add(name))
            {
                texts.Add(name);
            }
        }

        foreach (var p in population)
        {
            if (p.Profile is { } profile)
            {
                foreach (var name in profile.Attributes.Keys)
                {
                    if (known.Add(name))
                    {
                        texts.Add(name);
                    }
                }
            }
        }

        var schema = new RuleSchema(numbers, texts);
        var compiled = new CompiledCondition[Rules.Count];
        for (var i = 0; i < Rules.Count; i++)
        {
            try
            {
                compiled[i] = RuleCompiler.Compile(Rules[i].When, schema);
            }
            catch (RuleException ex)
            {
                throw new SegmentRuleException(Id, Rules[i].Id, ex);
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        return new Fitted(this, schema, compiled);
    }

    internal override void WriteDefinition(Utf8JsonWriter writer)
    {
        writer.WriteStartArray("rules");
        foreach (var r in Rules)
        {
            writer.WriteStartObject();
            writer.WriteString("id", r.Id);
            writer.WriteString("name", r.Name);
            writer.WriteString("when", r.When);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartObject("fallback");
        writer.WriteString("id", Fallback.Id);
        writer.WriteString("name", Fallback.Name);
        writer.WriteEndObject();
    }

    internal override FittedScheme ReadFitted(JsonElement fitted)
    {
        var names = fitted.TryGetProperty("features", out var f) ? f.EnumerateArray().Select(e => e.GetString() ?? string.Empty).ToList() : [];
        var attributes = fitted.TryGetProperty("attributes", out var a) ? a.EnumerateArray().Select(e => e.GetString() ?? string.Empty).ToList() : [];
        var schema = new FeatureSchema(names.Select(n => new FeatureDefinition(n, FeatureKind.Number, n)));
        return new RuleSegmentation(Id, Rules, Fallback) { CrossWith = CrossWith, Features = Features ?? schema, Attributes = [.. Attributes.Union(attributes)] }.Fit([]);
    }

    private sealed class Fitted : FittedScheme
    {
        private readonly RuleSegmentation _scheme;
        private readonly RuleSchema _schema;
        private readonly CompiledCondition[] _conditions;
        private readonly RuleVariable[] _reads;

        public Fitted(RuleSegmentation scheme, RuleSchema schema, CompiledCondition[] conditions)
            : base(scheme)
        {
            _scheme = scheme;
            _schema = schema;
            _conditions = conditions;

            // Only the variables some condition reads are filled for each customer.
            _reads = [.. conditions.SelectMany(c => c.Variables).DistinctBy(v => v.Name)];
            Segments = [.. scheme.Rules.Select(r => new SegmentInfo(r.Id, r.Name)), scheme.Fallback];
        }

        public override IReadOnlyList<SegmentInfo> Segments { get; }

        public override string BaseSegment(SegmentInput input)
        {
            var values = _schema.NewInput(input.Assessment.AsOf);
            foreach (var v in _reads)
            {
                if (v.Type == RuleValueType.Number)
                {
                    values.Numbers[v.Index] = input.Number(v.Name);
                }
                else
                {
                    values.Texts[v.Index] = input.Text(v.Name);
                }
            }

            for (var i = 0; i < _conditions.Length; i++)
            {
                if (_conditions[i].Predicate(values))
                {
                    return _scheme.Rules[i].Id;
                }
            }

            return _scheme.Fallback.Id;
        }

        internal override void WriteFitted(Utf8JsonWriter writer)
        {
            writer.WriteStartArray("features");
            foreach (var name in _schema.NumberNames.Skip(SegmentInput.BuiltInNumbers.Length))
            {
                writer.WriteStringValue(name);
            }

            writer.WriteEndArray();
            writer.WriteStartArray("attributes");
            foreach (var name in _schema.TextNames.Skip(SegmentInput.BuiltInTexts.Length))
            {
                writer.WriteStringValue(name);
            }

            writer.WriteEndArray();
        }
    }
}
