using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Churn.Abstractions;
using Microsoft.Extensions.Options;

namespace Churn.Monitoring;

/// <summary>Options of the <see cref="WebhookAlertSink"/>.</summary>
public sealed class WebhookOptions
{
    /// <summary>Gets or sets where alerts are posted (JSON).</summary>
    [Required]
    public Uri? Endpoint { get; set; }

    /// <summary>Gets or sets the shared secret the body is signed with (HMAC-SHA256), so the receiver can check the sender; at least 16 characters.</summary>
    [Required]
    [MinLength(16)]
    public string Secret { get; set; } = string.Empty;

    /// <summary>Gets or sets the time allowed for one attempt.</summary>
    /// <value>The default is 10 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets how many times a failed post (a 5xx, a 408 or 429, a timeout, a broken connection) is retried, with exponential backoff and jitter.</summary>
    /// <value>The default is 3.</value>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 3;

    /// <summary>Gets or sets the first retry's delay (doubled on each later one).</summary>
    /// <value>The default is 2 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Gets or sets how long the circuit stays open (posts fail at once) after most posts in the sampling period failed.</summary>
    /// <value>The default is 30 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00")]
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);
}

[OptionsValidator]
internal sealed partial class WebhookOptionsValidator : IValidateOptions<WebhookOptions>
{
}

/// <summary>
/// Posts each alert as JSON to a webhook, signed: the header <c>X-Churn-Signature</c> holds
/// <c>sha256=</c> and the hex HMAC-SHA256, under the shared secret, of <c>{timestamp}.{body}</c>,
/// where the timestamp (Unix seconds, from the sink's <see cref="TimeProvider"/>) is in
/// <c>X-Churn-Timestamp</c>; <see cref="Verify"/> checks both on the receiving side. A response
/// other than 2xx is a failure (an <see cref="HttpRequestException"/>), which the resilience
/// handler registered by <c>AddWebhookAlerts</c> retries, times out and breaks on.
/// </summary>
/// <remarks>The body carries what the owner needs to act (customer id, level, probability, reasons, owner, segment, value): a webhook is meant to receive customer data, so send it only to endpoints you control, over HTTPS.</remarks>
public sealed class WebhookAlertSink : IAlertSink
{
    /// <summary>The signature header.</summary>
    public const string SignatureHeader = "X-Churn-Signature";

    /// <summary>The timestamp header.</summary>
    public const string TimestampHeader = "X-Churn-Timestamp";

    private readonly HttpClient _client;
    private readonly WebhookOptions _options;
    private readonly TimeProvider _time;

    /// <summary>Initializes a new instance of the <see cref="WebhookAlertSink"/> class.</summary>
    /// <param name="client">The client (with the resilience handler when built by <c>AddWebhookAlerts</c>).</param>
    /// <param name="options">The endpoint, secret and resilience settings.</param>
    /// <param name="timeProvider">The clock of the signature's timestamp; the system clock when null.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public WebhookAlertSink(HttpClient client, WebhookOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _options = Churn.Shared.OptionsCheck.ThrowIfInvalid(options, new WebhookOptionsValidator());
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Checks a webhook request on the receiving side: the signature matches the body and timestamp under the secret, and the timestamp is recent.</summary>
    /// <param name="secret">The shared secret.</param>
    /// <param name="timestamp">The <see cref="TimestampHeader"/> value.</param>
    /// <param name="body">The raw body.</param>
    /// <param name="signature">The <see cref="SignatureHeader"/> value.</param>
    /// <param name="now">The receiver's clock.</param>
    /// <param name="tolerance">How old a request may be (replays older than it are refused); 5 minutes when null.</param>
    /// <returns><see langword="true"/> when the request is authentic and fresh.</returns>
    public static bool Verify(string secret, string timestamp, ReadOnlySpan<byte> body, string signature, DateTimeOffset now, TimeSpan? tolerance = null)
    {
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentNullException.ThrowIfNull(timestamp);
        ArgumentNullException.ThrowIfNull(signature);
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || Math.Abs(now.ToUnixTimeSeconds() - seconds) > (tolerance ?? TimeSpan.FromMinutes(5)).TotalSeconds)
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Sign(secret, timestamp, body));
        var given = Encoding.ASCII.GetBytes(signature);
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }

    /// <inheritdoc />
    public async ValueTask SendAsync(ChurnAlert alert, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var body = Body(alert);
        var timestamp = _time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, _options.Endpoint) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(TimestampHeader, timestamp);
        request.Headers.Add(SignatureHeader, Sign(_options.Secret, timestamp, body));
        using var response = await _client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"The webhook answered {(int)response.StatusCode} {response.ReasonPhrase}.", null, response.StatusCode);
        }
    }

    private static string Sign(string secret, string timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(timestamp + ".");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message));
    }

    private static byte[] Body(ChurnAlert alert)
    {
        var a = alert.Assessment;
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("customerId", a.CustomerId.Value);
            json.WriteString("raisedAt", alert.RaisedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            json.WriteString("level", RiskLevelPolicy.Name(a.Level));
            json.WriteString("previousLevel", alert.PreviousLevel is { } was ? RiskLevelPolicy.Name(was) : null);
            json.WriteString("suggestedPlaybook", alert.SuggestedPlaybook);
            json.WriteString("symptom", alert.Symptom);
            if (a.Probability is { } p)
            {
                json.WriteNumber("probability", p.Value);
            }

            json.WriteString("owner", alert.Owner);
            json.WriteString("segment", a.Segment);
            json.WriteString("message", alert.Message);
            if (a.Value is { } v)
            {
                json.WriteNumber("historicalValue", v.Historical);
            }

            json.WriteStartArray("reasons");
            foreach (var r in a.Reasons)
            {
                json.WriteStringValue(r.Text);
            }

            json.WriteEndArray();
            json.WriteStartArray("symptoms");
            foreach (var s in a.Symptoms)
            {
                json.WriteStringValue(s.RuleId);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
