namespace Churn.Data;

/// <summary>
/// Passes text through, except the part of a physical line beyond a limit: that part is dropped
/// and replaced by a marker the CSV loop recognises, so an over-long record (a 16M-character line
/// from a broken export, or an attack) is rejected with its line number and the reading goes on,
/// instead of the parser's buffer overflowing and the read ending. Newlines are kept, so line
/// numbers stay true.
/// </summary>
internal sealed class LineLimitReader(TextReader inner, int maxLineLength = LineLimitReader.DefaultMaxLineLength) : TextReader
{
    /// <summary>The longest physical line read whole: 4M characters.</summary>
    public const int DefaultMaxLineLength = 1 << 22;

    /// <summary>Stands in for the dropped rest of an over-long line (NUL never appears in text data).</summary>
    public const string Marker = "\0over-long\0";

    private readonly char[] _buffer = new char[1 << 16];
    private int _position;
    private int _length;
    private long _run;
    private bool _skipping;
    private int _marker = Marker.Length;

    public int MaxLineLength { get; } = maxLineLength;

    public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

    public override int Read(Span<char> buffer)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (true)
        {
            var written = Drain(buffer);
            if (written > 0)
            {
                return written;
            }

            _length = inner.Read(_buffer, 0, _buffer.Length);
            _position = 0;
            if (_length == 0)
            {
                return 0;
            }
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<char> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (true)
        {
            var written = Drain(buffer.Span);
            if (written > 0)
            {
                return written;
            }

            _length = await inner.ReadAsync(_buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
            _position = 0;
            if (_length == 0)
            {
                return 0;
            }
        }
    }

    public override Task<int> ReadAsync(char[] buffer, int index, int count) => ReadAsync(buffer.AsMemory(index, count)).AsTask();

    public override int Read()
    {
        Span<char> one = stackalloc char[1];
        return Read(one) == 0 ? -1 : one[0];
    }

    public override int Peek() => -1;

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>Moves what the buffer holds into <paramref name="target"/>, dropping over-long tails; 0 when the buffer is spent.</summary>
    private int Drain(Span<char> target)
    {
        var written = 0;
        while (written < target.Length)
        {
            if (_marker < Marker.Length)
            {
                var n = Math.Min(Marker.Length - _marker, target.Length - written);
                Marker.AsSpan(_marker, n).CopyTo(target[written..]);
                _marker += n;
                written += n;
                continue;
            }

            if (_position == _length)
            {
                break;
            }

            var available = _buffer.AsSpan(_position, _length - _position);
            if (_skipping)
            {
                var end = available.IndexOfAny('\n', '\r');
                if (end < 0)
                {
                    _position = _length;
                    continue;
                }

                _position += end;
                _skipping = false;
                _run = 0;
                continue;
            }

            var chunk = available[..Math.Min(available.Length, target.Length - written)];
            var newline = chunk.IndexOfAny('\n', '\r');
            var text = newline < 0 ? chunk.Length : newline;
            if (_run + text > MaxLineLength)
            {
                var keep = (int)(MaxLineLength - _run);
                chunk[..keep].CopyTo(target[written..]);
                written += keep;
                _position += keep;
                _skipping = true;
                _marker = 0;
                _run = 0;
                continue;
            }

            var take = newline < 0 ? chunk.Length : newline + 1;
            chunk[..take].CopyTo(target[written..]);
            written += take;
            _position += take;
            _run = newline < 0 ? _run + take : 0;
        }

        return written;
    }
}
