namespace PSVmm.Engine.Devices.Block;

/// <summary>Whether the device offers VIRTIO_BLK_F_WRITE_ZEROES, and whether it may deallocate (QEMU detect-zeroes style on/off/unmap).</summary>
public enum VirtioBlkWriteZeroesMode
{
    Off,
    On,
    /// <summary>Offered with write_zeroes_may_unmap = 1: a request with the UNMAP flag may punch holes.</summary>
    Unmap,
}
