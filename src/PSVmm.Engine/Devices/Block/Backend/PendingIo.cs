using System.Buffers;
using System.Runtime.InteropServices;
using Tmds.Linux;

namespace PSVmm.Engine.Devices.Block.Backend;

/// <summary>
/// The state of one request while the engine works on it: the iovec array (advanced past
/// what short transfers already moved), an O_DIRECT bounce buffer, and pins on managed
/// segments. Owns native memory: <see cref="Release"/> frees it exactly once.
/// </summary>
internal sealed unsafe class PendingIo
{
    /// <summary>IOV_MAX: the most iovecs one preadv/pwritev/READV takes; longer lists go in windows.</summary>
    public const int MaxIovecsPerCall = 1024;

    private const int BounceAlignment = 4096;

    private iovec* _iov;
    private int _iovCount;
    private int _iovStart;
    private byte* _bounce;
    private MemoryHandle[]? _pins;
    private byte*[]? _segmentPointers;

    public PendingIo(BlockIoRequest request, ulong token)
    {
        Request = request;
        Token = token;
    }

    public BlockIoRequest Request { get; }

    public ulong Token { get; }

    /// <summary>Bytes already moved (Read/Write), or zeroes already written by the fallback.</summary>
    public long Done { get; private set; }

    /// <summary>WriteZeroes fell back to writing a zero-filled buffer.</summary>
    public bool WritingZeroes { get; private set; }

    public iovec* IovWindow => _iov + _iovStart;

    public int IovWindowCount => Math.Min(_iovCount - _iovStart, MaxIovecsPerCall);

    public long NextOffset => Request.Offset + Done;

    /// <summary>
    /// Pins the segments and builds the iovecs. With <paramref name="directAlignment"/> (O_DIRECT)
    /// a segment whose pinned address is not a multiple of its memory alignment, or whose length
    /// is not a multiple of its length alignment, sends the whole transfer through one aligned
    /// bounce buffer. Returns true when it did.
    /// </summary>
    public bool PrepareTransfer((int Memory, int Length)? directAlignment)
    {
        var segments = Request.Segments;
        _pins = new MemoryHandle[segments.Count];
        _segmentPointers = new byte*[segments.Count];
        bool bounce = false;
        for (int i = 0; i < segments.Count; i++)
        {
            var segment = segments[i];
            if (segment.IsPinnedByCaller)
            {
                _segmentPointers[i] = segment.Pointer;
            }
            else
            {
                _pins[i] = segment.Memory.Pin();
                _segmentPointers[i] = (byte*)_pins[i].Pointer;
            }

            if (directAlignment is var (memory, length)
                && ((nuint)_segmentPointers[i] % (nuint)memory != 0 || segment.Length % length != 0))
            {
                bounce = true;
            }
        }

        if (bounce)
        {
            _bounce = (byte*)NativeMemory.AlignedAlloc((nuint)Request.Length, BounceAlignment);
            if (Request.Kind == BlockIoKind.Write)
                CopySegments(toBounce: true);

            AllocateIovecs(1);
            _iov[0] = new iovec { iov_base = _bounce, iov_len = (size_t)(ulong)Request.Length };
            _iovCount = 1;
            return true;
        }

        AllocateIovecs(segments.Count);
        for (int i = 0; i < segments.Count; i++)
        {
            if (segments[i].Length > 0)
                _iov[_iovCount++] = new iovec { iov_base = _segmentPointers[i], iov_len = segments[i].Length };
        }

        return false;
    }

    /// <summary>Builds iovecs that all point at one zero-filled buffer, covering what is left of the range.</summary>
    public void PrepareZeroWrite(byte* zeroBuffer, int zeroBufferLength)
    {
        WritingZeroes = true;
        long remaining = Request.Length - Done;
        int count = (int)Math.Min(MaxIovecsPerCall, (remaining + zeroBufferLength - 1) / zeroBufferLength);
        if (_iov == null)
            AllocateIovecs(MaxIovecsPerCall);

        _iovStart = 0;
        _iovCount = count;
        for (int i = 0; i < count; i++)
        {
            long chunk = Math.Min(zeroBufferLength, remaining);
            _iov[i] = new iovec { iov_base = zeroBuffer, iov_len = (size_t)(ulong)chunk };
            remaining -= chunk;
        }
    }

    /// <summary>Records <paramref name="bytes"/> more moved and steps the iovec window past them.</summary>
    public void Advance(long bytes)
    {
        Done += bytes;
        while (bytes > 0 && _iovStart < _iovCount)
        {
            ref iovec iov = ref _iov[_iovStart];
            if ((ulong)bytes >= iov.iov_len)
            {
                bytes -= (long)(ulong)iov.iov_len;
                _iovStart++;
            }
            else
            {
                iov.iov_base = (byte*)iov.iov_base + bytes;
                iov.iov_len -= (size_t)(ulong)bytes;
                bytes = 0;
            }
        }
    }

    /// <summary>After a successful bounced read: copies the bounce buffer into the caller's segments.</summary>
    public void CompleteBouncedRead()
    {
        if (_bounce != null && Request.Kind == BlockIoKind.Read)
            CopySegments(toBounce: false);
    }

    public void Release()
    {
        if (_pins is not null)
        {
            foreach (var pin in _pins)
                pin.Dispose();

            _pins = null;
        }

        if (_bounce != null)
        {
            NativeMemory.AlignedFree(_bounce);
            _bounce = null;
        }

        if (_iov != null)
        {
            NativeMemory.Free(_iov);
            _iov = null;
        }
    }

    private void AllocateIovecs(int count)
    {
        _iov = (iovec*)NativeMemory.Alloc((nuint)Math.Max(count, 1), (nuint)sizeof(iovec));
        _iovCount = 0;
        _iovStart = 0;
    }

    private void CopySegments(bool toBounce)
    {
        byte* cursor = _bounce;
        var segments = Request.Segments;
        for (int i = 0; i < segments.Count; i++)
        {
            int length = segments[i].Length;
            if (toBounce)
                Buffer.MemoryCopy(_segmentPointers![i], cursor, length, length);
            else
                Buffer.MemoryCopy(cursor, _segmentPointers![i], length, length);

            cursor += length;
        }
    }
}
