using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Churn.Abstractions;

namespace Churn.Rules;

/// <summary>A problem in a rule-set file, with its position in the file (1-based line and column).</summary>
/// <param name="Line">The line in the file.</param>
/// <param name="Column">The column in the file.</param>
/// <param name="RuleId">The rule it concerns, if any.</param>
/// <param name="Message">What is wrong.</param>
public sealed record RuleSetIssue(int Line, int Column, string? RuleId, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{Line}:{Column}: " + (RuleId is null ? Message : $"rule '{RuleId}': {Message}");
}

/// <summary>A rule-set file that cannot be read, with every problem found and its position.</summary>
public sealed class RuleSetFormatException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="RuleSetFormatException"/> class.</summary>
    /// <param name="issues">The problems.</param>
    public RuleSetFormatException(IReadOnlyList<RuleSetIssue> issues)
        : base(string.Join(Environment.NewLine, issues ?? []))
    {
        Issues = issues ?? [];
    }

    /// <summary>Initializes a new instance of the <see cref="RuleSetFormatException"/> class.</summary>
    public RuleSetFormatException()
        : this([])
    {
    }

    /// <summary>Initializes a new instance of the <see cref="RuleSetFormatException"/> class.</summary>
    /// <param name="message">The message.</param>
    public RuleSetFormatException(string message)
        : this([new RuleSetIssue(1, 1, null, message)])
    {
    }

    /// <summary>Initializes a new instance of the <see cref="RuleSetFormatException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public RuleSetFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
        Issues = [new RuleSetIssue(1, 1, null, message)];
    }

    /// <summary>Gets the problems.</summary>
    public IReadOnlyList<RuleSetIssue> Issues { get; }
}

/// <summary>
/// Reads and writes rule sets as JSON: <c>{ "version": "1", "rules": [ { "id", "expression",
/// "severity": "critical" | "minor", "weight", "description", "tags", "enabled" } ],
/// "minorThreshold", "halfLifeDays" }</c>. Unknown properties are errors (a typo such as
/// "expresion" would otherwise silently drop a condition).
/// </summary>
public static class RuleSetJson
{

    /// <summary>Parses a rule set, checking its structure (ids, severities, weights). Expressions are checked by <see cref="CompiledRuleSet.Validate"/>.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The rule set and the file position of each rule's expression.</returns>
    /// <exception cref="RuleSetFormatException">The JSON is malformed or a rule is incomplete.</exception>
    public static (RuleSet RuleSet, IReadOnlyList<(int Line, int Column)> ExpressionPositions) Parse(string json)
    {
        var (ruleSet, positions, issues) = ParseWithIssues(json);
        if (issues.Count > 0)
        {
            throw new RuleSetFormatException(issues);
        }

        return (ruleSet!, positions);
    }

    /// <summary>
    /// Parses a rule set and lists every structural problem instead of stopping at them: the set
    /// returned holds each rule that has an id (with its problems listed), so a checker can go on
    /// to check their expressions too (<see cref="CompiledRuleSet.Validate"/>) and report everything at once.
    /// </summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The rule set (null only when the JSON itself is malformed, a duplicate key included), the file position of each of its rules' expressions, and the problems.</returns>
    public static (RuleSet? RuleSet, IReadOnlyList<(int Line, int Column)> ExpressionPositions, IReadOnlyList<RuleSetIssue> Issues) ParseWithIssues(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        RuleSetDto? dto;
        try
        {
            dto = JsonSerializer.Deserialize(json, RuleSetJsonContext.Default.RuleSetDto);
        }
        catch (JsonException ex)
        {
            var line = (int)(ex.LineNumber ?? 0) + 1;
            var column = (int)(ex.BytePositionInLine ?? 0) + 1;
            var message = ex.Message;
            var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
            return (null, [], [new RuleSetIssue(line, column, null, (cut > 0 ? message[..cut] : message) + (ex.Path is { } p ? $" (at {p})" : string.Empty))]);
        }

        if (dto is null)
        {
            return (null, [], [new RuleSetIssue(1, 1, null, "the file holds no rule set (expected { \"version\": \"1\", \"rules\": [...] })")]);
        }

        var positions = ExpressionPositions(json);
        var issues = new List<RuleSetIssue>();
        if (string.IsNullOrWhiteSpace(dto.Version))
        {
            issues.Add(new RuleSetIssue(1, 1, null, "\"version\" is missing"));
        }

        if (dto.Rules is null)
        {
            issues.Add(new RuleSetIssue(1, 1, null, "\"rules\" is missing"));
        }

        var rules = new List<Rule>();
        var kept = new List<(int Line, int Column)>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (dto.Rules?.Count ?? 0); i++)
        {
            var r = dto.Rules![i];
            var (line, column) = i < positions.Count ? positions[i] : (1, 1);
            if (string.IsNullOrWhiteSpace(r.Id))
            {
                issues.Add(new RuleSetIssue(line, column, null, $"rule #{i + 1} has no \"id\""));
                continue;
            }

            if (!ids.Add(r.Id))
            {
                issues.Add(new RuleSetIssue(line, column, r.Id, "the id is used by another rule"));
            }

            if (string.IsNullOrWhiteSpace(r.Expression))
            {
                issues.Add(new RuleSetIssue(line, column, r.Id, "\"expression\" is missing or empty"));
            }

            var severity = SymptomSeverity.Minor;
            if (r.Severity is not null && !Enum.TryParse(r.Severity, ignoreCase: true, out severity))
            {
                issues.Add(new RuleSetIssue(line, column, r.Id, $"severity \"{r.Severity}\" is not \"critical\" or \"minor\""));
            }

            if (!(r.Weight >= 0 && double.IsFinite(r.Weight)))
            {
                issues.Add(new RuleSetIssue(line, column, r.Id, $"weight {r.Weight} must be zero or more"));
            }

            kept.Add((line, column));
            rules.Add(new Rule(r.Id, r.Expression ?? string.Empty)
            {
                Severity = severity,
                Weight = r.Weight,
                Description = r.Description ?? string.Empty,
                Tags = r.Tags ?? [],
                Enabled = r.Enabled,
            });
        }

