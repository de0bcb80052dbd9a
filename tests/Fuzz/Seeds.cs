using System.Buffers.Binary;
using PSVmm.Engine.Devices.Block;
using PSVmm.Engine.Memory;
using PSVmm.Engine.Virtio.Transport;
using PSVmm.Tests.Boot;
using PSVmm.Tests.Machine;
using PSVmm.Tests.TestDoubles;
using PSVmm.Tests.Virtio.Queues;
using static PSVmm.Engine.Virtio.Transport.VirtioPciCommonConfig;
using QOp = PSVmm.Fuzz.QueueTarget.Op;

namespace PSVmm.Fuzz;

/// <summary>
/// Writes the seed corpus (tests/Fuzz/corpus/TARGET/NAME): valid inputs in each target's format,
/// so the fuzzer starts from well-formed rings, requests, a driver's register sequence and images.
/// </summary>
internal static class Seeds
{
    public static void Write(string root)
    {
        Emit(root, "queue", QueueSeeds());
        Emit(root, "blk", BlockSeeds());
        Emit(root, "pci", PciSeeds());
        Emit(root, "boot", BootSeeds());
    }

    private static void Emit(string root, string target, IEnumerable<(string Name, byte[] Data)> seeds)
    {
        string dir = Path.Combine(root, target);
        Directory.CreateDirectory(dir);
        foreach (var (name, data) in seeds)
        {
            File.WriteAllBytes(Path.Combine(dir, name), data);
            // Every seed must pass its own target: a seed that is a finding is a generator bug.
            Program.Targets[target](data);
        }
    }

    // ---- queue ----------------------------------------------------------------------------

    private static IEnumerable<(string, byte[])> QueueSeeds()
    {
        foreach (bool packed in new[] { false, true })
        {
            string kind = packed ? "packed" : "split";
            yield return ($"{kind}-chains", Ring(packed, flags: 0, indirect: false, QOp.Drain));
            yield return ($"{kind}-indirect", Ring(packed, flags: 2, indirect: true, QOp.Pop, QOp.Pop, QOp.AddUsed, 1, 0, 0, QOp.NeedsNotification, QOp.Drain));
            yield return ($"{kind}-event-idx", Ring(packed, flags: 6, indirect: true, QOp.DisableNotifications, QOp.Pop, QOp.AddUsed, 0, 0x10, 0,
                QOp.EnableNotifications, QOp.NeedsNotification, QOp.Snapshot, QOp.ResetAndEnable, QOp.Drain));
        }
    }

    /// <summary>A queue of 8 with three chains (one through an indirect table when asked), as a driver writes them.</summary>
    private static byte[] Ring(bool packed, byte flags, bool indirect, params object[] ops)
    {
        const ushort size = 8;
        var memory = new VirtqTestMemory(new GuestRegion(0, QueueTarget.RegionSize));
        var a = DriverBuffer.Out(0x1000, 16);
        var b = DriverBuffer.In(0x1100, 512);
        var c = DriverBuffer.In(0x1400, 1);
        if (packed)
        {
            var driver = new PackedRingDriver(memory, size, QueueTarget.DescArea, QueueTarget.DriverArea, QueueTarget.DeviceArea);
            driver.AddChain(a, b, c);
            driver.AddChain(a);
            if (indirect)
                driver.AddIndirect(0x140, a, b, c);
        }
        else
        {
            var driver = new SplitRingDriver(memory, size, QueueTarget.DescArea, QueueTarget.DriverArea, QueueTarget.DeviceArea);
            driver.AddChain(a, b, c);
            driver.AddChain(a);
            if (indirect)
                driver.AddIndirect(0x140, a, b, c);
        }

        var image = new byte[QueueTarget.ImageSize];
        memory.Read(0, image);
        var output = new FuzzOutput().U8(flags | (packed ? 1 : 0)).U8(size - 1).U16(0).Bytes(image);
        foreach (var op in ops)
            output.U8(op is QOp o ? (int)o : (int)op);

        return output.ToArray();
    }

    // ---- blk ------------------------------------------------------------------------------

