using Churn.Abstractions;
using Microsoft.Extensions.Options;

namespace Churn.Value;

/// <summary>Which figure <see cref="HistoricalValueCalculator"/> reports as <see cref="CustomerValue.Historical"/>.</summary>
public enum HistoricalValueBasis
{
    /// <summary>Total revenue.</summary>
    Revenue = 0,

    /// <summary>Revenue minus cost.</summary>
    Margin,

    /// <summary>Margin per 365 days of tenure, so that old and new customers compare.</summary>
    MarginPerYear,
}

/// <summary>Options of the <see cref="HistoricalValueCalculator"/>.</summary>
public sealed class HistoricalValueOptions
{
    /// <summary>Gets or sets the cost as a share of revenue, used for purchases without their own cost.</summary>
    /// <value>The default is 0 (margin equals revenue).</value>
    public decimal CostRatio { get; set; }

    /// <summary>Gets or sets which figure is reported as the customer's value.</summary>
    /// <value>The default is <see cref="HistoricalValueBasis.Margin"/>.</value>
    public HistoricalValueBasis Basis { get; set; } = HistoricalValueBasis.Margin;

    /// <summary>Gets or sets the currency code reported with values.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public string? Currency { get; set; }
}

/// <summary>The rules of <see cref="HistoricalValueOptions"/>.</summary>
internal sealed class HistoricalValueOptionsRules : IValidateOptions<HistoricalValueOptions>
{
    public ValidateOptionsResult Validate(string? name, HistoricalValueOptions options)
    {
        var b = new ValidateOptionsResultBuilder();
        if (options.CostRatio < 0)
        {
            b.AddError($"the cost ratio is a non-negative share of revenue; it is {options.CostRatio}", nameof(options.CostRatio));
        }

        if (!Enum.IsDefined(options.Basis))
        {
            b.AddError($"'{options.Basis}' is not a value basis", nameof(options.Basis));
        }

        if (options.Currency is { } c && (c.Length != 3 || !c.All(char.IsAsciiLetterUpper)))
        {
            b.AddError($"'{c}' is not an ISO 4217 code such as EUR or USD", nameof(options.Currency));
        }

        return b.Build();
    }
}

/// <summary>A customer's realised value up to an instant.</summary>
/// <param name="Revenue">Total purchase amounts.</param>
/// <param name="Cost">Total cost (per-purchase <c>cost</c> attribute, else revenue × cost ratio).</param>
/// <param name="Purchases">Number of purchases.</param>
/// <param name="AverageOrderValue">Revenue per purchase (0 without purchases).</param>
/// <param name="PurchasesPerMonth">Purchases per 30.4375 days of tenure.</param>
/// <param name="TenureDays">Days from signup (or first event) to the instant.</param>
public sealed record HistoricalValue(decimal Revenue, decimal Cost, int Purchases, decimal AverageOrderValue, double PurchasesPerMonth, double TenureDays)
{
    /// <summary>Gets revenue minus cost.</summary>
    public decimal Margin => Revenue - Cost;

    /// <summary>Gets the margin per 365 days of tenure (the margin itself for tenure under a day).</summary>
    public decimal MarginPerYear => TenureDays >= 1 ? Margin * 365m / (decimal)TenureDays : Margin;
}

/// <summary>
/// The default <see cref="ICustomerValueCalculator"/>: revenue, cost, margin, average order value,
/// purchase frequency and tenure-normalised value from a customer's purchase events. Money is
/// summed in <see langword="decimal"/> inside <c>checked</c> blocks. A CRM with its own formula
/// registers its own <see cref="ICustomerValueCalculator"/> instead.
/// </summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class HistoricalValueCalculator : ICustomerValueCalculator
{
    private readonly HistoricalValueOptions _options;

    /// <summary>Initializes a new instance of the <see cref="HistoricalValueCalculator"/> class.</summary>
    /// <param name="options">Cost ratio, basis and currency.</param>
    public HistoricalValueCalculator(IOptions<HistoricalValueOptions> options)
        : this(options?.Value)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="HistoricalValueCalculator"/> class.</summary>
    /// <param name="options">Cost ratio, basis and currency; defaults when null.</param>
    /// <exception cref="ArgumentException">The options are invalid (a negative cost ratio, say).</exception>
    public HistoricalValueCalculator(HistoricalValueOptions? options = null)
    {
        _options = Churn.Shared.OptionsCheck.ThrowIfInvalid(options ?? new HistoricalValueOptions(), new HistoricalValueOptionsRules());
    }

    /// <summary>Computes the detailed historical value.</summary>
    /// <param name="profile">The customer.</param>
    /// <param name="events">The customer's events; those after <paramref name="asOf"/> are ignored.</param>
    /// <param name="asOf">The instant.</param>
    /// <returns>The value.</returns>
    public HistoricalValue Compute(CustomerProfile profile, IReadOnlyList<CustomerEvent> events, DateTimeOffset asOf)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(events);
        decimal revenue = 0, cost = 0;
        var purchases = 0;
        DateTimeOffset? first = profile.SignupDate;
        foreach (var e in events)
        {
            if (e.Timestamp > asOf)
            {
                continue;
            }

            if (first is null || e.Timestamp < first)
            {
                first = e.Timestamp;
            }

            if (e.Type != CustomerEventType.Purchase || e.Amount is not { } amount)
            {
                continue;
            }

            var own = e.Attributes is { } a && a.TryGetValue("cost", out var c)
                && decimal.TryParse(c, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var parsed)
                ? parsed
                : amount * _options.CostRatio;
            checked
            {
                revenue += amount;
                cost += own;
                purchases++;
            }
        }

        var tenure = first is { } f && f <= asOf ? (asOf - f).TotalDays : 0;
        return new HistoricalValue(
            revenue,
            cost,
            purchases,
            purchases > 0 ? revenue / purchases : 0,
            tenure > 0 ? purchases / (tenure / (365.25 / 12)) : 0,
            tenure);
    }

    /// <summary>Computes the historical value from purchase totals (when costs come only from the cost ratio).</summary>
    /// <param name="revenue">The total of the purchases up to the instant.</param>
    /// <param name="purchases">How many purchases.</param>
    /// <param name="tenureDays">Days from the first event or signup to the instant.</param>
    /// <returns>The value.</returns>
    public HistoricalValue FromTotals(decimal revenue, int purchases, double tenureDays)
    {
        var cost = revenue * _options.CostRatio;
        return new HistoricalValue(
            revenue,
            cost,
            purchases,
            purchases > 0 ? revenue / purchases : 0,
            tenureDays > 0 ? purchases / (tenureDays / (365.25 / 12)) : 0,
            Math.Max(0, tenureDays));
    }

    /// <inheritdoc />
    public CustomerValue Calculate(CustomerProfile profile, IReadOnlyList<CustomerEvent> events, DateTimeOffset asOf) => Calculate(Compute(profile, events, asOf));

    /// <summary>The value the options' basis takes from a detailed historical value.</summary>
    /// <param name="v">The detailed value.</param>
    /// <returns>The value.</returns>
    public CustomerValue Calculate(HistoricalValue v)
    {
        ArgumentNullException.ThrowIfNull(v);
        var figure = _options.Basis switch
        {
            HistoricalValueBasis.Revenue => v.Revenue,
            HistoricalValueBasis.MarginPerYear => v.MarginPerYear,
            _ => v.Margin,
        };
        return new CustomerValue(figure, null, _options.Currency);
    }
}
