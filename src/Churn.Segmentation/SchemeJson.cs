using System.Globalization;
using System.Text.Json;

namespace Churn.Segmentation;

/// <summary>Reads and writes scheme files (see docs/segmentation.md for the format).</summary>
internal static class SchemeJson
{
    private static readonly JsonDocumentOptions Options = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, AllowDuplicateProperties = false };

    public static List<(SegmentScheme Scheme, JsonElement? Fitted)> Read(string json, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, Options);
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"{source}, line {(ex.LineNumber ?? 0) + 1}, column {(ex.BytePositionInLine ?? 0) + 1}: not valid JSON ({FirstSentence(ex.Message)}).", nameof(json), ex);
        }

        using (document)
        {
            var root = document.RootElement;
            var items = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("schemes", out var list)
                ? list.ValueKind == JsonValueKind.Array ? list.EnumerateArray().ToList() : throw new ArgumentException($"{source}: 'schemes' must be an array of schemes.", nameof(json))
                : root.ValueKind == JsonValueKind.Object ? [root] : throw new ArgumentException($"{source}: expected an object with 'schemes', or one scheme object.", nameof(json));
            if (items.Count == 0)
            {
                throw new ArgumentException($"{source}: 'schemes' is empty.", nameof(json));
            }

            var result = new List<(SegmentScheme, JsonElement?)>();
            var ids = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < items.Count; i++)
            {
                var where = $"{source}, scheme {i + 1}";
                try
                {
                    var item = items[i];
                    var scheme = ReadScheme(item);
                    where = $"{source}, scheme '{scheme.Id}'";
                    if (!ids.Add(scheme.Id))
                    {
                        throw new ArgumentException("the id is used by an earlier scheme.");
                    }

                    result.Add((scheme, item.TryGetProperty("fitted", out var fitted) ? fitted.Clone() : null));
                }
                catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or KeyNotFoundException or FormatException)
                {
                    throw new ArgumentException($"{where}: {ex.Message}", nameof(json), ex);
                }
            }

            return result;
        }
    }

    public static double[] Numbers(JsonElement e, string name) =>
        e.TryGetProperty(name, out var array) && array.ValueKind == JsonValueKind.Array
            ? [.. array.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Number ? v.GetDouble() : v.ValueKind == JsonValueKind.String && v.GetString() == "-Infinity" ? double.NegativeInfinity : throw new FormatException($"'{name}' holds a value that is not a number."))]
            : throw new FormatException($"'{name}' is missing or not an array of numbers.");

    public static void WriteNumbers(Utf8JsonWriter w, string name, double[] values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            if (double.IsNegativeInfinity(v))
            {
                w.WriteStringValue("-Infinity");
            }
            else
            {
                w.WriteNumberValue(v);
            }
        }

        w.WriteEndArray();
    }

    private static SegmentScheme ReadScheme(JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("a scheme is a JSON object.");
        }

        var id = String(e, "id") ?? throw new FormatException("'id' is required.");
        var type = String(e, "type") ?? throw new FormatException("'type' is required: value-risk, rfm, rules or kmeans.");
        var cross = e.TryGetProperty("crossWith", out var c)
            ? c.EnumerateArray().Select(s => SegmentDimension.Parse(s.GetString() ?? string.Empty)).ToArray()
            : [];
        string[] common = ["id", "type", "crossWith", "fitted"];
        SegmentScheme scheme;
        switch (type)
        {
            case "value-risk":
                Known(e, [.. common, "value", "valueCuts", "riskCuts", "names"]);
                scheme = new ValueRiskMatrix(id)
                {
                    Value = String(e, "value") switch
                    {
                        null or "predicted" => ValueSource.Predicted,
                        "historical" => ValueSource.Historical,
                        var other => throw new FormatException($"'value' is '{other}': use predicted or historical."),
                    },
                    ValueCuts = e.TryGetProperty("valueCuts", out var vc) ? CutsOf(vc, "valueCuts") : Cuts.Quantiles(0.5),
                    RiskCuts = e.TryGetProperty("riskCuts", out var rc) ? CutsOf(rc, "riskCuts") : Cuts.Absolute(0.3),
                    Names = e.TryGetProperty("names", out var names)
                        ? names.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? p.Name, StringComparer.Ordinal)
                        : new Dictionary<string, string>(StringComparer.Ordinal),
                    CrossWith = cross,
                };
                break;
            case "rfm":
                Known(e, [.. common, "bins", "recency", "frequency"]);
                scheme = new RfmSegmentation(id)
                {
                    Bins = e.TryGetProperty("bins", out var bins) ? bins.GetInt32() : 5,
                    RecencyFeature = String(e, "recency") ?? "recency_days",
                    FrequencyFeature = String(e, "frequency") ?? "frequency",
                    CrossWith = cross,
                };
                break;
            case "rules":
                Known(e, [.. common, "rules", "fallback"]);
                var rules = e.TryGetProperty("rules", out var r) && r.ValueKind == JsonValueKind.Array
                    ? r.EnumerateArray().Select(x => new RuleSegment(
                        String(x, "id") ?? throw new FormatException("every rule needs an 'id'."),
                        String(x, "name") ?? String(x, "id")!,
                        String(x, "when") ?? throw new FormatException($"rule '{String(x, "id")}' needs a 'when' condition."))).ToList()
                    : throw new FormatException("'rules' is required: an array of {id, name, when}.");
                var fallback = e.TryGetProperty("fallback", out var f)
                    ? new SegmentInfo(String(f, "id") ?? throw new FormatException("the fallback needs an 'id'."), String(f, "name") ?? String(f, "id")!)
                    : throw new FormatException("'fallback' is required: {id, name} for customers no rule places.");
                scheme = new RuleSegmentation(id, rules, fallback) { CrossWith = cross };
                break;
            case "kmeans":
                Known(e, [.. common, "inputs", "k", "criterion", "seed", "sampleSize", "restarts", "maxIterations"]);
                var inputs = e.TryGetProperty("inputs", out var inp) && inp.ValueKind == JsonValueKind.Array
                    ? inp.EnumerateArray().Select(x => x.GetString() ?? string.Empty).ToList()
                    : throw new FormatException("'inputs' is required: the numbers to cluster on.");
                var k = e.TryGetProperty("k", out var kk) ? kk : default;
                scheme = new ClusterSegmentation(id, inputs)
                {
                    MinClusters = k.ValueKind == JsonValueKind.Object && k.TryGetProperty("min", out var min) ? min.GetInt32() : 2,
                    MaxClusters = k.ValueKind == JsonValueKind.Object && k.TryGetProperty("max", out var max) ? max.GetInt32() : 10,
                    Criterion = String(e, "criterion") switch
                    {
                        null or "silhouette" => ClusterCriterion.Silhouette,
                        "davies-bouldin" => ClusterCriterion.DaviesBouldin,
                        var other => throw new FormatException($"'criterion' is '{other}': use silhouette or davies-bouldin."),
                    },
                    Seed = e.TryGetProperty("seed", out var seed) ? seed.GetInt64() : 42,
                    SampleSize = e.TryGetProperty("sampleSize", out var size) ? size.GetInt32() : 20_000,
                    Restarts = e.TryGetProperty("restarts", out var restarts) ? restarts.GetInt32() : 3,
                    MaxIterations = e.TryGetProperty("maxIterations", out var it) ? it.GetInt32() : 100,
                    CrossWith = cross,
                };
                break;
            default:
                throw new FormatException($"'type' is '{type}': use value-risk, rfm, rules or kmeans.");
        }

        return scheme;
    }

    public static void Write(Utf8JsonWriter w, FittedScheme fitted)
    {
        var scheme = fitted.Scheme;
        w.WriteStartObject();
        w.WriteString("id", scheme.Id);
        w.WriteString("type", scheme.Kind);
        if (scheme.CrossWith.Count > 0)
        {
            w.WriteStartArray("crossWith");
            foreach (var d in scheme.CrossWith)
            {
                w.WriteStringValue(d.Spec);
            }

            w.WriteEndArray();
        }

        scheme.WriteDefinition(w);
        w.WriteStartObject("fitted");
        fitted.WriteFitted(w);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static Cuts CutsOf(JsonElement e, string name)
    {
        if (e.TryGetProperty("quantiles", out var q))
        {
            return Cuts.Quantiles([.. q.EnumerateArray().Select(x => x.GetDouble())]);
        }

        return e.TryGetProperty("absolute", out var a)
            ? Cuts.Absolute([.. a.EnumerateArray().Select(x => x.GetDouble())])
            : throw new FormatException($"'{name}' needs 'quantiles' or 'absolute', for example {{\"quantiles\": [0.5]}}.");
    }

    private static string? String(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? v.ValueKind == JsonValueKind.String ? v.GetString() : throw new FormatException($"'{name}' must be a string.") : null;

    private static void Known(JsonElement e, string[] names)
    {
        foreach (var p in e.EnumerateObject())
        {
            if (Array.IndexOf(names, p.Name) < 0)
            {
                throw new FormatException($"unknown field '{p.Name}' (known here: {string.Join(", ", names)}).");
            }
        }
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(". ", StringComparison.Ordinal);
        return (cut < 0 ? message : message[..cut]).TrimEnd('.');
    }
}