    private static IEnumerable<(string, byte[])> BlockSeeds()
    {
        var discard = new FuzzOutput().U64(4).U32(8).U32(0).U64(64).U32(2).U32(0).ToArray();
        var zeroes = new FuzzOutput().U64(1).U32(3).U32(1).ToArray();
        foreach (byte ring in new byte[] { 0, 1 })
        {
            string kind = ring == 0 ? "split" : "packed";
            // Read of two sectors in two buffers, write of one sector with content, flush.
            yield return ($"{kind}-read-write-flush", new FuzzOutput().U8(ring | 64).U8(3)
                .U8(0).U8(0).U8(2).U8(2).U8(1).U16(512).U8(1).U16(512)
                .U8(0).U8(1).U8(5).U8(1).U8(4).U16(512).Bytes(Enumerable.Range(0, 512).Select(i => (byte)i).ToArray())
                .U8(0).U8(2).U8(0).U8(0).ToArray());
            yield return ($"{kind}-get-id-split-header", new FuzzOutput().U8(ring).U8(1).U8(1).U8(3).U8(0).U8(1).U8(1).U16(20).ToArray());
            yield return ($"{kind}-discard-write-zeroes", new FuzzOutput().U8(ring | 4 | 8).U8(2)
                .U8(0).U8(5).U8(0).U8(1).U8(4).U16(discard.Length).Bytes(discard)
                .U8(0).U8(6).U8(0).U8(1).U8(4).U16(zeroes.Length).Bytes(zeroes).ToArray());
            yield return ($"{kind}-indirect-read", new FuzzOutput().U8(ring | 16).U8(1).U8(8).U8(0).U8(7).U8(1).U8(1).U16(1024).ToArray());
            yield return ($"{kind}-read-only-write", new FuzzOutput().U8(ring | 2 | 32).U8(1).U8(0).U8(1).U8(0).U8(1).U8(0).U16(512).ToArray());
        }
    }

    // ---- pci ------------------------------------------------------------------------------

    private const int Ecam = 0, Conf1 = 1, Bar = 2, Ram = 3, WriteBit = 4;

    private static int Width(int bytes) => Array.IndexOf(PciTarget.Widths, bytes) << 3;

    private sealed class Script
    {
        private readonly FuzzOutput _out = new();

        public Script EcamWrite(int offset, int width, ulong value) => Value(_out.U8(Ecam | WriteBit | Width(width)).U16(offset), width, value);

        public Script EcamRead(int offset, int width)
        {
            _out.U8(Ecam | Width(width)).U16(offset);
            return this;
        }

        public Script Conf1Read(int register, int width)
        {
            _out.U8(Conf1 | Width(width)).U8(register);
            return this;
        }

        public Script BarWrite(int region, int offset, int width, ulong value) => Value(_out.U8(Bar | WriteBit | Width(width)).U8(region).U8(offset), width, value);

        public Script BarRead(int region, int offset, int width)
        {
            _out.U8(Bar | Width(width)).U8(region).U8(offset);
            return this;
        }

        public Script Common(int field, int width, ulong value) => BarWrite(0, field, width, value);

        public Script Memory(uint address, byte[] data)
        {
            _out.U8(Ram | WriteBit).U32(address).U8(data.Length).Bytes(data);
            return this;
        }

        public Script Complete()
        {
            _out.U8(Ram);
            return this;
        }

        public byte[] ToArray() => _out.ToArray();

        private Script Value(FuzzOutput output, int width, ulong value)
        {
            Span<byte> b = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(b, value);
            output.Bytes(b[..width]);
            return this;
        }
    }

    private static IEnumerable<(string, byte[])> PciSeeds()
    {
        // Discovery: IDs, BARs, the capability list (conf1 and ECAM), every BAR structure at each width.
        var discovery = new Script().EcamRead(0, 4).EcamRead(0x10, 4).EcamRead(0x20, 4).EcamRead(0x34, 1).Conf1Read(0x40, 4).Conf1Read(0x41, 1)
            .EcamWrite(0x20, 4, 0xFFFF_FFFF).EcamRead(0x20, 4).EcamWrite(0x04, 2, 0x6);
        for (int region = 0; region < PciTarget.BarRegions.Length; region++)
        {
            foreach (int width in new[] { 1, 2, 4, 8 })
                discovery.BarRead(region, 0, width);
        }

        yield return ("discovery", discovery.ToArray());
        yield return ("driver-init-request", DriverInit(msix: true));
        yield return ("driver-init-intx", DriverInit(msix: false));
    }

