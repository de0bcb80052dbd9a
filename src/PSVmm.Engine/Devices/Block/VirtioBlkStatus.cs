namespace PSVmm.Engine.Devices.Block;

/// <summary>The status byte a virtio-blk device writes last into each request (virtio 1.2 §5.2.6).</summary>
public static class VirtioBlkStatus
{
    public const byte Ok = 0;
    public const byte IoError = 1;
    public const byte Unsupported = 2;
}
