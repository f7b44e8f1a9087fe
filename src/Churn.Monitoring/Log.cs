using Microsoft.Extensions.Logging;

namespace Churn.Monitoring;

/// <summary>The monitor's log messages (no customer data unless the options ask for it).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Churn alert: {Level} (was {Previous}){Customer}.")]
    public static partial void AlertRaised(ILogger logger, string level, string previous, string customer);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "An alert sink ({Sink}) failed.")]
    public static partial void SinkFailed(ILogger logger, Exception exception, string sink);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "Reassessing the monitored customers failed.")]
    public static partial void ReassessFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Churn alert to {Owner}: {Level} (was {Previous}), segment {Segment}, critical symptom {Symptom}{Customer}.")]
    public static partial void AlertSent(ILogger logger, string level, string previous, string owner, string segment, string symptom, string customer);
}
