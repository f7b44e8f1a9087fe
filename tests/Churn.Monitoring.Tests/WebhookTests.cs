using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Churn.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Churn.Monitoring.Tests;

public sealed class WebhookTests
{
    private const string Secret = "a-shared-secret-of-32-characters";

    private static ChurnAlert Alert(string id = "c1") => new(
        new RiskAssessment(id, new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero), new ChurnProbability(0.42), RiskLevel.High)
        {
            LevelReason = "probability 0.42 is at least the high cut-off 0.30",
            Reasons = [new RiskReason("logins_30d", 0, 0.2, "no login in the last 30 days: raises the churn risk by 20 points")],
            Owner = "am-07",
        },
        "am-07",
        new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero),
        "churn risk rose from medium to high");

    /// <summary>A local HTTP server that answers each request with the next status (after an optional delay) and keeps what it received.</summary>
    private sealed class Server : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Queue<(HttpStatusCode Status, TimeSpan Delay)> _answers;
        private readonly Task _loop;

        public Server(params (HttpStatusCode, TimeSpan)[] answers)
        {
            _answers = new(answers);
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            Uri = new Uri($"http://127.0.0.1:{port}/alerts/");
            _listener.Prefixes.Add(Uri.ToString());
            _listener.Start();
            _loop = Task.Run(Loop);
        }

        public Uri Uri { get; }

        public List<(string? Timestamp, string? Signature, byte[] Body)> Received { get; } = [];

        public void Dispose()
        {
            _listener.Close();
            try
            {
                _loop.Wait(TimeSpan.FromSeconds(5));
            }
            catch (AggregateException)
            {
            }
        }

        private async Task Loop()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                (HttpStatusCode Status, TimeSpan Delay) answer;
                lock (Received)
                {
                    Received.Add((context.Request.Headers[WebhookAlertSink.TimestampHeader], context.Request.Headers[WebhookAlertSink.SignatureHeader], body.ToArray()));
                    answer = _answers.Count > 0 ? _answers.Dequeue() : (HttpStatusCode.OK, TimeSpan.Zero);
                }

                _ = Task.Run(async () =>
                {
                    await Task.Delay(answer.Delay);
                    context.Response.StatusCode = (int)answer.Status;
                    try
                    {
                        context.Response.Close();
                    }
                    catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
                    {
                    }
                });
            }
        }
    }

    /// <summary>The sink as registered (the resilience handler runs on real time); with a clock of its own for the signature's timestamp when given.</summary>
    private static IAlertSink Sink(Uri endpoint, int retries = 2, TimeProvider? signatureClock = null)
    {
        var services = new ServiceCollection();
        void Configure(WebhookOptions o) => (o.Endpoint, o.Secret, o.AttemptTimeout, o.MaxRetries, o.RetryDelay) = (endpoint, Secret, TimeSpan.FromMilliseconds(1500), retries, TimeSpan.FromMilliseconds(20));
        services.AddChurn(churn => churn.AddWebhookAlerts(Configure));
        var provider = services.BuildServiceProvider();
        if (signatureClock is null)
        {
            return provider.GetServices<IAlertSink>().OfType<WebhookAlertSink>().Single();
        }

        var options = new WebhookOptions();
        Configure(options);
        return new WebhookAlertSink(provider.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(WebhookAlertSink)), options, signatureClock);
    }

    [Fact]
    public async Task AnAlert_IsPostedSigned_RetriedThroughFailuresAndTimeouts_AndTheReceiverCanVerifyIt()
    {
        using var server = new Server((HttpStatusCode.ServiceUnavailable, TimeSpan.Zero), (HttpStatusCode.OK, TimeSpan.FromSeconds(4)), (HttpStatusCode.OK, TimeSpan.Zero));
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));

        await Sink(server.Uri, signatureClock: clock).SendAsync(Alert(), TestContext.Current.CancellationToken);

        // A 503, then an attempt that timed out, then success: three posts of the same signed body.
        Assert.Equal(3, server.Received.Count);
        var (timestamp, signature, body) = server.Received[^1];
        Assert.Equal(clock.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), timestamp);
        Assert.True(WebhookAlertSink.Verify(Secret, timestamp!, body, signature!, clock.GetUtcNow()));
        Assert.False(WebhookAlertSink.Verify("another-secret-of-32-characters!", timestamp!, body, signature!, clock.GetUtcNow()));
        Assert.False(WebhookAlertSink.Verify(Secret, timestamp!, [.. body, (byte)' '], signature!, clock.GetUtcNow()));
        Assert.False(WebhookAlertSink.Verify(Secret, timestamp!, body, signature!, clock.GetUtcNow().AddMinutes(6)));
        using var json = JsonDocument.Parse(body);
        Assert.Equal("c1", json.RootElement.GetProperty("customerId").GetString());
        Assert.Equal("high", json.RootElement.GetProperty("level").GetString());
        Assert.Equal("am-07", json.RootElement.GetProperty("owner").GetString());
        Assert.Single(json.RootElement.GetProperty("reasons").EnumerateArray());
    }

    [Fact]
    public async Task AnEndpointThatKeepsFailing_FailsTheSend_AfterTheRetries_AndTheMonitorGoesOn()
    {
        using var server = new Server([.. Enumerable.Repeat((HttpStatusCode.InternalServerError, TimeSpan.Zero), 10)]);
        var sink = Sink(server.Uri, retries: 2);

        await Assert.ThrowsAsync<HttpRequestException>(() => sink.SendAsync(Alert(), TestContext.Current.CancellationToken).AsTask());
        Assert.Equal(3, server.Received.Count);
        Assert.Throws<ArgumentException>(() => new WebhookAlertSink(new HttpClient(), new WebhookOptions { Endpoint = server.Uri, Secret = "short" }));
    }
}
