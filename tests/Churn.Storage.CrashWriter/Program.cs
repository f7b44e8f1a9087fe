using System.Globalization;
using Churn.Abstractions;
using Churn.Storage.Sqlite;

// The crash test's writer: batch after batch, each one acknowledged on standard output ("ack N") only once the store has returned
// from every write of the batch. It resumes after the batch its checkpoint names, so a batch cut short is written again (idempotently).
// Usage: Churn.Storage.CrashWriter <database> <events per batch>
if (args.Length != 2)
{
    Console.Error.WriteLine("usage: Churn.Storage.CrashWriter <database> <events per batch>");
    return 2;
}

var perBatch = int.Parse(args[1], CultureInfo.InvariantCulture);
var epoch = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
using var store = SqliteChurnStore.Open(args[0]);
var checkpoint = await store.GetCheckpointAsync("writer");
var batch = checkpoint is null ? 1 : checkpoint.Position + 1;
Console.Out.WriteLine("start " + batch.ToString(CultureInfo.InvariantCulture));
Console.Out.Flush();
// Bounded, so that a writer whose parent died cannot fill the disk.
var last = batch + 5000;
while (batch < last)
{
    var events = new CustomerEvent[perBatch];
    for (var i = 0; i < perBatch; i++)
    {
        events[i] = new CustomerEvent("c" + (i % 97).ToString(CultureInfo.InvariantCulture), epoch.AddSeconds(batch * perBatch + i), CustomerEventType.Purchase, 1.5m + i, $"{batch}-{i}");
    }

    await store.AppendEventsAsync(events);
    var assessments = new RiskAssessment[10];
    for (var i = 0; i < assessments.Length; i++)
    {
        assessments[i] = new RiskAssessment("c" + i.ToString(CultureInfo.InvariantCulture), epoch.AddMinutes(batch), 0.5, RiskLevel.High) { LevelReason = "batch " + batch.ToString(CultureInfo.InvariantCulture) };
    }

    await store.UpsertAssessmentsAsync(assessments);
    await store.SaveCheckpointsAsync([new StoreCheckpoint("writer", batch, BitConverter.GetBytes(batch), epoch.AddMinutes(batch))]);
    Console.Out.WriteLine("ack " + batch.ToString(CultureInfo.InvariantCulture));
    Console.Out.Flush();
    batch++;
}

return 0;
