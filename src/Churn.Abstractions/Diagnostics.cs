namespace Churn.Abstractions;

/// <summary>The ids of the <see cref="System.Diagnostics.CodeAnalysis.ExperimentalAttribute"/> diagnostics: API that is not settled yet (see docs/diagnostics.md).</summary>
public static class Diagnostics
{
    /// <summary>Segmentation (<c>ISegmenter</c>): settled by Churn.Segmentation; no longer used, kept so that suppressions still compile.</summary>
    public const string Segmentation = "CHURN0001";

    /// <summary>Alerts (<c>IAlertSink</c>, <c>ChurnAlert</c>): settled by Churn.Monitoring; no longer used, kept so that suppressions still compile.</summary>
    public const string Alerts = "CHURN0002";

    /// <summary>Interventions (<c>IInterventionPolicy</c>, <c>InterventionDecision</c>): set by the interventions package.</summary>
    public const string Interventions = "CHURN0003";

    /// <summary>Outcomes (<c>IOutcomeStore</c>, <c>InterventionOutcome</c>): set by the store and evaluation packages.</summary>
    public const string Outcomes = "CHURN0004";
}
