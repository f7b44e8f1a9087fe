using System.Globalization;
using System.Text.Json;
using Churn.Abstractions;

namespace Churn.Segmentation;

/// <summary>Where cut points come from: quantiles of the population, or absolute values.</summary>
public sealed class Cuts
{
    private Cuts(bool quantile, double[] points)
    {
        if (points.Length == 0)
        {
            throw new ArgumentException("Give at least one cut point.", nameof(points));
        }

        for (var i = 0; i < points.Length; i++)
        {
            if (!double.IsFinite(points[i]) || (quantile && (points[i] <= 0 || points[i] >= 1)) || (i > 0 && points[i] <= points[i - 1]))
            {
                throw new ArgumentException(quantile
                    ? $"Quantile cut points lie strictly between 0 and 1 and rise: {Show(points)}."
                    : $"Cut points are finite and rise: {Show(points)}.", nameof(points));
            }
        }

        IsQuantile = quantile;
        Points = points;
    }

    /// <summary>Gets a value indicating whether the points are quantiles (0–1) of the population rather than values.</summary>
    public bool IsQuantile { get; }

    /// <summary>Gets the points, rising.</summary>
    public IReadOnlyList<double> Points { get; }

    /// <summary>Cuts at quantiles of the population, for example 0.5 for the median, or 0.8 for the top fifth.</summary>
    /// <param name="quantiles">The quantiles, rising, strictly between 0 and 1.</param>
    /// <returns>The cuts.</returns>
    public static Cuts Quantiles(params double[] quantiles) => new(true, (double[])(quantiles ?? throw new ArgumentNullException(nameof(quantiles))).Clone());

    /// <summary>Cuts at values, for example 0.3 on the probability.</summary>
    /// <param name="values">The values, rising.</param>
    /// <returns>The cuts.</returns>
    public static Cuts Absolute(params double[] values) => new(false, (double[])(values ?? throw new ArgumentNullException(nameof(values))).Clone());

    /// <inheritdoc />
    public override string ToString() => (IsQuantile ? "quantiles " : "values ") + Show(Points);

    /// <summary>Resolves the cut points to values on a population (quantiles by the lower empirical quantile).</summary>
    internal double[] Resolve(List<double> values)
    {
        if (!IsQuantile)
        {
            return [.. Points];
        }

        if (values.Count == 0)
        {
            return [];
        }

        values.Sort();
        var result = new double[Points.Count];
        for (var i = 0; i < result.Length; i++)
        {
            var rank = (int)Math.Ceiling(Points[i] * values.Count) - 1;
            result[i] = values[Math.Clamp(rank, 0, values.Count - 1)];
        }

        return result;
    }

    /// <summary>The band of a value: the number of cut points it exceeds (0 = lowest band).</summary>
    internal static int Band(double[] cuts, double value)
    {
        var band = 0;
        while (band < cuts.Length && value > cuts[band])
        {
            band++;
        }

        return band;
    }

