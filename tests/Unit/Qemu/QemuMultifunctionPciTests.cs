using PSVmm.Engine.Bus;
using PSVmm.Engine.Devices.Block.Device;
using PSVmm.Engine.IoThreads;
using PSVmm.Engine.Pci;
using PSVmm.Engine.Platform;
using PSVmm.Engine.Qemu;
using PSVmm.Engine.Virtio.Transport;
using PSVmm.Tests.Pci;
using PSVmm.Tests.TestDoubles;
using Xunit;
using static PSVmm.Engine.Pci.PciConfigRegisters;

namespace PSVmm.Tests.Qemu;

/// <summary>
/// Two disks at addr=3.0 and addr=3.1 from a QEMU line, placed on PCI bus 0 as the machine
/// places them (transport at the config's slot and function) and read through conf1 as a guest
/// enumerates: function 0 says multi-function in its header type, and both functions answer as
/// virtio-blk.
/// </summary>
public sealed class QemuMultifunctionPciTests : IDisposable
{
    private const string Line =
        "qemu-system-x86_64 -m 64 -drive file=a.img,if=none,id=a -drive file=b.img,if=none,id=b "
        + "-device virtio-blk-pci,drive=a,id=disk-a,bus=pci.0,addr=0x3.0x0,multifunction=on "
        + "-device virtio-blk-pci,drive=b,id=disk-b,bus=pci.0,addr=0x3.0x1";

    private const int RamSize = 16 << 20;

    private readonly IoBus _mmio = new("mmio");
    private readonly IoBus _pio = new("pio");
    private readonly IoThread _ioThread = new("multifunction");
    private readonly List<VirtioBlock> _disks = [];

    public QemuMultifunctionPciTests()
    {
        var config = QemuCommandLineReader.Read(ShellWords.Split(Line)).Config;
        var root = new PciRoot(_mmio, _pio, PciWindows.Default(), (start, _) => start < RamSize);
        var memory = VirtqTestMemory.Flat(RamSize);
        var sink = new RecordingInterruptSink();
        foreach (var disk in config.BlockDevices)
        {
            var block = new VirtioBlock(disk.Disk.ForVcpus(1), new MemoryBlockBackend(1 << 20), _ioThread);
            _disks.Add(block);
            root.Add(new VirtioPciTransport($"virtio-blk {disk.Id}", block, memory, sink), disk.Slot, disk.Function);
        }
        root.AssignBars();
    }

    public void Dispose()
    {
        foreach (var disk in _disks)
            disk.Dispose();
        _ioThread.Dispose();
    }

    [Fact]
    public void FunctionZeroIsMultifunctionAndBothFunctionsAreVirtioBlk()
    {
        Assert.Equal(HeaderTypeMultifunction, (byte)(Conf1Read(3, 0, HeaderType, 1) & HeaderTypeMultifunction));
        foreach (int function in new[] { 0, 1 })
        {
            Assert.Equal(0x1AF4ul, Conf1Read(3, function, VendorId, 2));
            Assert.Equal(0x1042ul, Conf1Read(3, function, DeviceId, 2));
        }
        Assert.Equal(0xFFFFul, Conf1Read(3, 2, VendorId, 2));
    }

    private ulong Conf1Read(int device, int function, int register, int size)
    {
        _pio.Write(MemoryLayout.PciConfigAddressPort, 4, 0x8000_0000u | (uint)device << 11 | (uint)function << 8 | (uint)(register & 0xFC));
        return _pio.Read(MemoryLayout.PciConfigAddressPort + 4ul + (ulong)(register & 3), size);
    }
}
