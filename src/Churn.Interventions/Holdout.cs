using System.Buffers;
using System.Buffers.Binary;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Churn.Abstractions;
using Microsoft.Extensions.Options;

namespace Churn.Interventions;

/// <summary>How often a playbook's holdout is drawn again.</summary>
public enum HoldoutPeriod
{
    /// <summary>Once: the same customers are held out for as long as the playbook runs.</summary>
    Never = 0,

    /// <summary>Every ISO week (<c>2026-W49</c>).</summary>
    Weekly,

    /// <summary>Every calendar month, UTC (<c>2026-12</c>).</summary>
    Monthly,

    /// <summary>Every calendar quarter, UTC (<c>2026-Q4</c>).</summary>
    Quarterly,
}

/// <summary>Options of the <see cref="Holdout"/>.</summary>
public sealed class HoldoutOptions
{
    /// <summary>Gets or sets the secret key of the draw (at least 16 characters): whoever knows it can tell who is held out, so keep it with the other secrets; a new key draws new customers.</summary>
    [Required]
    [MinLength(16)]
    public string Key { get; set; } = string.Empty;

    /// <summary>Gets or sets the share of customers held out of every playbook (never contacted, logged like the treated so the effect can be measured).</summary>
    /// <value>The default is 10 %.</value>
    [Range(0.0, 1.0)]
    public double Share { get; set; } = 0.1;

    /// <summary>Gets or sets how often the holdout is drawn again.</summary>
    /// <value>The default is <see cref="HoldoutPeriod.Never"/>.</value>
    public HoldoutPeriod Period { get; set; } = HoldoutPeriod.Never;
}

[OptionsValidator]
internal sealed partial class HoldoutOptionsValidator : IValidateOptions<HoldoutOptions>
{
}

/// <summary>
/// The randomised holdout of every playbook: a customer is held out of a playbook in a period when
/// HMAC-SHA256, keyed with the secret <see cref="HoldoutOptions.Key"/>, of
/// <c>customer \0 playbook \0 period</c> (UTF-8), read as a number in [0, 1), falls below the
/// share. The same customers are held out on every run and every machine (no seed, no state, no
/// clock); a customer's draws in two playbooks or two periods are independent; a larger share
/// holds out everyone a smaller one did.
/// </summary>
/// <remarks>Thread-safe.</remarks>
public sealed class Holdout
{
    private readonly byte[] _key;

    /// <summary>Initializes a new instance of the <see cref="Holdout"/> class.</summary>
    /// <param name="options">Key, share and period.</param>
    /// <exception cref="ArgumentException">The options are invalid (a key under 16 characters, a share outside [0, 1]).</exception>
    public Holdout(HoldoutOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = Churn.Shared.OptionsCheck.ThrowIfInvalid(options, new HoldoutOptionsValidator());
        _key = Encoding.UTF8.GetBytes(options.Key);
    }

    /// <summary>Initializes a new instance of the <see cref="Holdout"/> class from validated options.</summary>
    /// <param name="options">The options.</param>
    public Holdout(IOptions<HoldoutOptions> options)
        : this((options ?? throw new ArgumentNullException(nameof(options))).Value)
    {
    }

    /// <summary>Gets the options in force.</summary>
    public HoldoutOptions Options { get; }

    /// <summary>The name of the period an instant falls in (<see cref="HoldoutPeriod"/>), UTC.</summary>
    /// <param name="instant">The instant.</param>
    /// <param name="period">The period.</param>
    /// <returns>For example <c>2026-W49</c>, <c>2026-12</c>, <c>2026-Q4</c>, or <c>all</c> for <see cref="HoldoutPeriod.Never"/>.</returns>
    public static string PeriodOf(DateTimeOffset instant, HoldoutPeriod period)
    {
        var d = instant.UtcDateTime;
        return period switch
        {
            HoldoutPeriod.Weekly => string.Create(CultureInfo.InvariantCulture, $"{ISOWeek.GetYear(d)}-W{ISOWeek.GetWeekOfYear(d):00}"),
            HoldoutPeriod.Monthly => string.Create(CultureInfo.InvariantCulture, $"{d.Year}-{d.Month:00}"),
            HoldoutPeriod.Quarterly => string.Create(CultureInfo.InvariantCulture, $"{d.Year}-Q{((d.Month - 1) / 3) + 1}"),
            _ => "all",
        };
    }

    /// <summary>A customer's draw for a playbook in a period: a number in [0, 1), uniform over customers.</summary>
    /// <param name="customerId">The customer.</param>
    /// <param name="playbook">The playbook's id.</param>
    /// <param name="period">The period's name (<see cref="PeriodOf"/>).</param>
    /// <returns>The draw: the top 53 bits of the keyed hash over 2^53.</returns>
    public double Draw(CustomerId customerId, string playbook, string period)
    {
        ArgumentNullException.ThrowIfNull(playbook);
        ArgumentNullException.ThrowIfNull(period);
        if (customerId.IsEmpty)
        {
            throw new ArgumentException("The customer id is empty.", nameof(customerId));
        }

        var length = Encoding.UTF8.GetByteCount(customerId.Value) + 1 + Encoding.UTF8.GetByteCount(playbook) + 1 + Encoding.UTF8.GetByteCount(period);
        byte[]? rented = null;
        Span<byte> message = length <= 512 ? stackalloc byte[length] : (rented = ArrayPool<byte>.Shared.Rent(length)).AsSpan(0, length);
        try
        {
            var at = Encoding.UTF8.GetBytes(customerId.Value, message);
            message[at++] = 0;
            at += Encoding.UTF8.GetBytes(playbook, message[at..]);
            message[at++] = 0;
            Encoding.UTF8.GetBytes(period, message[at..]);
            Span<byte> mac = stackalloc byte[32];
            HMACSHA256.HashData(_key, message, mac);
            return (BinaryPrimitives.ReadUInt64BigEndian(mac) >> 11) / (double)(1UL << 53);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Whether a customer is held out of a playbook in the period an instant falls in.</summary>
    /// <param name="customerId">The customer.</param>
    /// <param name="playbook">The playbook's id.</param>
    /// <param name="at">The instant (its period, by <see cref="HoldoutOptions.Period"/>).</param>
    /// <returns>True when the customer must not be contacted by this playbook (and is logged like the treated).</returns>
    public bool IsHeldOut(CustomerId customerId, string playbook, DateTimeOffset at) =>
        Draw(customerId, playbook, PeriodOf(at, Options.Period)) < Options.Share;

    /// <summary>The assignment to keep in the store (<see cref="IInterventionStore.AssignHoldoutsAsync"/>): the experiment is <c>playbook/period</c>.</summary>
    /// <param name="customerId">The customer.</param>
    /// <param name="playbook">The playbook's id.</param>
    /// <param name="at">The instant of the decision.</param>
    /// <returns>The assignment.</returns>
    public HoldoutAssignment Assign(CustomerId customerId, string playbook, DateTimeOffset at) =>
        new($"{playbook}/{PeriodOf(at, Options.Period)}", customerId, IsHeldOut(customerId, playbook, at), at);
}
