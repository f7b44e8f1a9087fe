using System.Globalization;
using System.Text.Json;
using Churn.Abstractions;

namespace Churn.Dashboard;

/// <summary>Reads the events a client posts: a JSON array of <c>{customerId, timestamp, type, amount?, eventId?}</c>, every problem reported with its position.</summary>
public static class EventsJson
{
    /// <summary>Reads a request body.</summary>
    /// <param name="body">The body.</param>
    /// <param name="max">The most events accepted in one request.</param>
    /// <param name="cancellationToken">Cancels the reading.</param>
    /// <returns>The events, and the errors (none when the request is good).</returns>
    public static async Task<(List<CustomerEvent> Events, List<string> Errors)> ReadAsync(Stream body, int max, CancellationToken cancellationToken)
    {
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(body, new JsonDocumentOptions { MaxDepth = 8 }, cancellationToken);
        }
        catch (JsonException ex)
        {
            return ([], [$"the body is not JSON (line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1}): {ex.Message}"]);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Array)
            {
                return ([], ["the body must be a JSON array of events"]);
            }

            if (root.GetArrayLength() > max)
            {
                return ([], [$"{root.GetArrayLength():N0} events in one request; the most is {max:N0}"]);
            }

            var events = new List<CustomerEvent>();
            var errors = new List<string>();
            var i = 0;
            foreach (var e in root.EnumerateArray())
            {
                if (Read(e) is { } problem)
                {
                    errors.Add($"event {i}: {problem}");
                }

                i++;
            }

            return (events, errors);

            string? Read(JsonElement e)
            {
                if (e.ValueKind != JsonValueKind.Object)
                {
                    return "not an object";
                }

                var id = Text(e, "customerId");
                if (string.IsNullOrWhiteSpace(id))
                {
                    return "customerId is missing";
                }

                if (Text(e, "timestamp") is not { } ts || !DateTimeOffset.TryParse(ts, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var timestamp) || !ts.Contains('-', StringComparison.Ordinal))
                {
                    return "timestamp is missing or not an ISO 8601 instant";
                }

                if (Text(e, "type") is not { Length: > 0 } type)
                {
                    return "type is missing";
                }

                decimal? amount = null;
                if (e.TryGetProperty("amount", out var a) && a.ValueKind != JsonValueKind.Null)
                {
                    if (a.ValueKind != JsonValueKind.Number || !a.TryGetDecimal(out var value))
                    {
                        return "amount is not a number";
                    }

                    amount = value;
                }

                events.Add(new CustomerEvent(id, timestamp.ToUniversalTime(), new CustomerEventType(type), amount, Text(e, "eventId")));
                return null;
            }
        }
    }

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
