using PSVmm.Engine.Machine;
using PSVmm.Engine.Virtio;
using PSVmm.Engine.Virtio.Queues;

namespace PSVmm.Model;

/// <summary>
/// One virtqueue of a running disk, as Get-VmVirtqueue writes it: the registers the driver
/// programmed (virtio 1.2 §4.1.4.3) and the ring's run-time state and counters.
/// </summary>
public sealed class VmVirtqueue
{
    /// <summary>Queue <paramref name="index"/> of <paramref name="disk"/>: its registers and its ring, from one transport snapshot.</summary>
    internal VmVirtqueue(string vmName, VirtioBlkPciState disk, int index)
    {
        var registers = disk.Virtio.Queues[index];
        var ring = disk.Virtio.QueueStates.ElementAtOrDefault(index);
        VmName = vmName;
        DeviceId = disk.Id;
        PciAddress = disk.PciAddress.ToShortString();
        Index = registers.Index;
        Size = registers.Size;
        MaxSize = registers.MaxSize;
        Enabled = registers.Enabled;
        Vector = registers.MsixVector == VirtioQueueConfig.NoVector ? null : registers.MsixVector;
        DescAddress = registers.DescriptorAddress;
        DriverAddress = registers.DriverAddress;
        DeviceAddress = registers.DeviceAddress;
        NotifyOffset = registers.NotifyOffset;
        Active = ring?.Enabled ?? false;
        Format = ring?.Format ?? VirtqueueFormat.Split;
        NextAvail = ring?.NextAvail ?? 0;
        AvailIdx = ring?.LastAvailIdx ?? 0;
        UsedIdx = ring?.UsedIdx ?? 0;
        AvailWrapCounter = ring?.AvailWrapCounter ?? true;
        UsedWrapCounter = ring?.UsedWrapCounter ?? true;
        GuestNotificationsEnabled = ring?.GuestNotificationsEnabled ?? true;
        Popped = ring?.Popped ?? 0;
        Completed = ring?.Completed ?? 0;
        Notifications = ring?.Notifications ?? 0;
        Interrupts = ring?.Interrupts ?? 0;
        Suppressed = ring?.Suppressed ?? 0;
        LastError = ring?.LastError;
    }

    public string VmName { get; }
    public string DeviceId { get; }
    public string PciAddress { get; }
    public int Index { get; }

    /// <summary>Split (virtio 1.2 §2.7) or Packed (§2.8), as negotiated.</summary>
    public VirtqueueFormat Format { get; }

    /// <summary>queue_size: the descriptors the driver chose.</summary>
    public ushort Size { get; }
    public ushort MaxSize { get; }

    /// <summary>queue_enable as the driver wrote it.</summary>
    public bool Enabled { get; }

    /// <summary>The device serves the ring (enabled and DRIVER_OK).</summary>
    public bool Active { get; }

    /// <summary>queue_msix_vector; null for VIRTIO_MSI_NO_VECTOR.</summary>
    public ushort? Vector { get; }

    public ulong DescAddress { get; }
    public ulong DriverAddress { get; }
    public ulong DeviceAddress { get; }
    public ushort NotifyOffset { get; }

    /// <summary>The next available entry the device will take (split: free-running index; packed: ring offset).</summary>
    public ushort NextAvail { get; }

    /// <summary>The avail.idx the device last read (split); packed repeats NextAvail.</summary>
    public ushort AvailIdx { get; }

    /// <summary>The device's used index (split: free-running used.idx; packed: ring offset).</summary>
    public ushort UsedIdx { get; }

    public bool AvailWrapCounter { get; }
    public bool UsedWrapCounter { get; }

    /// <summary>Whether the driver wants used-buffer notifications now (flags or event index).</summary>
    public bool GuestNotificationsEnabled { get; }

    public ulong Popped { get; }
    public ulong Completed { get; }

    /// <summary>Driver kicks (available buffer notifications) since the queue was enabled.</summary>
    public ulong Notifications { get; }

    /// <summary>Used buffer notifications sent to the driver.</summary>
    public ulong Interrupts { get; }

    /// <summary>Used buffer notifications the driver's suppression held back.</summary>
    public ulong Suppressed { get; }

    /// <summary>The last guest error on this ring (the device then needs a reset), or null.</summary>
    public VirtqueueErrorReason? LastError { get; }

    public override string ToString() => $"{DeviceId} queue {Index}";
}
