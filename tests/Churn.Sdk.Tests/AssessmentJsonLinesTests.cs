using Churn.Abstractions;
using FsCheck;
using FsCheck.Fluent;

namespace Churn.Sdk.Tests;

public class AssessmentJsonLinesTests
{
    private static readonly Gen<RiskAssessment> Assessment =
        from id in Gen.Elements("c1", "Ülker, \"A\"", "x\ny", "42")
        from minutes in Gen.Choose(0, 500_000)
        from p in Gen.Choose(-1, 1_000_000)
        from level in Gen.Elements(Enum.GetValues<RiskLevel>())
        from reasons in Gen.ArrayOf(Gen.Zip(Gen.Choose(-500_000, 500_000), Gen.Elements("tenure_days", "tickets_30d")))
        from symptoms in Gen.ArrayOf(Gen.Zip(Gen.Elements(SymptomSeverity.Critical, SymptomSeverity.Minor), Gen.Choose(0, 1000)))
        from cents in Gen.Choose(0, 10_000_000)
        from hasValue in Gen.Elements(true, false)
        from segment in Gen.Elements<string?>(null, "protect/email")
        select new RiskAssessment(id, Generators.Epoch.AddMinutes(minutes), p < 0 ? null : p / 1_000_000.0, level)
        {
            LevelReason = "because",
            Reasons = [.. reasons.Select(r => new RiskReason(r.Item2, r.Item1 % 7, r.Item1 / 1_000_000.0, "text " + r.Item2))],
            Symptoms = [.. symptoms.Select(s => new Symptom("rule-" + s.Item2, s.Item1, Generators.Epoch.AddMinutes(s.Item2), "why"))],
            Value = hasValue ? new CustomerValue(cents / 100m, cents / 50m) { PAlive = cents % 2 == 0 ? null : 0.5 } : null,
            Segment = segment,
            Owner = "am-01",
        };

    [Fact]
    public void WrittenThenRead_GivesTheSameAssessments()
    {
        Prop.ForAll(Gen.ArrayOf(Assessment).ToArbitrary(), assessments =>
        {
            using var stream = new MemoryStream();
            using (var writer = new AssessmentJsonLines.Writer(stream))
            {
                foreach (var a in assessments)
                {
                    writer.Write(a);
                }
            }

            var read = AssessmentJsonLines.Read(new MemoryStream(stream.ToArray()), "a.jsonl").ToArray();

            Assert.Equal(assessments.Length, read.Length);
            for (var i = 0; i < read.Length; i++)
            {
                Assert.Equal(Generators.Canonicalize(assessments[i]), Generators.Canonicalize(read[i]));
            }
        }).Check(FsCheck.Config.QuickThrowOnFailure.WithMaxTest(60));
    }

    [Fact]
    public void ADamagedLine_NamesTheFileAndLine()
    {
        var text = "\n{\"customerId\":\"c\",\"asOf\":\"2026-01-01T00:00:00Z\",\"probability\":0.1,\"level\":\"low\"}\n{\"customerId\":\"c\",\"asOf\":\"2026-01-01T00:00:00Z\",\"level\":\"sky-high\"}\n";

        var ex = Assert.Throws<AssessmentFileException>(() => AssessmentJsonLines.Read(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text)), "a.jsonl").ToList());

        Assert.Equal(("a.jsonl", 3L), (ex.Path, ex.Line));
        Assert.Contains("sky-high", ex.Message, StringComparison.Ordinal);
        Assert.Throws<FileNotFoundException>(() => AssessmentJsonLines.Read("/nonexistent/a.jsonl"));
    }
}
