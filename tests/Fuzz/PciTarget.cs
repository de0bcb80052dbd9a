using PSVmm.Engine.Bus;
using PSVmm.Engine.Devices.Block;
using PSVmm.Engine.Devices.Block.Device;
using PSVmm.Engine.Pci;
using PSVmm.Engine.Platform;
using PSVmm.Engine.Virtio.Transport;
using PSVmm.Tests.TestDoubles;

namespace PSVmm.Fuzz;

/// <summary>
/// Target "pci": a script of guest register accesses to one virtio-blk-pci function on a PciRoot,
/// as a guest makes them: ECAM and conf1 configuration space (BARs, capabilities, the PCI-cfg
/// window), BAR 4 (common config, ISR, device config, notify, MSI-X table and PBA) at every width
/// and alignment, plus guest RAM writes (rings, requests) and I/O completions.
/// </summary>
/// <remarks>
/// Each operation: a kind byte (bits 0-1 space: 0 ECAM, 1 conf1, 2 BAR 4, 3 guest RAM write or
/// completions; bit 2 write; bits 3-5 width), the offset (u16 for ECAM, u8 for conf1, region u8 +
/// offset u8 for BAR 4), and for writes the value (width bytes). Contract: none; no guest access
/// may throw, and no exception may reach the IoThread. Findings: any exception.
/// </remarks>
internal static class PciTarget
{
    public const int Slot = 5;
    public const int NumQueues = 2;
    public const ulong RamSize = 1 << 20;
    public const int DiskSize = 64 << 10;
    public static readonly int[] Widths = [1, 2, 4, 8, 3, 1, 2, 4];

    public static readonly ulong[] BarRegions =
    [
        VirtioPciLayout.CommonOffset, VirtioPciLayout.IsrOffset, VirtioPciLayout.DeviceConfigOffset,
        VirtioPciLayout.NotifyOffset, VirtioPciLayout.MsixTableOffset, VirtioPciLayout.PbaOffset(NumQueues + 1),
    ];

    public static void Run(byte[] data)
    {
        var input = new FuzzInput(data);
        var mmio = new IoBus("mmio");
        var pio = new IoBus("pio");
        var sink = new RecordingInterruptSink();
        var memory = VirtqTestMemory.Flat(RamSize);
        var ioThread = new SyncIoThread();
        var backend = new MemoryBlockBackend(DiskSize);
        var options = new BlockDeviceOptions("fuzz.img") { Id = "fuzz0", NumQueues = NumQueues, QueueSize = 64, Serial = "FUZZ-PCI" };
        using var device = new VirtioBlock(options, backend, ioThread);
        var root = new PciRoot(mmio, pio, PciWindows.Default(), (start, _) => start < RamSize);
        var transport = new VirtioPciTransport("virtio-blk-fuzz", device, memory, sink);
        transport.AttachTo(root, sink, Slot);
        root.AssignBars();
        Span<byte> buffer = stackalloc byte[8];
        while (!input.AtEnd)
        {
            byte kind = input.U8();
            bool write = (kind & 4) != 0;
            var value = buffer[..Widths[(kind >> 3) & 7]];
            ulong address;
            IoBus bus;
            switch (kind & 3)
            {
                case 0:
                    address = MemoryLayout.EcamAddress + ((ulong)Slot << 15) + (ulong)(input.U16() % 0x1000);
                    bus = mmio;
                    break;
                case 1:
                    // conf1: the address register, then the data port at the register's byte lane.
                    byte register = input.U8();
                    pio.Write(0xCF8, BitConverter.GetBytes(0x8000_0000u | Slot << 11 | (uint)(register & 0xFC)));
                    address = 0xCFCUL + (ulong)(register & 3);
                    bus = pio;
                    break;
                case 2:
                    byte region = input.U8();
                    byte offset = input.U8();
                    ulong bar = transport.Config.GetBarAddress(VirtioPciLayout.Bar);
                    address = bar + (region < 0xF0 ? BarRegions[region % BarRegions.Length] + offset : (ulong)(region & 0xF) << 12 | offset);
                    bus = mmio;
                    break;
                default:
                    if (write)
                    {
                        ulong at = input.U32() % RamSize;
                        var bytes = input.Bytes(input.U8());
                        if (memory.IsValidRange(at, (ulong)bytes.Length))
                            memory.Write(at, bytes);
                    }
                    else
                    {
                        ioThread.RunEventHandlers();
                    }

                    continue;
            }

            try
            {
                if (write)
                {
                    input.Bytes(value.Length).CopyTo(value);
                    bus.Write(address, value);
                }
                else
                {
                    bus.Read(address, value);
                }
            }
            catch (FuzzFindingException)
            {
                throw;
            }
            catch (Exception e)
            {
                throw new FuzzFindingException($"{(write ? "write" : "read")} of {value.Length} bytes at 0x{address:x} threw {e.GetType().Name}: {e.Message}", e);
            }
        }

        ioThread.RunEventHandlers();
        Program.Note($"{transport.GetInfo()}; used idx {memory.Read<ushort>(0x10202)}, status byte {memory.Read<byte>(0x20300)}, MSIs {sink.Msis.Count}, INTx changes {sink.LineChanges.Count}");
    }
}
