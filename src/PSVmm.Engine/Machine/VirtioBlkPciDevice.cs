using PSVmm.Engine.Devices.Block.Device;
using PSVmm.Engine.Pci;
using PSVmm.Engine.Virtio.Transport;

namespace PSVmm.Engine.Machine;

/// <summary>One virtio-blk-pci disk of a running machine: the block device, its PCI transport and its notify fds.</summary>
internal sealed class VirtioBlkPciDevice(VirtioBlkPciConfig config, VirtioBlock block, VirtioPciTransport transport, PciAddress address)
    : IDisposable
{
    public VirtioBlkPciConfig Config { get; } = config;
    public VirtioBlock Block { get; } = block;
    public VirtioPciTransport Transport { get; } = transport;
    public PciAddress Address { get; } = address;
    public QueueNotifyEventFds? Notify { get; set; }
    public MsixRouteTracker? MsiRoutes { get; set; }

    public VirtioBlkPciState Snapshot(PciRoot root) => new(
        Config.Id,
        Config.Disk.Path,
        Config.Disk.ReadOnly,
        PciDeviceInfo.Capture(Address, Transport, root.Mapper),
        Transport.GetInfo(),
        Transport.Msix.Table.GetState(),
        Block.GetStatistics());

    /// <summary>Unbinds notifications, then stops the device (waits for in-flight I/O) and closes the image.</summary>
    public void Dispose()
    {
        Notify?.Dispose();
        Block.Dispose();
        MsiRoutes?.Dispose();
    }
}
