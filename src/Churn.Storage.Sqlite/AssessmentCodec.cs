using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Churn.Abstractions;

namespace Churn.Storage.Sqlite;

/// <summary>
/// Writes a <see cref="RiskAssessment"/> as JSON and reads it back exactly: instants in ISO 8601 with 100 ns precision, doubles
/// in their shortest round-trip form (NaN and infinities as strings), money as JSON numbers read back as decimals.
/// </summary>
/// <remarks>One instance per writer: it reuses its buffer.</remarks>
internal sealed class AssessmentCodec : IDisposable
{
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private readonly Utf8JsonWriter _writer;

    public AssessmentCodec() => _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { SkipValidation = true });

    /// <inheritdoc />
    public void Dispose() => _writer.Dispose();

    /// <summary>Writes an assessment as text.</summary>
    public string Write(RiskAssessment a) => Encoding.UTF8.GetString(WriteUtf8(a));

    /// <summary>Writes an assessment as UTF-8 JSON; the span is valid until the next call.</summary>
    public ReadOnlySpan<byte> WriteUtf8(RiskAssessment a)
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        var w = _writer;
        w.WriteStartObject();
        w.WriteString("customerId", a.CustomerId.Value);
        Instant(w, "asOf", a.AsOf);
        if (a.Probability is { } p)
        {
            w.WriteNumber("probability", p.Value);
        }
        else
        {
            w.WriteNull("probability");
        }

        w.WriteString("level", RiskLevelPolicy.Name(a.Level));
        w.WriteString("levelReason", a.LevelReason);
        w.WriteStartArray("reasons");
        foreach (var r in a.Reasons)
        {
            w.WriteStartObject();
            w.WriteString("feature", r.Feature);
            Number(w, "value", r.Value);
            Number(w, "contribution", r.Contribution);
            w.WriteString("text", r.Text);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("symptoms");
        foreach (var s in a.Symptoms)
        {
            WriteSymptom(w, s);
        }

        w.WriteEndArray();
        if (a.Value is { } v)
        {
            w.WriteStartObject("value");
            w.WriteNumber("historical", v.Historical);
            if (v.Predicted is { } predicted)
            {
                w.WriteNumber("predicted", predicted);
            }

            if (v.Currency is { } currency)
            {
                w.WriteString("currency", currency);
            }

            if (v.PAlive is { } alive)
            {
                Number(w, "pAlive", alive);
            }

            w.WriteEndObject();
        }

        if (a.Segment is { } segment)
        {
            w.WriteString("segment", segment);
        }

        if (a.Owner is { } owner)
        {
            w.WriteString("owner", owner);
        }

        if (a.ChurnedAt is { } churnedAt)
        {
            Instant(w, "churnedAt", churnedAt);
        }

        w.WriteEndObject();
        w.Flush();
        return _buffer.WrittenSpan;
    }

    /// <summary>Reads an assessment written by <see cref="Write"/>.</summary>
    /// <exception cref="FormatException">The text is not such an assessment.</exception>
    public static RiskAssessment Read(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var o = doc.RootElement;
            var level = ParseLevel(o.GetProperty("level").GetString());
            var probability = o.GetProperty("probability") is { ValueKind: JsonValueKind.Number } p ? new ChurnProbability(p.GetDouble()) : (ChurnProbability?)null;
            CustomerValue? value = null;
            if (o.TryGetProperty("value", out var v))
            {
                value = new CustomerValue(
                    v.GetProperty("historical").GetDecimal(),
                    v.TryGetProperty("predicted", out var pr) ? pr.GetDecimal() : null,
                    v.TryGetProperty("currency", out var cu) ? cu.GetString() : null)
                {
                    PAlive = v.TryGetProperty("pAlive", out var pa) ? ReadNumber(pa) : null,
                };
            }

            return new RiskAssessment(new CustomerId(o.GetProperty("customerId").GetString()!), ReadInstant(o.GetProperty("asOf")), probability, level)
            {
                LevelReason = o.GetProperty("levelReason").GetString() ?? string.Empty,
                Reasons = [.. o.GetProperty("reasons").EnumerateArray().Select(r => new RiskReason(
                    r.GetProperty("feature").GetString()!,
                    ReadNumber(r.GetProperty("value")),
                    ReadNumber(r.GetProperty("contribution")),
                    r.GetProperty("text").GetString()!))],
                Symptoms = [.. o.GetProperty("symptoms").EnumerateArray().Select(ReadSymptom)],
                Value = value,
                Segment = o.TryGetProperty("segment", out var seg) ? seg.GetString() : null,
                Owner = o.TryGetProperty("owner", out var own) ? own.GetString() : null,
                ChurnedAt = o.TryGetProperty("churnedAt", out var ch) ? ReadInstant(ch) : null,
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or ArgumentException or FormatException)
        {
            throw new FormatException("A stored assessment is damaged: " + e.Message, e);
        }
    }

    /// <summary>Parses a level's stored name.</summary>
    public static RiskLevel ParseLevel(string? name) => name switch
    {
        "low" => RiskLevel.Low,
        "medium" => RiskLevel.Medium,
        "high" => RiskLevel.High,
        "critical" => RiskLevel.Critical,
        "churned" => RiskLevel.Churned,
        _ => throw new FormatException($"Unknown risk level '{name}'."),
    };

    private static void WriteSymptom(Utf8JsonWriter w, Symptom s)
    {
        w.WriteStartObject();
        w.WriteString("ruleId", s.RuleId);
        w.WriteString("severity", s.Severity switch
        {
            SymptomSeverity.Minor => "minor",
            SymptomSeverity.Critical => "critical",
            _ => "recapitulative",
        });
        Instant(w, "firedAt", s.FiredAt);
        w.WriteString("explanation", s.Explanation);
        Number(w, "weight", s.Weight);
        if (s.Components.Count > 0)
        {
            w.WriteStartArray("components");
            foreach (var c in s.Components)
            {
                WriteSymptom(w, c);
            }

            w.WriteEndArray();
        }

        w.WriteEndObject();
    }

    private static Symptom ReadSymptom(JsonElement s) =>
        new(
            s.GetProperty("ruleId").GetString()!,
            s.GetProperty("severity").GetString() switch
            {
                "minor" => SymptomSeverity.Minor,
                "critical" => SymptomSeverity.Critical,
                "recapitulative" => SymptomSeverity.Recapitulative,
                var other => throw new FormatException($"Unknown symptom severity '{other}'."),
            },
            ReadInstant(s.GetProperty("firedAt")),
            s.GetProperty("explanation").GetString()!)
        {
            Weight = ReadNumber(s.GetProperty("weight")),
            Components = s.TryGetProperty("components", out var c) ? [.. c.EnumerateArray().Select(ReadSymptom)] : [],
        };

    private static void Instant(Utf8JsonWriter w, string name, DateTimeOffset at)
    {
        Span<char> text = stackalloc char[40];
        at.UtcDateTime.TryFormat(text, out var n, "O", CultureInfo.InvariantCulture);
        w.WriteString(name, text[..n]);
    }

    private static DateTimeOffset ReadInstant(JsonElement e) =>
        DateTimeOffset.ParseExact(e.GetString()!, "O", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).ToUniversalTime();

    private static void Number(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value))
        {
            w.WriteNumber(name, value);
        }
        else
        {
            w.WriteString(name, double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
        }
    }

    private static double ReadNumber(JsonElement e) => e.ValueKind == JsonValueKind.Number
        ? e.GetDouble()
        : e.GetString() switch
        {
            "NaN" => double.NaN,
            "Infinity" => double.PositiveInfinity,
            "-Infinity" => double.NegativeInfinity,
            var other => throw new FormatException($"'{other}' is not a number."),
        };
}
