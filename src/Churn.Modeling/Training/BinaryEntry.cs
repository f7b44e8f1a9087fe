namespace Churn.Modeling;

/// <summary>The framing shared by the learners' binary model-file entries: a magic number, a version, then the body; damage becomes a clear <see cref="InvalidDataException"/>.</summary>
internal static class BinaryEntry
{
    /// <summary>Writes the header, then the body.</summary>
    public static void Write(Stream stream, uint magic, int version, Action<BinaryWriter> body)
    {
        using var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        w.Write(magic);
        w.Write(version);
        body(w);
    }

    /// <summary>Checks the header and reads the body.</summary>
    /// <param name="stream">The source.</param>
    /// <param name="magic">The expected magic number.</param>
    /// <param name="version">The version this code reads.</param>
    /// <param name="what">What the entry holds, for messages ("the tree ensemble").</param>
    /// <param name="body">Reads the body; may throw <see cref="ArgumentException"/> for inconsistent values.</param>
    /// <returns>What the body read.</returns>
    /// <exception cref="InvalidDataException">Wrong header or version, truncated, or inconsistent.</exception>
    public static T Read<T>(Stream stream, uint magic, int version, string what, Func<BinaryReader, T> body)
    {
        using var r = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        try
        {
            if (r.ReadUInt32() != magic)
            {
                throw new InvalidDataException($"{what} has a wrong header");
            }

            var found = r.ReadInt32();
            return found != version
                ? throw new InvalidDataException($"{what} is of version {found}; this version reads {version}")
                : body(r);
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException($"{what} is truncated", ex);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidDataException($"{what} is inconsistent: {ex.Message}", ex);
        }
    }

    /// <summary>Writes a length-prefixed array.</summary>
    public static void WriteArray<T>(BinaryWriter w, T[] values, Action<T> write)
    {
        w.Write(values.Length);
        foreach (var v in values)
        {
            write(v);
        }
    }

    /// <summary>Reads a length-prefixed array of values of <paramref name="size"/> bytes, refusing a length the rest of the stream cannot hold.</summary>
    public static T[] ReadArray<T>(BinaryReader r, int size, Func<T> read, string what)
    {
        var length = r.ReadInt32();
        var remaining = r.BaseStream.CanSeek ? r.BaseStream.Length - r.BaseStream.Position : long.MaxValue;
        if (length < 0 || (long)length * size > remaining)
        {
            throw new InvalidDataException($"{what} is truncated or corrupt (an array of {length} values)");
        }

        var values = new T[length];
        for (var i = 0; i < length; i++)
        {
            values[i] = read();
        }

        return values;
    }
}
