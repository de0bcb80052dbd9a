using System.Buffers.Binary;
using PSVmm.Engine.Memory;

namespace PSVmm.Engine.Virtio.Queues;

/// <summary>
/// Little-endian (§1.4: virtio 1.x structures are little-endian) access to ring structures that
/// turns a guest memory failure into a <see cref="VirtqueueException"/>.
/// </summary>
/// <remarks>
/// Ordering: the rings are shared with vCPU threads running the driver. The JIT and the CPU may
/// reorder plain loads and stores, so the rings call <see cref="Barrier"/> (a full fence) where
/// the spec requires order: after reading avail.idx (or a packed head's flags) and before reading
/// what it publishes (pairing with the driver's barriers, §2.7.13.3, §2.8.21.1); after writing a
/// used element and before publishing used.idx or a packed used descriptor's flags (§2.7.8.2,
/// §2.8.6); and between publishing used
/// entries and reading the driver's event suppression fields, and between writing
/// avail_event/used.flags and re-checking avail.idx (store-then-load, §2.7.10).
/// </remarks>
internal sealed class RingMemory
{
    private readonly IGuestMemory _memory;

    public RingMemory(IGuestMemory memory) => _memory = memory;

    public IGuestMemory Guest => _memory;

    public static void Barrier() => Interlocked.MemoryBarrier();

    /// <summary>
    /// Reads a 16-bit ring field (an index or flags the other side updates concurrently) as one
    /// access, so it cannot tear.
    /// </summary>
    public ushort ReadU16(ulong address, string what)
    {
        try
        {
            ushort raw = _memory.Read<ushort>(address);
            return BitConverter.IsLittleEndian ? raw : BinaryPrimitives.ReverseEndianness(raw);
        }
        catch (GuestMemoryException e)
        {
            throw new VirtqueueException(VirtqueueErrorReason.RingReadFailed,
                $"reading {what} at 0x{address:x} failed", e);
        }
    }

    public void Read(ulong address, Span<byte> destination, string what)
    {
        try
        {
            _memory.Read(address, destination);
        }
        catch (GuestMemoryException e)
        {
            throw new VirtqueueException(VirtqueueErrorReason.RingReadFailed,
                $"reading {what} at 0x{address:x} failed", e);
        }
    }

    /// <summary>Writes a 16-bit ring field (used.idx, flags, events) as one access.</summary>
    public void WriteU16(ulong address, ushort value, string what)
    {
        try
        {
            _memory.Write(address, BitConverter.IsLittleEndian ? value : BinaryPrimitives.ReverseEndianness(value));
        }
        catch (GuestMemoryException e)
        {
            throw new VirtqueueException(VirtqueueErrorReason.UsedRingWriteFailed,
                $"writing {what} at 0x{address:x} failed", e);
        }
    }

    public void Write(ulong address, ReadOnlySpan<byte> source, string what)
    {
        try
        {
            _memory.Write(address, source);
        }
        catch (GuestMemoryException e)
        {
            throw new VirtqueueException(VirtqueueErrorReason.UsedRingWriteFailed,
                $"writing {what} at 0x{address:x} failed", e);
        }
    }
}
