using System.Buffers;
using System.Buffers.Binary;

namespace Churn.Rules;

/// <summary>
/// One customer's symptom history for live detection: which rules held at each instant of the
/// <see cref="SymptomEngine"/>'s grid that a later assessment can still look back to (the lookback
/// period), and the numbers the rules read at the instants where one held (for the words of a
/// symptom that began then). A live state records the grid instants as events move time past them
/// (<see cref="SymptomEngine.Record"/>), so that <see cref="SymptomEngine.Detect(SymptomState, Churn.Abstractions.ICustomerHistory)"/>
/// finds, without the customer's history, the symptoms the batch detector finds from it.
/// </summary>
/// <remarks>Made by <see cref="SymptomEngine.NewState"/>; a byte per eight rules per grid instant, plus, at instants where a minor rule held, the numbers those rules read (what the words of a recapitulative symptom's parts show). Not thread-safe: one writer per customer.</remarks>
public sealed class SymptomState
{
    private const byte Format = 1;
    private const int HeaderBytes = 1 + 8 + 8 + 4 + 2;
    private readonly List<byte> _masks = [];
    private readonly List<double[]?> _values = [];

    internal SymptomState(int maskBytes)
    {
        MaskBytes = maskBytes;
    }

    /// <summary>Gets the number of grid instants recorded.</summary>
    public int Count => _values.Count;

    /// <summary>Gets the size of the serialised state in bytes.</summary>
    public int SerializedBytes
    {
        get
        {
            var bytes = HeaderBytes + _masks.Count;
            for (var i = 0; i < _values.Count; i++)
            {
                bytes += AnyHeld(i) ? 2 + (8 * (_values[i]?.Length ?? 0)) : 0;
            }

            return bytes;
        }
    }

    internal int MaskBytes { get; }

    /// <summary>Gets or sets the instant up to which (excluded) the grid is recorded: the latest event's (long.MinValue before the first).</summary>
    internal long Until { get; set; } = long.MinValue;

    /// <summary>Gets or sets the first recorded grid instant (the others follow it, one grid step apart).</summary>
    internal long First { get; set; }

    /// <summary>Reads a state written by <see cref="WriteTo"/>.</summary>
    /// <param name="bytes">The bytes (exactly one state).</param>
    /// <returns>The state.</returns>
    /// <exception cref="FormatException">The bytes are not a symptom state of this format, or are damaged.</exception>
    public static SymptomState ReadFrom(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < HeaderBytes || bytes[0] != Format)
        {
            throw new FormatException("The bytes are not a live symptom state (format 1).");
        }

        var count = BinaryPrimitives.ReadInt32LittleEndian(bytes[17..]);
        var maskBytes = BinaryPrimitives.ReadUInt16LittleEndian(bytes[21..]);
        if (count < 0 || maskBytes == 0 || bytes.Length < HeaderBytes + ((long)count * maskBytes))
        {
            throw new FormatException("The live symptom state is truncated or damaged.");
        }

        var state = new SymptomState(maskBytes)
        {
            Until = BinaryPrimitives.ReadInt64LittleEndian(bytes[1..]),
            First = BinaryPrimitives.ReadInt64LittleEndian(bytes[9..]),
        };
        var at = HeaderBytes;
        state._masks.AddRange(bytes.Slice(at, count * maskBytes));
        at += count * maskBytes;
        for (var i = 0; i < count; i++)
        {
            if (!state.AnyHeld(i))
            {
                state._values.Add(null);
                continue;
            }

            var width = bytes.Length >= at + 2 ? BinaryPrimitives.ReadUInt16LittleEndian(bytes[at..]) : -1;
            if (width < 0 || bytes.Length < at + 2 + (8 * width))
            {
                throw new FormatException("The live symptom state is truncated or damaged.");
            }

            at += 2;
            double[]? values = width == 0 ? null : new double[width];
            for (var k = 0; k < width; k++, at += 8)
            {
                values![k] = BinaryPrimitives.ReadDoubleLittleEndian(bytes[at..]);
            }

            state._values.Add(values);
        }

        return at == bytes.Length ? state : throw new FormatException("The live symptom state has bytes after its end: it is damaged.");
    }

    /// <summary>Writes the state in its compact binary form (format 1).</summary>
    /// <param name="output">Receives <see cref="SerializedBytes"/> bytes.</param>
    public void WriteTo(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var span = output.GetSpan(SerializedBytes)[..SerializedBytes];
        span[0] = Format;
        BinaryPrimitives.WriteInt64LittleEndian(span[1..], Until);
        BinaryPrimitives.WriteInt64LittleEndian(span[9..], First);
        BinaryPrimitives.WriteInt32LittleEndian(span[17..], Count);
        BinaryPrimitives.WriteUInt16LittleEndian(span[21..], (ushort)MaskBytes);
        var at = HeaderBytes;
        for (var i = 0; i < _masks.Count; i++)
        {
            span[at++] = _masks[i];
        }

        for (var i = 0; i < _values.Count; i++)
        {
            if (!AnyHeld(i))
            {
                continue;
            }

            var values = _values[i] ?? [];
            BinaryPrimitives.WriteUInt16LittleEndian(span[at..], (ushort)values.Length);
            at += 2;
            foreach (var v in values)
            {
                BinaryPrimitives.WriteDoubleLittleEndian(span[at..], v);
                at += 8;
            }
        }

        output.Advance(at);
    }

    /// <summary>Forgets every recorded instant.</summary>
    internal void Clear()
    {
        _masks.Clear();
        _values.Clear();
    }

    /// <summary>Forgets the oldest recorded instants.</summary>
    internal void DropFirst(int n, long step)
    {
        n = Math.Min(n, Count);
        if (n <= 0)
        {
            return;
        }

        _masks.RemoveRange(0, n * MaskBytes);
        _values.RemoveRange(0, n);
        First += n * step;
    }

    /// <summary>Records the next grid instant: which rules held, and the numbers the engine keeps for them (null for none).</summary>
    internal void Add(ReadOnlySpan<bool> fired, double[]? values)
    {
        for (var b = 0; b < MaskBytes; b++)
        {
            byte mask = 0;
            for (var bit = 0; bit < 8 && (b * 8) + bit < fired.Length; bit++)
            {
                if (fired[(b * 8) + bit])
                {
                    mask |= (byte)(1 << bit);
                }
            }

            _masks.Add(mask);
        }

        _values.Add(values);
    }

    /// <summary>Reads back the i-th recorded instant: which rules held, and the numbers kept for them (null for none).</summary>
    internal double[]? Get(int i, Span<bool> fired)
    {
        for (var r = 0; r < fired.Length; r++)
        {
            fired[r] = (_masks[(i * MaskBytes) + (r / 8)] & (1 << (r % 8))) != 0;
        }

        return _values[i];
    }

    private bool AnyHeld(int i)
    {
        for (var b = 0; b < MaskBytes; b++)
        {
            if (_masks[(i * MaskBytes) + b] != 0)
            {
                return true;
            }
        }

        return false;
    }
}
