namespace PSVmm.Engine.Virtio.Transport;

/// <summary>The mutable per-queue registers behind queue_select (virtio 1.2 §4.1.4.3), guarded by the transport lock.</summary>
internal sealed class QueueRegisters(int index, ushort maxSize)
{
    public int Index { get; } = index;
    public ushort MaxSize { get; } = maxSize;
    public ushort Size { get; set; } = maxSize;
    public ushort MsixVector { get; set; } = VirtioQueueConfig.NoVector;
    public bool Enabled { get; set; }
    public ulong DescriptorAddress { get; set; }
    public ulong DriverAddress { get; set; }
    public ulong DeviceAddress { get; set; }

    /// <summary>queue_notify_off: the queue index, so notify_off_multiplier 4 gives each queue its own dword.</summary>
    public ushort NotifyOffset => (ushort)Index;

    /// <summary>§2.4 / §4.1.4.3.2: after reset queue_size holds the maximum, the vector is NO_VECTOR, the queue is disabled and the addresses are 0.</summary>
    public void Reset()
    {
        Size = MaxSize;
        MsixVector = VirtioQueueConfig.NoVector;
        Enabled = false;
        DescriptorAddress = 0;
        DriverAddress = 0;
        DeviceAddress = 0;
    }

    public VirtioQueueConfig Snapshot() =>
        new(Index, Size, MaxSize, Enabled, MsixVector, DescriptorAddress, DriverAddress, DeviceAddress, NotifyOffset);
}
