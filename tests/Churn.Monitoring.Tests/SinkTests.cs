using Churn.Abstractions;
using Microsoft.Extensions.Logging;

namespace Churn.Monitoring.Tests;

public sealed class SinkTests
{
    private static readonly DateTimeOffset At = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task TheLoggingSink_WritesTheAlert_WithoutTheCustomer_UnlessAsked()
    {
        var alert = new ChurnAlert(new RiskAssessment("cust-4711", At, 0.42, RiskLevel.High) { Segment = "gold", Reasons = [new RiskReason("spend_30d", 12.5, 0.2, "spent 12.5 in 30 days")] }, "am-2", At, "rose")
        {
            PreviousLevel = RiskLevel.Low,
            Symptom = "payment_trouble",
        };
        var quiet = new Capture();
        await new LoggingAlertSink(quiet).SendAsync(alert, TestContext.Current.CancellationToken);
        var told = new Capture();
        await new LoggingAlertSink(told, logCustomerIds: true).SendAsync(alert, TestContext.Current.CancellationToken);

        var line = Assert.Single(quiet.Lines);
        Assert.Equal("Churn alert to am-2: high (was low), segment gold, critical symptom payment_trouble.", line);
        Assert.DoesNotContain("cust-4711", line, StringComparison.Ordinal);
        Assert.DoesNotContain("12.5", line, StringComparison.Ordinal);
        Assert.Contains("for customer cust-4711", Assert.Single(told.Lines), StringComparison.Ordinal);
        Assert.Equal(LogLevel.Warning, Assert.Single(quiet.Levels));
    }

    private sealed class Capture : ILogger<LoggingAlertSink>
    {
        public List<string> Lines { get; } = [];

        public List<LogLevel> Levels { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            Lines.Add(formatter(state, exception));
            Levels.Add(logLevel);
        }
    }
}