    /// <summary>§3.1.1 through the registers, two split queues of 16, then a read request on queue 0 and its kick.</summary>
    private static byte[] DriverInit(bool msix)
    {
        var s = new Script().EcamWrite(0x04, 2, 0x6);
        if (msix)
        {
            int cap = MsixCapabilityOffset();
            s.EcamWrite(cap + 2, 2, 0x8000);
            for (int v = 0; v < 3; v++)
            {
                s.BarWrite(4, 16 * v, 8, 0xFEE0_0000).BarWrite(4, 16 * v + 8, 4, (ulong)(0x40 + v)).BarWrite(4, 16 * v + 12, 4, 0);
            }
        }

        s.Common(DeviceStatus, 1, 0).Common(DeviceStatus, 1, 1).Common(DeviceStatus, 1, 3)
            .Common(DeviceFeatureSelect, 4, 0).BarRead(0, DeviceFeature, 4)
            .Common(DriverFeatureSelect, 4, 0).Common(DriverFeature, 4, VirtioBlkFeatures.Flush | VirtioBlkFeatures.BlkSize)
            .Common(DriverFeatureSelect, 4, 1).Common(DriverFeature, 4, 1)
            .Common(DeviceStatus, 1, 0xB).BarRead(0, DeviceStatus, 1);
        for (int q = 0; q < 2; q++)
        {
            ulong desc = 0x10000 + 0x1000UL * (ulong)q;
            s.Common(QueueSelect, 2, (ulong)q).Common(QueueSize, 2, 16).Common(QueueMsixVector, 2, msix ? (ulong)q : 0xFFFF)
                .Common(QueueDesc, 8, desc).Common(QueueDriver, 8, desc + 0x100).Common(QueueDevice, 8, desc + 0x200)
                .Common(QueueEnable, 2, 1);
        }

        s.Common(ConfigMsixVector, 2, msix ? 2UL : 0xFFFF).Common(DeviceStatus, 1, 0xF).BarRead(2, 0, 8);

        // A read of sector 1: header at 0x20000, data at 0x20100, status at 0x20300.
        var header = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(8), 1);
        var descriptors = new FuzzOutput()
            .U64(0x20000).U32(16).U16(1).U16(1)
            .U64(0x20100).U32(512).U16(3).U16(2)
            .U64(0x20300).U32(1).U16(2).U16(0).ToArray();
        s.Memory(0x20000, header).Memory(0x10000, descriptors)
            .Memory(0x10100, new FuzzOutput().U16(0).U16(1).U16(0).ToArray())
            .BarWrite(3, 0, 2, 0).Complete().BarRead(1, 0, 1).BarRead(5, 0, 8);
        return s.ToArray();
    }

    private static int MsixCapabilityOffset()
    {
        var memory = VirtqTestMemory.Flat(PciTarget.RamSize);
        var sink = new RecordingInterruptSink();
        using var backend = new MemoryBlockBackend(PciTarget.DiskSize);
        using var device = new PSVmm.Engine.Devices.Block.Device.VirtioBlock(
            new BlockDeviceOptions("seed.img") { Id = "seed", NumQueues = PciTarget.NumQueues, QueueSize = 64 }, backend, new SyncIoThread(), ownsBackend: false);
        var transport = new VirtioPciTransport("seed", device, memory, sink);
        Span<byte> b = stackalloc byte[1];
        transport.ReadConfig(0x34, b);
        int at = b[0];
        while (at != 0)
        {
            transport.ReadConfig(at, b);
            if (b[0] == 0x11)
                return at;

            transport.ReadConfig(at + 1, b);
            at = b[0];
        }

        throw new InvalidOperationException("no MSI-X capability");
    }

    // ---- boot -----------------------------------------------------------------------------

    private static IEnumerable<(string, byte[])> BootSeeds()
    {
        var bz = SyntheticKernels.BzImage(payloadSize: 0x400, initSize: 0x10_0000);
        var vmlinux = SyntheticKernels.Vmlinux(pvhEntry: 0x100_0100);
        var multiboot = new MultibootImage(0x200).Put(MultibootImage.PayloadStart, 0xF4).Build(MultibootImage.PayloadStart, flags: 0x2, memSize: 0x3000);
        yield return ("linux-bzimage", [0, .. bz]);
        yield return ("linux-bzimage-initrd", new FuzzOutput().U8(1).U32(0x2000).Bytes(bz).ToArray());
        yield return ("linux-vmlinux-pvh", [0, .. vmlinux]);
        yield return ("linux-vmlinux-initrd", new FuzzOutput().U8(1).U32(0x1000).Bytes(vmlinux).ToArray());
        yield return ("multiboot", [2, .. multiboot]);
        yield return ("parsers-elf", new FuzzOutput().U8(3).U32(0x1000).U32(0x800_0000).U8(0).U32(0x7FFF_FFFF).U32(0x200_0000).Bytes(vmlinux).ToArray());
        yield return ("parsers-bzimage", new FuzzOutput().U8(3).U32(0x10_0000).U32(0x400_0000).U8(0x80).U64(ulong.MaxValue).U32(0x100_0000).Bytes(bz).ToArray());
    }
}