        if (dto.MinorThreshold is { } t && !(t > 0))
        {
            issues.Add(new RuleSetIssue(1, 1, null, $"minorThreshold {t} must be positive"));
        }

        if (dto.HalfLifeDays is { } h && !(h > 0))
        {
            issues.Add(new RuleSetIssue(1, 1, null, $"halfLifeDays {h} must be positive"));
        }

        return (new RuleSet(dto.Version ?? string.Empty, rules) { MinorThreshold = dto.MinorThreshold, HalfLifeDays = dto.HalfLifeDays }, kept, issues);
    }

    /// <summary>Writes a rule set as JSON.</summary>
    /// <param name="ruleSet">The rule set.</param>
    /// <returns>The JSON text.</returns>
    public static string Serialize(RuleSet ruleSet)
    {
        ArgumentNullException.ThrowIfNull(ruleSet);
        var dto = new RuleSetDto
        {
            Version = ruleSet.Version,
            MinorThreshold = ruleSet.MinorThreshold,
            HalfLifeDays = ruleSet.HalfLifeDays,
            Rules = [.. ruleSet.Rules.Select(r => new RuleSetRuleDto
            {
                Id = r.Id,
                Expression = r.Expression,
                Severity = r.Severity == SymptomSeverity.Critical ? "critical" : "minor",
                Weight = r.Weight,
                Description = r.Description,
                Tags = [.. r.Tags],
                Enabled = r.Enabled,
            })],
        };
        return JsonSerializer.Serialize(dto, RuleSetJsonContext.Default.RuleSetDto);
    }

    /// <summary>Finds where each rule's "expression" value starts (line, column of its first character), in rule order.</summary>
    private static List<(int Line, int Column)> ExpressionPositions(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var result = new List<(int, int)>();
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 3 && reader.ValueTextEquals("expression"))
                {
                    reader.Read();
                    result.Add(Position(bytes, (int)reader.TokenStartIndex + 1));
                }
            }
        }
        catch (JsonException)
        {
            // Malformed JSON was already reported by the deserializer.
        }

        return result;
    }

    private static (int Line, int Column) Position(byte[] bytes, int offset)
    {
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < offset && i < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'\n')
            {
                line++;
                lineStart = i + 1;
            }
        }

        return (line, Encoding.UTF8.GetCharCount(bytes, lineStart, Math.Min(offset, bytes.Length) - lineStart) + 1);
    }
}

/// <summary>The JSON shape of a rule set.</summary>
internal sealed class RuleSetDto
{
    public string? Version { get; set; }

    public List<RuleSetRuleDto>? Rules { get; set; }

    public double? MinorThreshold { get; set; }

    public double? HalfLifeDays { get; set; }
}

/// <summary>The JSON shape of one rule.</summary>
internal sealed class RuleSetRuleDto
{
    public string? Id { get; set; }

    public string? Expression { get; set; }

    public string? Severity { get; set; }

    public double Weight { get; set; } = 1;

    public string? Description { get; set; }

    public List<string>? Tags { get; set; }

    public bool Enabled { get; set; } = true;
}

/// <summary>Source-generated serialisation of rule sets: no reflection, so it works in trimmed and AOT-compiled hosts and in file-based apps.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    AllowDuplicateProperties = false,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RuleSetDto))]
internal sealed partial class RuleSetJsonContext : JsonSerializerContext
{
}
