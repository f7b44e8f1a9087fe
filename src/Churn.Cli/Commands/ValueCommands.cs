using System.CommandLine;
using System.Globalization;
using Churn.Data;
using Churn.Reports;
using Churn.Value;

namespace Churn.Cli.Commands;

/// <summary><c>churn value fit</c> and <c>churn value score</c>.</summary>
internal static class ValueCommands
{
    public static Command Build(TextWriter output, TextWriter error)
    {
        var value = new Command("value", "Customer value: BG/NBD, Pareto/NBD and Gamma-Gamma fits, P(alive), expected purchases and CLV.");
        value.Subcommands.Add(Fit(output, error));
        value.Subcommands.Add(Score(output, error));
        return value;
    }

    private static Command Fit(TextWriter output, TextWriter error)
    {
        var inputs = new TransactionInputs();
        var pareto = new Option<bool>("--pareto") { Description = "Also fit the Pareto/NBD model (slower on large bases)." };
        var reportOption = ReportOutput.Option("the tracking plot (actual against BG/NBD, calibration and holdout), holdout purchases by calibration frequency, P(alive), the CLV distribution and the parameters");
        var format = Formats.Option();
        var command = new Command("fit", "Fit BG/NBD and Gamma-Gamma (and optionally Pareto/NBD) to a transactions CSV by maximum likelihood and print the parameters, standard errors, log-likelihoods and diagnostics.");
        inputs.AddTo(command);
        command.Options.Add(pareto);
        command.Options.Add(reportOption);
        command.Options.Add(format);
        command.SetAction(async (parse, ct) =>
        {
            var json = Formats.IsJson(parse, format);
            var loaded = await inputs.LoadAsync(parse, output, error, json, ct).ConfigureAwait(false);
            if (loaded.Exit is { } exit)
            {
                return exit;
            }

            var (summary, report) = (loaded.Summary!, loaded.Report!);
            BgNbdFit bg;
            try
            {
                bg = TerminalProgress.Status(TerminalProgress.Enabled(output, json), "Fitting BG/NBD", _ => BgNbdModel.Fit(RepeatPurchaseData.From(summary.Customers), cancellationToken: ct));
            }
            catch (Exception ex) when (ex is ModelFitException or ArgumentException)
            {
                return DataCommands.Fatal(output, error, json, ex.Message, report);
            }

            object? gg;
            string? ggError = null;
            GammaGammaFit? ggFit = null;
            try
            {
                ggFit = GammaGammaModel.Fit(summary.Customers, cancellationToken: ct);
                gg = new
                {
                    p = ggFit.Model.Parameters.P,
                    q = ggFit.Model.Parameters.Q,
                    gamma = ggFit.Model.Parameters.Gamma,
                    logLikelihood = ggFit.LogLikelihood,
                    standardErrors = new { p = ggFit.StandardErrors.P, q = ggFit.StandardErrors.Q, gamma = ggFit.StandardErrors.Gamma },
                    customers = ggFit.Customers,
                    excludedNonPositive = ggFit.ExcludedNonPositive,
                    frequencySpendCorrelation = ggFit.FrequencySpendCorrelation,
                    independenceAssumptionHolds = ggFit.IndependenceAssumptionHolds,
                    populationMeanValue = ggFit.Model.PopulationMeanValue,
                    diagnostics = ggFit.Diagnostics,
                };
            }
            catch (ModelFitException ex)
            {
                ggError = ex.Message;
                gg = new { error = ex.Message };
            }

            ParetoNbdFit? pf = null;
            string? paretoError = null;
            if (parse.GetValue(pareto))
            {
                try
                {
                    pf = ParetoNbdModel.Fit(RepeatPurchaseData.From(summary.Customers), cancellationToken: ct);
                }
                catch (ModelFitException ex)
                {
                    paretoError = ex.Message;
                }
            }

            string? reportPath = null;
            if (parse.GetValue(reportOption) is { } reportDir)
            {
                try
                {
                    var reportData = new ValueReportData(inputs.Loaded, summary, inputs.Period.CalibrationEnd, bg)
                    {
                        ObservationEnd = inputs.Period.ObservationEnd,
                        SpendModel = ggFit,
                        Clv = ggFit is null ? null : new ClvCalculator(bg.Model, ggFit.Model),
                    };
                    reportPath = ReportOutput.Save(ValueReport.Create(reportData, ct), reportDir, "value-report.html", ct);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    return DataCommands.Fatal(output, error, json, $"--report '{reportDir}': {ex.Message}", report);
                }
            }

            var p = bg.Model.Parameters;
            if (json)
            {
                Json.Write(output, new
                {
                    customers = summary.Customers.Count,
                    report = reportPath,
                    timeUnit = summary.Unit.ToString().ToLowerInvariant(),
                    repeatBuyers = summary.Customers.Count(c => c.Frequency > 0),
                    bgnbd = new
                    {
                        r = p.R,
                        alpha = p.Alpha,
                        a = p.A,
                        b = p.B,
                        logLikelihood = bg.LogLikelihood,
                        standardErrors = new { r = bg.StandardErrors.R, alpha = bg.StandardErrors.Alpha, a = bg.StandardErrors.A, b = bg.StandardErrors.B },
                        diagnostics = bg.Diagnostics,
                    },
                    gammaGamma = gg,
                    paretoNbd = pf is null
                        ? (object?)(paretoError is null ? null : new { error = paretoError })
                        : new
                        {
                            r = pf.Model.Parameters.R,
                            alpha = pf.Model.Parameters.Alpha,
                            s = pf.Model.Parameters.S,
                            beta = pf.Model.Parameters.Beta,
                            logLikelihood = pf.LogLikelihood,
                            standardErrors = new { r = pf.StandardErrors.R, alpha = pf.StandardErrors.Alpha, s = pf.StandardErrors.S, beta = pf.StandardErrors.Beta },
                            diagnostics = pf.Diagnostics,
                        },
                    transactions = new { read = report.Read, accepted = report.Accepted, rejected = report.Rejected, mergedSameDay = summary.MergedSameDay, afterObservationEnd = summary.AfterObservationEnd, purchases = inputs.Loaded.Count, notPurchases = inputs.Skipped.NotPurchases, purchasesWithoutAmount = inputs.Skipped.WithoutAmount },
                });
            }
            else
            {
                FeaturesCommands.WriteIngestSummary(error, parse.GetValue(inputs.Transactions)!, report);
                if (inputs.Skipped.NotPurchases + inputs.Skipped.WithoutAmount > 0)
                {
                    output.WriteLine($"{inputs.Loaded.Count:N0} purchases; left out {inputs.Skipped.NotPurchases:N0} other events and {inputs.Skipped.WithoutAmount:N0} purchases without an amount.");
                }

                output.WriteLine($"{summary.Customers.Count:N0} customers, {summary.Customers.Count(c => c.Frequency > 0):N0} repeat buyers; time unit: {summary.Unit.ToString().ToLowerInvariant()}.");
                output.WriteLine($"BG/NBD       r = {p.R:G5} (±{bg.StandardErrors.R:G2})  alpha = {p.Alpha:G5} (±{bg.StandardErrors.Alpha:G2})  a = {p.A:G5} (±{bg.StandardErrors.A:G2})  b = {p.B:G5} (±{bg.StandardErrors.B:G2})  LL = {bg.LogLikelihood:F2}  [{bg.Diagnostics.Message}, {bg.Diagnostics.Iterations} iterations]");
                if (pf is not null)
                {
                    var q = pf.Model.Parameters;
                    output.WriteLine($"Pareto/NBD   r = {q.R:G5}  alpha = {q.Alpha:G5}  s = {q.S:G5}  beta = {q.Beta:G5}  LL = {pf.LogLikelihood:F2}  [{pf.Diagnostics.Message}]");
                }
                else if (paretoError is not null)
                {
                    output.WriteLine($"Pareto/NBD   not fitted: {paretoError}");
                }

                if (ggFit is not null)
                {
                    var g = ggFit.Model.Parameters;
                    output.WriteLine($"Gamma-Gamma  p = {g.P:G5}  q = {g.Q:G5}  gamma = {g.Gamma:G5}  LL = {ggFit.LogLikelihood:F2}  ({ggFit.Customers:N0} repeat buyers, {ggFit.ExcludedNonPositive} left out for spend <= 0; corr(x, spend) = {ggFit.FrequencySpendCorrelation:F3}{(ggFit.IndependenceAssumptionHolds ? string.Empty : " - too high: the model assumes independence")})");
                }
                else
                {
                    output.WriteLine($"Gamma-Gamma  not fitted: {ggError}");
                }

                if (reportPath is not null)
                {
                    output.WriteLine($"Report: {reportPath}");
                }
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Score(TextWriter output, TextWriter error)
    {
        var inputs = new TransactionInputs();
        var horizon = new Option<int>("--horizon") { Description = "Number of periods in the CLV horizon.", DefaultValueFactory = _ => 12 };
        var periodLength = new Option<double>("--period-length") { Description = "Length of one period in the time unit (for monthly periods with --time-unit weeks: 4.348).", DefaultValueFactory = _ => 1 };
        var discount = new Option<double>("--discount-rate") { Description = "Discount rate per period.", DefaultValueFactory = _ => 0.01 };
        var margin = new Option<double>("--margin") { Description = "Share of revenue that is profit (0..1).", DefaultValueFactory = _ => 1 };
        var outFile = new Option<string>("--out") { Description = "The per-customer CSV to write.", Required = true };
        var format = Formats.Option();
        var command = new Command("score", "Fit the models, then write per-customer P(alive), expected purchases over the horizon, expected value per purchase and discounted CLV as CSV.");
        inputs.AddTo(command);
        foreach (var o in new Option[] { horizon, periodLength, discount, margin, outFile, format })
        {
            command.Options.Add(o);
        }

        command.SetAction(async (parse, ct) =>
        {
            var json = Formats.IsJson(parse, format);
            var loaded = await inputs.LoadAsync(parse, output, error, json, ct).ConfigureAwait(false);
            if (loaded.Exit is { } exit)
            {
                return exit;
            }

            var (summary, report) = (loaded.Summary!, loaded.Report!);
            ClvCalculator calculator;
            try
            {
                var bg = BgNbdModel.Fit(RepeatPurchaseData.From(summary.Customers), cancellationToken: ct);
                var gg = GammaGammaModel.Fit(summary.Customers, cancellationToken: ct);
                calculator = new ClvCalculator(bg.Model, gg.Model, new ClvOptions
                {
                    Periods = parse.GetValue(horizon),
                    PeriodLength = parse.GetValue(periodLength),
                    DiscountRate = parse.GetValue(discount),
                    Margin = parse.GetValue(margin),
                });
            }
            catch (Exception ex) when (ex is ModelFitException or ArgumentException)
            {
                return DataCommands.Fatal(output, error, json, ex.Message, report);
            }

            FeaturesCommands.WriteIngestSummary(error, parse.GetValue(inputs.Transactions)!, report);
            var predictions = calculator.PredictAll(summary.Customers, ct);
            var outPath = parse.GetValue(outFile)!;
            AtomicFile.Write(outPath, stream =>
            {
                using var w = new StreamWriter(stream, new System.Text.UTF8Encoding(false), 1 << 16);
                w.Write("customer_id,frequency,recency,T,monetary_value,p_alive,expected_purchases,expected_average_value,clv\n");
                foreach (var p in predictions)
                {
                    var s = p.Summary;
                    w.Write(string.Create(CultureInfo.InvariantCulture, $"{CsvField.Quote(s.CustomerId.Value)},{s.Frequency},{s.Recency:R},{s.T:R},{s.MonetaryValue:R},{p.ProbabilityAlive:R},{p.ExpectedPurchases:R},{p.ExpectedAverageValue:R},{p.Clv:R}\n"));
                }
            });

            var total = predictions.Sum(p => p.Clv);
            if (json)
            {
                Json.Write(output, new { customers = predictions.Count, totalClv = total, meanProbabilityAlive = predictions.Count == 0 ? 0 : predictions.Average(p => p.ProbabilityAlive), @out = outPath });
            }
            else
            {
                output.WriteLine($"Scored {predictions.Count:N0} customers: total CLV {total:N2} over {parse.GetValue(horizon)} periods; wrote {outPath}.");
            }

            return ExitCodes.Ok;
        });
        return command;
    }


    /// <summary>The transactions file and its mapping, shared by fit and score.</summary>
    private sealed class TransactionInputs
    {
        public TransactionInputs() => DateFormats.Check(DateFormat);

        public Option<string> Transactions { get; } = new("--transactions") { Description = "The transactions CSV: one row per purchase.", Required = true };

        public Option<string> Customer { get; } = new("--customer-column") { Description = "Column holding the customer id.", DefaultValueFactory = _ => "customer_id" };

        public Option<string> Date { get; } = new("--date-column") { Description = "Column holding the purchase date.", DefaultValueFactory = _ => "date" };

        public Option<string> Amount { get; } = new("--amount-column") { Description = "Column holding the purchase amount.", DefaultValueFactory = _ => "amount" };

        public Option<string?> DateFormat { get; } = new("--date-format") { Description = "Exact .NET date format such as yyyyMMdd (default: ISO 8601)." };

        public Option<char> Delimiter { get; } = Delimiters.Option();

        public Option<string?> Type { get; } = new("--type-column") { Description = "Column holding the event type, for an events file: only purchases count (default: 'type' when the header has it; 'none' reads every row as a purchase)." };

        public Option<string> CalibrationEnd { get; } = new("--calibration-end") { Description = "Last day of the calibration period; later purchases are holdout.", Required = true };

        public Option<string?> ObservationEnd { get; } = new("--observation-end") { Description = "Last day of the holdout period (optional)." };

        public Option<string> TimeUnit { get; } = new Option<string>("--time-unit") { Description = "Time unit of recency, T and horizons: days, weeks or months (explicit, never implied).", Required = true }
            .AcceptOnlyFromAmong("days", "weeks", "months");

        public void AddTo(Command command)
        {
            foreach (var o in new Option[] { Transactions, Customer, Date, Amount, DateFormat, Delimiter, Type, CalibrationEnd, ObservationEnd, TimeUnit })
            {
                command.Options.Add(o);
            }
        }

        /// <summary>Gets the transactions of the last <see cref="LoadAsync"/>.</summary>
        public IReadOnlyList<Transaction> Loaded { get; private set; } = [];

        /// <summary>Gets how many rows of the last <see cref="LoadAsync"/> were events other than purchases, and purchases without an amount (both left out).</summary>
        public (long NotPurchases, long WithoutAmount) Skipped { get; private set; }

        /// <summary>Gets the calibration end and observation end of the last <see cref="LoadAsync"/>.</summary>
        public (DateTimeOffset CalibrationEnd, DateTimeOffset? ObservationEnd) Period { get; private set; }

        public async Task<(int? Exit, SummaryResult? Summary, IngestReport? Report)> LoadAsync(ParseResult parse, TextWriter output, TextWriter error, bool json, CancellationToken ct)
        {
            var path = parse.GetValue(Transactions)!;
            if (!File.Exists(path))
            {
                return (DataCommands.Fatal(output, error, json, $"file '{path}' does not exist."), null, null);
            }

            if (!Dates.TryParse(parse.GetValue(CalibrationEnd), out var calibrationEnd))
            {
                return (DataCommands.Usage(output, error, json, $"--calibration-end '{parse.GetValue(CalibrationEnd)}' is not a date."), null, null);
            }

            DateTimeOffset? observationEnd = null;
            if (parse.GetValue(ObservationEnd) is { } o)
            {
                if (!Dates.TryParse(o, out var d))
                {
                    return (DataCommands.Usage(output, error, json, $"--observation-end '{o}' is not a date."), null, null);
                }

                observationEnd = d;
            }

            if (!TimeUnits.TryParse(parse.GetValue(TimeUnit), out var unit))
            {
                return (DataCommands.Usage(output, error, json, $"--time-unit '{parse.GetValue(TimeUnit)}' is not days, weeks or months."), null, null);
            }
            // An events file (with a type column) counts its purchases only; a transactions file is all purchases.
            var delimiter = parse.GetValue(Delimiter);
            var header = (File.ReadLines(path).FirstOrDefault() ?? string.Empty).Split(delimiter).Select(h => h.Trim().Trim('"')).ToArray();
            var typeColumn = parse.GetValue(Type) switch
            {
                "none" => null,
                { } named => named,
                null => header.Contains("type", StringComparer.Ordinal) ? "type" : null,
            };
            var options = new CsvEventReaderOptions
            {
                CustomerColumn = parse.GetValue(Customer)!,
                TimeColumn = parse.GetValue(Date)!,
                TypeColumn = typeColumn,
                AmountColumn = parse.GetValue(Amount)!,
                AmountColumnRequired = true,
                RequireAmount = typeColumn is null,
                EventIdColumn = null,
                TimeFormat = parse.GetValue(DateFormat),
                Delimiter = parse.GetValue(Delimiter),
            };
            var transactions = new List<Transaction>();
            IngestReport report;
            try
            {
                long notPurchases = 0, withoutAmount = 0;
                report = await DataCommands.ReadEventsAsync(path, options, 1000, TerminalProgress.Enabled(output, json), e =>
                {
                    if (e.Type != Churn.Abstractions.CustomerEventType.Purchase)
                    {
                        notPurchases++;
                    }
                    else if (e.Amount is not { } amount)
                    {
                        withoutAmount++;
                    }
                    else
                    {
                        transactions.Add(new Transaction(e.CustomerId, e.Timestamp, amount));
                    }
                }, ct).ConfigureAwait(false);
                Skipped = (notPurchases, withoutAmount);
                var summary = TransactionSummaryBuilder.Build(transactions, new SummaryOptions(unit, calibrationEnd) { ObservationEnd = observationEnd }, ct);
                (Loaded, Period) = (transactions, (calibrationEnd, observationEnd));
                return (null, summary, report);
            }
            catch (Exception ex) when (ex is IngestException or ArgumentException)
            {
                // The events reader names its own options; these commands call the date and format differently.
                var message = ex.Message.Replace("--time-column / TimeColumn", "--date-column", StringComparison.Ordinal).Replace("--time-format", "--date-format", StringComparison.Ordinal)
                    .Replace("--customer-column / CustomerColumn", "--customer-column", StringComparison.Ordinal).Replace("--amount-column / AmountColumn", "--amount-column", StringComparison.Ordinal);
                return (DataCommands.Fatal(output, error, json, message), null, null);
            }
        }
    }
}
