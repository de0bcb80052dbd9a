using PSVmm.Engine.Devices.Block.Backend;
using PSVmm.Engine.Devices.Block.Device;
using PSVmm.Engine.Devices.Block.Throttle;
using PSVmm.Engine.Interrupts;
using PSVmm.Engine.IoThreads;
using PSVmm.Engine.Pci;
using PSVmm.Engine.Platform;
using PSVmm.Engine.Virtio.Transport;

namespace PSVmm.Engine.Machine;

/// <summary>
/// PCI bus 0 of a machine: the host bridge with conf1 and ECAM (PciRoot), the virtio-blk-pci
/// disks of the configuration on their IoThreads, BARs placed as firmware would (Linux keeps
/// them), queue notifications bound to KVM ioeventfds. Disks share an IoThread by name; the
/// unnamed ones share "iothread0".
/// </summary>
internal sealed class PciPlatform : IDisposable
{
    public const string DefaultIoThread = "iothread0";

    private readonly Dictionary<string, IoThread> _ioThreads = new(StringComparer.Ordinal);
    private readonly List<VirtioBlkPciDevice> _disks = [];

    private PciPlatform(PciRoot root) => Root = root;

    public PciRoot Root { get; }

    public IReadOnlyList<VirtioBlkPciDevice> Disks => _disks;

    /// <summary>Builds bus 0 and every disk; throws <see cref="VmException"/> naming the disk at fault. On failure what was opened is released.</summary>
    public static PciPlatform Create(MachineDevices d, VmConfig config)
    {
        var (mmio64Start, mmio64Size) = MemoryLayout.Mmio64Window((ulong)config.MemoryMB << 20);
        var root = new PciRoot(d.Mmio, d.Pio, PciWindows.Default(mmio64Start, mmio64Size), (a, s) => OverlapsRam(d, a, s));
        var platform = new PciPlatform(root);
        try
        {
            foreach (var disk in config.BlockDevices)
                platform.AddDisk(d, disk, config.CpuCount);
            root.AssignBars();
            foreach (var disk in platform._disks)
            {
                disk.Notify = new QueueNotifyEventFds(d.Vm, root.Mapper, disk.Transport, platform.IoThreadOf(disk.Config));
                if (d.Interrupts is IMsiRouteCache routes)
                    disk.MsiRoutes = new MsixRouteTracker(disk.Transport.Msix.Table, routes);
            }
            return platform;
        }
        catch
        {
            platform.Dispose();
            throw;
        }
    }

    private static bool OverlapsRam(MachineDevices d, ulong address, ulong size) =>
        d.Memory.Regions.Any(r => address < r.End && r.GuestAddress < address + size);

    private IoThread IoThreadOf(VirtioBlkPciConfig disk) => _ioThreads[IoThreadName(disk)];

    private static string IoThreadName(VirtioBlkPciConfig disk) => disk.Disk.IoThread ?? DefaultIoThread;

    private void AddDisk(MachineDevices d, VirtioBlkPciConfig disk, int vcpuCount)
    {
        string name = IoThreadName(disk);
        if (!_ioThreads.TryGetValue(name, out var io))
        {
            io = new IoThread(name, (thread, e) => d.Events.Add(thread, $"{e.GetType().Name}: {e.Message}"));
            _ioThreads.Add(name, io);
        }
        VirtioBlock block = OpenDisk(disk, vcpuCount, io, d.Events);
        try
        {
            var transport = new VirtioPciTransport($"virtio-blk {disk.Id}", block, d.Memory, d.Interrupts, transitional: disk.Transitional);
            var address = Root.Add(transport, disk.Slot, disk.Function);
            transport.ConnectIntx(Root.CreateIntx(transport, d.Interrupts));
            _disks.Add(new VirtioBlkPciDevice(disk, block, transport, address));
        }
        catch (PciAddressInUseException e)
        {
            block.Dispose();
            throw new VmException("PciAddressInUse", VmErrorCategory.ResourceExists, $"Disk '{disk.Id}': {e.Message} Choose another -PciAddress.", e);
        }
        catch
        {
            block.Dispose();
            throw;
        }
    }

    private static VirtioBlock OpenDisk(VirtioBlkPciConfig disk, int vcpuCount, IoThread io, VmEventLog events)
    {
        string what = $"Disk '{disk.Id}' ({disk.Disk.Path})";
        try
        {
            return VirtioBlock.Open(disk.Disk.ForVcpus(vcpuCount), io, message => events.Add(disk.Id, message));
        }
        catch (BlockImageLockedException e)
        {
            throw new VmException("DiskImageLocked", VmErrorCategory.ResourceUnavailable, e.Message, e);
        }
        catch (FileNotFoundException e)
        {
            throw new VmException("DiskImageNotFound", VmErrorCategory.ObjectNotFound, $"{what}: the image file does not exist.", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new VmException("DiskImageAccessDenied", VmErrorCategory.PermissionDenied, $"{what}: {e.Message}", e);
        }
        catch (ArgumentException e)
        {
            throw new VmException("InvalidDiskOptions", VmErrorCategory.InvalidArgument, $"{what}: {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new VmException("DiskImageOpenFailed", VmErrorCategory.DeviceError, $"{what}: {e.Message}", e);
        }
    }

    /// <summary>New I/O limits for a running disk, applied on its IoThread (<see cref="VirtioBlock.UpdateThrottleLimits"/>). False: no such disk.</summary>
    public bool UpdateDiskLimits(string id, ThrottleLimits limits)
    {
        var disk = _disks.FirstOrDefault(d => string.Equals(d.Config.Id, id, StringComparison.OrdinalIgnoreCase));
        disk?.Block.UpdateThrottleLimits(limits);
        return disk is not null;
    }

    public IReadOnlyList<VirtioBlkPciState> Snapshot() => _disks.Select(d => d.Snapshot(Root)).ToList();

    /// <summary>Disks first (each waits for its in-flight I/O on its IoThread), then the IoThreads.</summary>
    public void Dispose()
    {
        foreach (var disk in _disks)
        {
            try { disk.Dispose(); } catch (Exception) { /* release the rest */ }
        }
        _disks.Clear();
        foreach (var io in _ioThreads.Values)
            io.Dispose();
        _ioThreads.Clear();
    }
}
