using System.Buffers.Binary;

namespace PSVmm.Fuzz;

/// <summary>Reads fuzzer bytes as a little-endian stream; past the end every read is 0, so no input is too short.</summary>
internal sealed class FuzzInput
{
    private readonly byte[] _data;

    public FuzzInput(byte[] data) => _data = data;

    public int Position { get; private set; }

    public bool AtEnd => Position >= _data.Length;

    public int Remaining => Math.Max(0, _data.Length - Position);

    public byte U8() => Position < _data.Length ? _data[Position++] : (byte)0;

    public ushort U16() => (ushort)(U8() | U8() << 8);

    public uint U32() => U16() | (uint)U16() << 16;

    public ulong U64() => U32() | (ulong)U32() << 32;

    /// <summary>The next <paramref name="length"/> bytes (zero-padded past the end).</summary>
    public byte[] Bytes(int length)
    {
        var result = new byte[length];
        int available = Math.Min(length, Remaining);
        _data.AsSpan(Position, available).CopyTo(result);
        Position += available;
        return result;
    }

    public byte[] Rest() => Bytes(Remaining);
}

/// <summary>Builds fuzzer inputs in the format <see cref="FuzzInput"/> reads (for seeds).</summary>
internal sealed class FuzzOutput
{
    private readonly List<byte> _bytes = [];

    public FuzzOutput U8(int value)
    {
        _bytes.Add((byte)value);
        return this;
    }

    public FuzzOutput U16(int value)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)value);
        _bytes.AddRange(b.ToArray());
        return this;
    }

    public FuzzOutput U32(uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        _bytes.AddRange(b.ToArray());
        return this;
    }

    public FuzzOutput U64(ulong value)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, value);
        _bytes.AddRange(b.ToArray());
        return this;
    }

    public FuzzOutput Bytes(ReadOnlySpan<byte> value)
    {
        _bytes.AddRange(value.ToArray());
        return this;
    }

    public byte[] ToArray() => [.. _bytes];
}

/// <summary>An invariant the target checks failed: a finding, reported as a crash.</summary>
public sealed class FuzzFindingException : Exception
{
    public FuzzFindingException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
