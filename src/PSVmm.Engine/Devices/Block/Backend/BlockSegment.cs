namespace PSVmm.Engine.Devices.Block.Backend;

/// <summary>
/// One buffer of a read or write scatter list. Either an unmanaged pointer (guest RAM is mmap'd
/// and never moves: take it with <c>fixed</c> over <c>IGuestMemory.GetSpan</c>) which the caller
/// keeps valid until the request completes, or a <see cref="Memory{T}"/> the backend pins for
/// the life of the request (for managed buffers, which the GC may otherwise move).
/// <para>
/// A pointer taken with <c>fixed</c> from a span over an ordinary managed array is NOT stable
/// once the <c>fixed</c> block ends: test guest memories that hand out such spans must allocate
/// their backing with <c>GC.AllocateArray&lt;byte&gt;(size, pinned: true)</c> (or native memory)
/// before the device passes their pointers here.
/// </para>
/// </summary>
public readonly unsafe struct BlockSegment
{
    private BlockSegment(byte* pointer, int length, Memory<byte> memory)
    {
        Pointer = pointer;
        Length = length;
        Memory = memory;
    }

    /// <summary>Null when the segment is a <see cref="Memory"/> segment.</summary>
    public byte* Pointer { get; }

    public int Length { get; }

    public Memory<byte> Memory { get; }

    public bool IsPinnedByCaller => Pointer != null;

    /// <summary>A segment over memory that will not move and stays valid until completion.</summary>
    public static BlockSegment FromPointer(byte* pointer, int length)
    {
        if (pointer == null && length != 0)
            throw new ArgumentNullException(nameof(pointer));

        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return new BlockSegment(pointer, length, default);
    }

    /// <summary>A segment over managed or native memory; the backend pins it while the request runs.</summary>
    public static BlockSegment FromMemory(Memory<byte> memory) => new(null, memory.Length, memory);
}
