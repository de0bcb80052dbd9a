namespace PSVmm.Engine.Virtio.Transport;

/// <summary>cfg_type of a virtio PCI vendor capability (virtio 1.2 §4.1.4).</summary>
public enum VirtioPciCapType : byte
{
    CommonConfig = 1,
    NotifyConfig = 2,
    IsrConfig = 3,
    DeviceConfig = 4,
    PciConfig = 5,
    SharedMemoryConfig = 8,
    VendorConfig = 9,
}
