namespace PSVmm.Engine.Virtio.Queues;

/// <summary>Ring layout, chosen by VIRTIO_F_RING_PACKED (virtio 1.2 §2.7 split, §2.8 packed).</summary>
public enum VirtqueueFormat
{
    Split,
    Packed,
}
