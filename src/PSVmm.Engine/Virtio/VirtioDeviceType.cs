namespace PSVmm.Engine.Virtio;

/// <summary>Virtio device IDs (virtio 1.2 §5, table "Device Types"); the modern PCI device ID is 0x1040 + this value (§4.1.2).</summary>
public enum VirtioDeviceType : ushort
{
    Network = 1,
    Block = 2,
    Console = 3,
    Entropy = 4,
    Balloon = 5,
    Scsi = 8,
    NinePTransport = 9,
    Gpu = 16,
    Input = 18,
    Socket = 19,
    FileSystem = 26,
}
