using PSVmm.Engine.Memory;

namespace PSVmm.Engine.Virtio.Transport;

/// <summary>
/// The checks the transport makes on an enabled queue before DRIVER_OK activates the device:
/// size (§2.7: split rings are a power of two; §2.8: packed rings any size; both 1..max), the
/// alignment of each area (§2.7 table "Virtqueue Part Alignment": descriptors 16, available
/// ring 2, used ring 4; §2.8.10: packed descriptors 16, event suppression structures 4) and
/// that every area lies wholly inside one guest RAM region.
/// </summary>
public static class VirtqueueLayoutCheck
{
    /// <summary>Null when the queue may be activated, otherwise why not.</summary>
    public static string? Problem(VirtioQueueConfig queue, bool packed, IGuestMemory memory)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(memory);
        ulong n = queue.Size;
        if (n == 0)
            return $"queue {queue.Index}: size 0";
        if (n > queue.MaxSize)
            return $"queue {queue.Index}: size {n} exceeds the maximum {queue.MaxSize}";
        if (!packed && !ulong.IsPow2(n))
            return $"queue {queue.Index}: split ring size {n} is not a power of two";

        var areas = packed
            ? new (string Name, ulong Address, ulong Length, ulong Align)[]
            {
                ("descriptor ring", queue.DescriptorAddress, 16 * n, 16),
                ("driver event suppression", queue.DriverAddress, 4, 4),
                ("device event suppression", queue.DeviceAddress, 4, 4),
            }
            : new (string, ulong, ulong, ulong)[]
            {
                ("descriptor table", queue.DescriptorAddress, 16 * n, 16),
                // flags, idx, ring[n], used_event (§2.7.6)
                ("available ring", queue.DriverAddress, 6 + 2 * n, 2),
                // flags, idx, ring[n] of 8-byte elements, avail_event (§2.7.8)
                ("used ring", queue.DeviceAddress, 6 + 8 * n, 4),
            };
        foreach (var (name, address, length, align) in areas)
        {
            if ((address & (align - 1)) != 0)
                return $"queue {queue.Index}: {name} at 0x{address:x} is not {align}-byte aligned";
            if (address + length < address || !memory.IsValidRange(address, length))
                return $"queue {queue.Index}: {name} [0x{address:x}, +0x{length:x}) is outside guest RAM";
        }
        return null;
    }
}
