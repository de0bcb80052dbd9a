using PSVmm.Engine.Memory;
using PSVmm.Engine.Virtio.Queues;

namespace PSVmm.Engine.Virtio.Transport;

/// <summary>
/// The per-queue registers behind queue_select (virtio 1.2 §4.1.4.3), guarded by the transport
/// lock, and the <see cref="Virtqueue"/> they become at DRIVER_OK. The registers are kept here
/// (not only in the virtqueue) so the driver can program and read them back before the queue
/// is started, and so "enabled by the driver" stays distinct from "running".
/// </summary>
internal sealed class QueueRegisters(int index, ushort maxSize, IGuestMemory memory)
{
    public int Index { get; } = index;
    public ushort MaxSize { get; } = maxSize;
    public ushort Size { get; set; } = maxSize;
    public ushort MsixVector { get; set; } = VirtioQueueConfig.NoVector;
    public bool Enabled { get; set; }
    public ulong DescriptorAddress { get; set; }
    public ulong DriverAddress { get; set; }
    public ulong DeviceAddress { get; set; }

    /// <summary>The ring the device uses; enabled at DRIVER_OK, reset with the device.</summary>
    public Virtqueue Queue { get; } = new(index, maxSize, memory);

    /// <summary>queue_notify_off: the queue index, so notify_off_multiplier 4 gives each queue its own dword.</summary>
    public ushort NotifyOffset => (ushort)Index;

    /// <summary>
    /// Copies the registers into the virtqueue and starts it (checks size, alignment and that the
    /// rings lie in RAM: §2.7, §2.8). Throws <see cref="VirtqueueException"/> for a bad layout.
    /// </summary>
    public void Start(ulong negotiatedFeatures)
    {
        Queue.Reset();
        Queue.Enable(Snapshot().ToRingGeometry(), negotiatedFeatures);
    }

    /// <summary>§2.4 / §4.1.4.3.2: after reset queue_size holds the maximum, the vector is NO_VECTOR, the queue is disabled and the addresses are 0.</summary>
    public void Reset()
    {
        Size = MaxSize;
        MsixVector = VirtioQueueConfig.NoVector;
        Enabled = false;
        DescriptorAddress = 0;
        DriverAddress = 0;
        DeviceAddress = 0;
        Queue.Reset();
    }

    public VirtioQueueConfig Snapshot() =>
        new(Index, Size, MaxSize, Enabled, MsixVector, DescriptorAddress, DriverAddress, DeviceAddress, NotifyOffset);
}
