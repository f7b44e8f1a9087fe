using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Churn.Abstractions;

namespace Churn.Sdk;

/// <summary>
/// The assessments file of <c>churn assess --out A.jsonl</c>: one JSON object per customer with the
/// fields <c>customerId, asOf, probability, level, levelReason, reasons, symptoms, value, segment,
/// owner</c>. Probabilities and contributions are rounded to 6 decimals; a recapitulative symptom
/// lists its components by rule id only.
/// </summary>
public static class AssessmentJsonLines
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    /// <summary>Reads an assessments file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="cancellationToken">Stops the read.</param>
    /// <returns>The assessments, in file order (blank lines are skipped).</returns>
    /// <exception cref="AssessmentFileException">A line is not an assessment; the message gives the file, line and reason.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static IEnumerable<RiskAssessment> Read(string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"'{path}' does not exist.", path);
        }

        return ReadLines(() => new StreamReader(path), path, cancellationToken);
    }

    /// <summary>Reads assessments from a stream (disposed when the enumeration ends).</summary>
    /// <param name="stream">The stream.</param>
    /// <param name="source">The name used in error messages.</param>
    /// <param name="cancellationToken">Stops the read.</param>
    /// <returns>The assessments, in order (blank lines are skipped).</returns>
    /// <exception cref="AssessmentFileException">A line is not an assessment.</exception>
    public static IEnumerable<RiskAssessment> Read(Stream stream, string source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(source);
        return ReadLines(() => new StreamReader(stream), source, cancellationToken);
    }

    /// <summary>Parses one line of an assessments file.</summary>
    /// <param name="line">The line.</param>
    /// <returns>The assessment.</returns>
    /// <exception cref="FormatException">The line is not an assessment; the message says why.</exception>
    public static RiskAssessment Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line, new JsonDocumentOptions { AllowDuplicateProperties = false });
        }
        catch (JsonException ex)
        {
            throw new FormatException($"column {(ex.BytePositionInLine ?? 0) + 1}: not valid JSON", ex);
        }

        using (document)
        {
            var e = document.RootElement;
            if (e.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("expected a JSON object");
            }

            try
            {
                var id = e.GetProperty("customerId").GetString() ?? throw new FormatException("'customerId' is null");
                var asOf = DateTimeOffset.Parse(e.GetProperty("asOf").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
                var level = RiskLevelPolicy.Parse(e.GetProperty("level").GetString()!);
                ChurnProbability? probability = e.TryGetProperty("probability", out var p) && p.ValueKind == JsonValueKind.Number ? new ChurnProbability(p.GetDouble()) : null;
                var reasons = e.TryGetProperty("reasons", out var r) && r.ValueKind == JsonValueKind.Array
                    ? r.EnumerateArray().Select(x => new RiskReason(
                        x.GetProperty("feature").GetString()!,
                        x.TryGetProperty("value", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : double.NaN,
                        x.GetProperty("contribution").GetDouble(),
                        x.GetProperty("text").GetString()!)).ToArray()
                    : [];
                var symptoms = e.TryGetProperty("symptoms", out var s) && s.ValueKind == JsonValueKind.Array
                    ? s.EnumerateArray().Select(Symptom).ToArray()
                    : [];
                CustomerValue? value = null;
                if (e.TryGetProperty("value", out var val) && val.ValueKind == JsonValueKind.Object)
                {
                    value = new CustomerValue(
                        val.GetProperty("historical").GetDecimal(),
                        val.TryGetProperty("predicted", out var pr) && pr.ValueKind == JsonValueKind.Number ? pr.GetDecimal() : null,
                        val.TryGetProperty("currency", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null)
                    {
                        PAlive = val.TryGetProperty("pAlive", out var alive) && alive.ValueKind == JsonValueKind.Number ? alive.GetDouble() : null,
                    };
                }

                return new RiskAssessment(new CustomerId(id), asOf, probability, level)
                {
                    LevelReason = e.TryGetProperty("levelReason", out var lr) && lr.ValueKind == JsonValueKind.String ? lr.GetString()! : string.Empty,
                    Reasons = reasons,
                    Symptoms = symptoms,
                    Value = value,
                    Segment = e.TryGetProperty("segment", out var seg) && seg.ValueKind == JsonValueKind.String ? seg.GetString() : null,
                    Owner = e.TryGetProperty("owner", out var o) && o.ValueKind == JsonValueKind.String ? o.GetString() : null,
                };
            }
            catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or ArgumentException or FormatException or NullReferenceException)
            {
                throw new FormatException(ex is KeyNotFoundException ? "a required field (customerId, asOf, level; feature, contribution, text in reasons; ruleId, severity, firedAt in symptoms; historical in value) is missing" : ex.Message, ex);
            }
        }
    }

    private static IEnumerable<RiskAssessment> ReadLines(Func<StreamReader> open, string path, CancellationToken cancellationToken)
    {
        long number = 0;
        using var reader = open();
        while (reader.ReadLine() is { } line)
        {
            number++;
            if ((number & 0xFFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            RiskAssessment a;
            try
            {
                a = Parse(line);
            }
            catch (FormatException ex)
            {
                throw new AssessmentFileException(path, number, ex.Message, ex);
            }

            yield return a;
        }
    }

    private static Symptom Symptom(JsonElement x)
    {
        var firedAt = DateTimeOffset.Parse(x.GetProperty("firedAt").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
        var severity = x.GetProperty("severity").GetString() switch
        {
            "critical" => SymptomSeverity.Critical,
            "minor" => SymptomSeverity.Minor,
            "recapitulative" => SymptomSeverity.Recapitulative,
            var other => throw new FormatException($"symptom severity '{other}' is not critical, minor or recapitulative"),
        };
        return new Symptom(x.GetProperty("ruleId").GetString()!, severity, firedAt, x.TryGetProperty("explanation", out var t) ? t.GetString() ?? string.Empty : string.Empty)
        {
            Components = x.TryGetProperty("components", out var c) && c.ValueKind == JsonValueKind.Array
                ? [.. c.EnumerateArray().Select(id => new Symptom(id.GetString()!, SymptomSeverity.Minor, firedAt, string.Empty))]
                : [],
        };
    }

        /// <summary>Writes assessments, one JSON object per line.</summary>
        /// <param name="stream">The stream (left open).</param>
        public sealed class Writer(Stream stream) : IDisposable
        {
            private readonly Utf8JsonWriter _json = new(stream, Options);

            /// <summary>Writes one assessment and its line end.</summary>
            /// <param name="a">The assessment.</param>
            public void Write(RiskAssessment a)
            {
                ArgumentNullException.ThrowIfNull(a);
                var w = _json;
                w.WriteStartObject();
                w.WriteString("customerId", a.CustomerId.Value);
                w.WriteString("asOf", a.AsOf.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
                if (a.Probability is { } p)
                {
                    w.WriteNumber("probability", Math.Round(p.Value, 6));
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
                    w.WriteNumber("contribution", Math.Round(r.Contribution, 6));
                    w.WriteString("text", r.Text);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteStartArray("symptoms");
                foreach (var s in a.Symptoms)
                {
                    w.WriteStartObject();
                    w.WriteString("ruleId", s.RuleId);
                    w.WriteString("severity", s.Severity.ToString().ToLowerInvariant());
                    w.WriteString("firedAt", s.FiredAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
                    w.WriteString("explanation", s.Explanation);
                    if (s.Components.Count > 0)
                    {
                        w.WriteStartArray("components");
                        foreach (var c in s.Components)
                        {
                            w.WriteStringValue(c.RuleId);
                        }

                        w.WriteEndArray();
                    }

                    w.WriteEndObject();
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
                    else
                    {
                        w.WriteNull("predicted");
                    }

                    Number(w, "pAlive", v.PAlive is { } alive ? Math.Round(alive, 6) : double.NaN);
                    if (v.Currency is { } currency)
                    {
                        w.WriteString("currency", currency);
                    }
                    else
                    {
                        w.WriteNull("currency");
                    }

                    w.WriteEndObject();
                }
                else
                {
                    w.WriteNull("value");
                }

                NullableString(w, "segment", a.Segment);
                NullableString(w, "owner", a.Owner);
                w.WriteEndObject();
                w.Flush();
                stream.WriteByte((byte)'\n');
                w.Reset();
            }

            /// <inheritdoc />
            public void Dispose() => _json.Dispose();

            private static void Number(Utf8JsonWriter w, string name, double value)
            {
                if (double.IsFinite(value))
                {
                    w.WriteNumber(name, value);
                }
                else
                {
                    w.WriteNull(name);
                }
            }

            private static void NullableString(Utf8JsonWriter w, string name, string? value)
            {
                if (value is null)
                {
                    w.WriteNull(name);
                }
                else
                {
                    w.WriteString(name, value);
                }
            }
        }
}

/// <summary>A line of an assessments file that is not an assessment.</summary>
public sealed class AssessmentFileException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="AssessmentFileException"/> class.</summary>
    /// <param name="path">The file.</param>
    /// <param name="line">The line (1-based).</param>
    /// <param name="reason">What is wrong.</param>
    /// <param name="innerException">The cause.</param>
    public AssessmentFileException(string path, long line, string reason, Exception? innerException = null)
        : base($"{path}:{line}: {reason}", innerException)
    {
        Path = path;
        Line = line;
        Reason = reason;
    }

    /// <summary>Initializes a new instance of the <see cref="AssessmentFileException"/> class.</summary>
    public AssessmentFileException()
        : this(string.Empty, 0, "the file is not an assessments file")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="AssessmentFileException"/> class.</summary>
    /// <param name="message">The message.</param>
    public AssessmentFileException(string message)
        : this(string.Empty, 0, message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="AssessmentFileException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public AssessmentFileException(string message, Exception innerException)
        : this(string.Empty, 0, message, innerException)
    {
    }

    /// <summary>Gets the file.</summary>
    public string Path { get; }

    /// <summary>Gets the line (1-based).</summary>
    public long Line { get; }

    /// <summary>Gets what is wrong.</summary>
    public string Reason { get; }
}