    internal void Write(Utf8JsonWriter w, string name)
    {
        w.WriteStartObject(name);
        w.WriteStartArray(IsQuantile ? "quantiles" : "absolute");
        foreach (var p in Points)
        {
            w.WriteNumberValue(p);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static string Show(IEnumerable<double> points) => string.Join(", ", points.Select(p => p.ToString("R", CultureInfo.InvariantCulture)));
}

/// <summary>Which value a scheme reads.</summary>
public enum ValueSource
{
    /// <summary>The predicted value (CLV) when known, else the historical value.</summary>
    Predicted = 0,

    /// <summary>The value realised so far.</summary>
    Historical,
}

/// <summary>
/// The value × risk matrix: bands of customer value crossed with bands of churn probability. With
/// one cut on each axis the four cells are <c>protect</c> (high value, high risk: act first, with
/// the best offer), <c>retain-cheaply</c> (high value, low risk: light touch), <c>grow</c> (low
/// value, low risk: develop) and <c>let-go</c> (low value, high risk: no costly effort). Larger
/// grids are named <c>value-I-risk-J</c> (1 = lowest). Customers who had already churned are in
/// <c>churned</c>; customers assessed without a probability in <c>unscored</c>.
/// </summary>
public sealed class ValueRiskMatrix : SegmentScheme
{
    /// <summary>Initializes a new instance of the <see cref="ValueRiskMatrix"/> class.</summary>
    /// <param name="id">The scheme's id.</param>
    public ValueRiskMatrix(string id = "value-risk")
        : base(id)
    {
    }

    /// <summary>Gets the value the matrix reads.</summary>
    /// <value>The default is <see cref="ValueSource.Predicted"/>.</value>
    public ValueSource Value { get; init; } = ValueSource.Predicted;

    /// <summary>Gets the cut points on value.</summary>
    /// <value>The default is the median of the population.</value>
    public Cuts ValueCuts { get; init; } = Cuts.Quantiles(0.5);

    /// <summary>Gets the cut points on churn probability (a customer above a cut point is in the higher band).</summary>
    /// <value>The default is 0.3, the default high cut-off of the risk levels.</value>
    public Cuts RiskCuts { get; init; } = Cuts.Absolute(0.3);

    /// <summary>Gets the host's names of cells, by cell id (for example <c>["protect"] = "VIP rescue"</c>).</summary>
    public IReadOnlyDictionary<string, string> Names { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <inheritdoc />
    public override string Kind => "value-risk";

    /// <inheritdoc />
    public override FittedScheme Fit(IReadOnlyList<SegmentInput> population, FittedScheme? previous = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(population);
        var values = new List<double>();
        var risks = new List<double>();
        if (ValueCuts.IsQuantile || RiskCuts.IsQuantile)
        {
            foreach (var input in population)
            {
                if (input.Assessment.Level == RiskLevel.Churned || double.IsNaN(input.Probability))
                {
                    continue;
                }

                values.Add(ValueOf(input));
                risks.Add(input.Probability);
            }

            if (values.Count == 0)
            {
                throw new ArgumentException($"Scheme '{Id}' cuts by quantile, but the population has no scored customer to take quantiles of: fit it on assessed customers, or use absolute cuts.", nameof(population));
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        return new Fitted(this, ValueCuts.Resolve(values), RiskCuts.Resolve(risks));
    }

    internal double ValueOf(SegmentInput input) =>
        Value == ValueSource.Historical ? input.Assessment.Value is { } v ? (double)v.Historical : 0 : input.Value;

    internal override void WriteDefinition(Utf8JsonWriter writer)
    {
        writer.WriteString("value", Value == ValueSource.Historical ? "historical" : "predicted");
        ValueCuts.Write(writer, "valueCuts");
        RiskCuts.Write(writer, "riskCuts");
        if (Names.Count > 0)
        {
            writer.WriteStartObject("names");
            foreach (var (k, v) in Names.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                writer.WriteString(k, v);
            }

            writer.WriteEndObject();
        }
    }

    internal override FittedScheme ReadFitted(JsonElement fitted) =>
        new Fitted(this, SchemeJson.Numbers(fitted, "valueCuts"), SchemeJson.Numbers(fitted, "riskCuts"));

    private sealed class Fitted : FittedScheme
    {
        private readonly ValueRiskMatrix _matrix;
        private readonly double[] _valueCuts;
        private readonly double[] _riskCuts;
        private readonly string[,] _ids;

        public Fitted(ValueRiskMatrix matrix, double[] valueCuts, double[] riskCuts)
            : base(matrix)
        {
            if (valueCuts.Length != matrix.ValueCuts.Points.Count || riskCuts.Length != matrix.RiskCuts.Points.Count)
            {
                throw new ArgumentException($"Scheme '{matrix.Id}': the fitted cut points do not match the definition ({matrix.ValueCuts.Points.Count} on value, {matrix.RiskCuts.Points.Count} on risk).");
            }

            _matrix = matrix;
            _valueCuts = valueCuts;
            _riskCuts = riskCuts;
            var nv = valueCuts.Length + 1;
            var nr = riskCuts.Length + 1;
            _ids = new string[nv, nr];
            var segments = new List<SegmentInfo>();
            for (var v = nv - 1; v >= 0; v--)
            {
                for (var r = nr - 1; r >= 0; r--)
                {
                    var (id, name) = (nv, nr) == (2, 2)
                        ? (v, r) switch
                        {
                            (1, 1) => ("protect", "Protect: high value, high risk"),
                            (1, 0) => ("retain-cheaply", "Retain cheaply: high value, low risk"),
                            (0, 0) => ("grow", "Grow: low value, low risk"),
                            _ => ("let-go", "Let go: low value, high risk"),
                        }
                        : (string.Create(CultureInfo.InvariantCulture, $"value-{v + 1}-risk-{r + 1}"), string.Create(CultureInfo.InvariantCulture, $"Value band {v + 1} of {nv}, risk band {r + 1} of {nr}"));
                    _ids[v, r] = id;
                    segments.Add(new SegmentInfo(id, matrix.Names.TryGetValue(id, out var renamed) ? renamed : name));
                }
            }

            segments.Add(new SegmentInfo("churned", matrix.Names.TryGetValue("churned", out var c) ? c : "Churned already"));
            segments.Add(new SegmentInfo("unscored", matrix.Names.TryGetValue("unscored", out var u) ? u : "Not scored"));
            Segments = segments;
        }

        public override IReadOnlyList<SegmentInfo> Segments { get; }

        public override string BaseSegment(SegmentInput input)
        {
            if (input.Assessment.Level == RiskLevel.Churned)
            {
                return "churned";
            }

            var p = input.Probability;
            if (double.IsNaN(p))
            {
                return "unscored";
            }

            var value = _matrix.ValueOf(input);
            return _ids[Cuts.Band(_valueCuts, double.IsNaN(value) ? 0 : value), Cuts.Band(_riskCuts, p)];
        }

        internal override void WriteFitted(Utf8JsonWriter writer)
        {
            SchemeJson.WriteNumbers(writer, "valueCuts", _valueCuts);
            SchemeJson.WriteNumbers(writer, "riskCuts", _riskCuts);
        }
    }
}
