using PSVmm.Engine.Devices.Block;
using PSVmm.Engine.Pci;
using PSVmm.Engine.Pci.Msix;
using PSVmm.Engine.Virtio.Transport;

namespace PSVmm.Engine.Machine;

/// <summary>
/// A point-in-time copy of one running virtio-blk-pci disk, for cmdlets: its PCI function,
/// virtio transport state (status, features, queues with their ring state), MSI-X table, and
/// block statistics. Immutable; taken under the devices' own locks.
/// </summary>
public sealed record VirtioBlkPciState(
    string Id,
    string Path,
    bool ReadOnly,
    PciDeviceInfo Pci,
    VirtioDeviceInfo Virtio,
    MsixState Msix,
    BlockDeviceStatistics Statistics)
{
    public PciAddress PciAddress => Pci.Address;
}
