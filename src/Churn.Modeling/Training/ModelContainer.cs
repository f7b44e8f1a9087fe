using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;

namespace Churn.Modeling;

/// <summary>
/// The sealed envelope of a model file: the magic <c>CHURNMDL</c>, a format byte, the payload's
/// length and SHA-256, then the payload (a zip of the metadata and the learners). The digest is
/// checked before a byte of the payload is parsed, so any change to the file — a flipped bit, a
/// truncation, bytes added — is refused before it reaches a zip reader or a learner's loader.
/// Files written before the envelope (a bare zip) still load, without that guarantee.
/// </summary>
internal static class ModelContainer
{
    /// <summary>The largest model file read (a model of many thousands of trees is a few MB).</summary>
    public const long MaxFileBytes = 512L << 20;

    /// <summary>The largest uncompressed entry read; a declared or actual size above it is refused (no zip bomb inflates past it).</summary>
    public const long MaxEntryBytes = 512L << 20;

    private const int HeaderBytes = 8 + 1 + 8 + 32;
    private const byte Version = 1;
    private static readonly byte[] Magic = "CHURNMDL"u8.ToArray();

    /// <summary>Wraps a payload.</summary>
    public static void Write(Stream output, ReadOnlySpan<byte> payload)
    {
        Span<byte> header = stackalloc byte[HeaderBytes];
        Magic.CopyTo(header);
        header[8] = Version;
        BinaryPrimitives.WriteInt64LittleEndian(header[9..], payload.Length);
        SHA256.HashData(payload, header[17..]);
        output.Write(header);
        output.Write(payload);
    }

    /// <summary>Reads a file: the payload of a sealed file once its digest matches, or a bare (older) zip as it is.</summary>
    /// <exception cref="ModelFileException">The file is too large, truncated, extended or damaged.</exception>
    public static byte[] Read(string path)
    {
        var info = new FileInfo(path);
        if (info.Length > MaxFileBytes)
        {
            throw new ModelFileException($"'{path}' is {info.Length:N0} bytes, more than a model file can be ({MaxFileBytes:N0}): it is not a churn model.");
        }

        var bytes = File.ReadAllBytes(path);
        if (bytes.Length >= 4 && bytes[0] == (byte)'P' && bytes[1] == (byte)'K' && bytes[2] == 3 && bytes[3] == 4)
        {
            // A model written before the envelope: loads as before (the zip's own checks only).
            return bytes;
        }

        if (bytes.Length < HeaderBytes || !bytes.AsSpan(0, 8).SequenceEqual(Magic))
        {
            throw new ModelFileException(bytes.Length < 8 || !"CHURNMDL"u8.StartsWith(bytes.AsSpan(0, Math.Min(8, bytes.Length)))
                ? $"'{path}' is not a churn model file (it does not start with CHURNMDL)."
                : $"'{path}' is truncated: it ends inside the model file's header.");
        }

        if (bytes[8] != Version)
        {
            throw new ModelFileException($"'{path}' is a sealed model of envelope version {bytes[8]}; this version of Churn.Modeling reads {Version}. The file is damaged, or newer than this SDK.");
        }

        var length = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(9));
        var actual = bytes.Length - HeaderBytes;
        if (length != actual)
        {
            throw new ModelFileException(length > actual
                ? $"'{path}' is truncated: it holds {actual:N0} of its {length:N0} payload bytes."
                : $"'{path}' is damaged: {actual - length:N0} bytes more than its header declares.");
        }

        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(bytes.AsSpan(HeaderBytes), digest);
        if (!digest.SequenceEqual(bytes.AsSpan(17, 32)))
        {
            throw new ModelFileException($"'{path}' is damaged: its SHA-256 does not match (the file changed after it was written).");
        }

        return bytes[HeaderBytes..];
    }

    /// <summary>Reads a zip entry whole, refusing one that declares or inflates to more than <see cref="MaxEntryBytes"/>.</summary>
    public static MemoryStream ReadEntry(ZipArchiveEntry entry, string path)
    {
        if (entry.Length > MaxEntryBytes || entry.Length < 0)
        {
            throw new ModelFileException($"'{path}': entry {entry.FullName} declares {entry.Length:N0} bytes, more than a model entry can be.");
        }

        using var stream = entry.Open();
        var copy = new MemoryStream((int)Math.Min(entry.Length, int.MaxValue));
        var buffer = new byte[81_920];
        int n;
        while ((n = stream.Read(buffer)) > 0)
        {
            if (copy.Length + n > entry.Length)
            {
                throw new ModelFileException($"'{path}': entry {entry.FullName} inflates past its declared {entry.Length:N0} bytes: the file is damaged.");
            }

            copy.Write(buffer, 0, n);
        }

        if (copy.Length != entry.Length)
        {
            throw new ModelFileException($"'{path}': entry {entry.FullName} holds {copy.Length:N0} of its declared {entry.Length:N0} bytes: the file is damaged.");
        }

        // The zip's own CRC-32 (the only check a file written before the envelope has): a changed
        // byte inside a compressed entry is refused here, before a learner's loader parses it.
        if (System.IO.Hashing.Crc32.HashToUInt32(copy.GetBuffer().AsSpan(0, (int)copy.Length)) != entry.Crc32)
        {
            throw new ModelFileException($"'{path}': entry {entry.FullName} does not match its CRC-32: the file is damaged.");
        }

        copy.Position = 0;
        return copy;
    }
}
