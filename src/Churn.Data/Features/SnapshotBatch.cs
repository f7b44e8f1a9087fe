using System.Globalization;
using Churn.Abstractions;

namespace Churn.Data;

/// <summary>
/// Snapshots of many customers as of one instant, stored row-major in one array
/// (<see cref="Count"/> x <see cref="FeatureSchema.Count"/> doubles).
/// </summary>
/// <remarks>Immutable after building; safe to read from many threads.</remarks>
public sealed class SnapshotBatch
{
    private readonly CustomerId[] _customers;
    private readonly double[] _values;

    internal SnapshotBatch(FeatureSchema schema, DateTimeOffset asOf, CustomerId[] customers, double[] values)
    {
        Schema = schema;
        AsOf = asOf;
        _customers = customers;
        _values = values;
    }

    /// <summary>Gets the feature names and kinds.</summary>
    public FeatureSchema Schema { get; }

    /// <summary>Gets the instant.</summary>
    public DateTimeOffset AsOf { get; }

    /// <summary>Gets the number of snapshots.</summary>
    public int Count => _customers.Length;

    /// <summary>Gets the customers, in row order.</summary>
    public IReadOnlyList<CustomerId> CustomerIds => _customers;

    /// <summary>Gets all values, row-major.</summary>
    public ReadOnlySpan<double> Values => _values;

    /// <summary>Gets one snapshot (copies its row).</summary>
    /// <param name="row">The row.</param>
    public CustomerSnapshot this[int row] => new(_customers[row], AsOf, Schema, Row(row).ToArray());

    /// <summary>Gets one row of values without copying.</summary>
    /// <param name="row">The row.</param>
    /// <returns>The values, in schema order.</returns>
    public ReadOnlySpan<double> Row(int row) => _values.AsSpan(row * Schema.Count, Schema.Count);

    /// <summary>Enumerates the snapshots (each copies its row).</summary>
    /// <returns>The snapshots.</returns>
    public IEnumerable<CustomerSnapshot> AsSnapshots()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    /// <summary>Writes the batch as CSV: <c>customer_id</c>, <c>as_of</c>, then one column per feature; missing values are blank.</summary>
    /// <param name="writer">The destination.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    public void WriteCsv(TextWriter writer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write("customer_id,as_of");
        foreach (var f in Schema.Features)
        {
            writer.Write(',');
            writer.Write(f.Name);
        }

        writer.Write('\n');
        var asOf = AsOf.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        Span<char> buffer = stackalloc char[32];
        for (var r = 0; r < Count; r++)
        {
            if ((r & 0xFFFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            Churn.Shared.CsvCells.Write(writer, _customers[r].Value);
            writer.Write(',');
            writer.Write(asOf);
            foreach (var v in Row(r))
            {
                writer.Write(',');
                if (!double.IsNaN(v) && v.TryFormat(buffer, out var n, "R", CultureInfo.InvariantCulture))
                {
                    writer.Write(buffer[..n]);
                }
            }

            writer.Write('\n');
        }
    }
}
