using System.Buffers.Binary;
using PSVmm.Engine.Bus;
using PSVmm.Engine.Machine;
using PSVmm.Engine.Platform;

namespace PSVmm.Tests.Machine;

/// <summary>
/// Stand-ins for the platform devices, registered through MachineHooks: COM1's transmit
/// register into the console log, the test device's scratch (0xF0, recorded) and exit (0xF4)
/// ports, and one MMIO page that remembers what is written.
/// </summary>
internal sealed class TestGuestDevices
{
    private readonly object _lock = new();
    private readonly List<uint> _scratch = [];

    public byte[] MmioPage { get; } = new byte[4096];

    public int ShutdownRequests;

    public List<uint> Scratch
    {
        get { lock (_lock) return [.. _scratch]; }
    }

    /// <summary>The machine's devices, captured at registration.</summary>
    public MachineDevices? Machine { get; private set; }

    public MachineHooks Hooks(Engine.Kvm.Emulation.InstructionDecodeFunc? decode = null, Action<MachineDevices>? more = null) => new()
    {
        RegisterDevices = d => { Register(d); more?.Invoke(d); },
        Decode = decode,
    };

    /// <summary>When set, the MSI trigger goes through a sink without irqfd routes (the KVM_SIGNAL_MSI path).</summary>
    public Engine.Kvm.KvmInterruptSink? DirectSink { get; private set; }

    public bool UseDirectMsi { get; init; }

    private void Register(MachineDevices d)
    {
        Machine = d;
        var msi = d.Interrupts;
        if (UseDirectMsi)
            msi = DirectSink = new Engine.Kvm.KvmInterruptSink(d.Vm, maxRoutes: 0);
        d.Pio.Register(MemoryLayout.Com1Port, 8, new Region((o, data) => { if (o == 0) d.Console.Append(data[0]); }, (o, data) => data.Fill(o == 5 ? (byte)0x60 : (byte)0)), "com1-double");
        d.Pio.Register(MemoryLayout.TestDevicePort, 8, new Region((o, data) =>
        {
            uint v = data.Length switch { 1 => data[0], 2 => BinaryPrimitives.ReadUInt16LittleEndian(data), _ => BinaryPrimitives.ReadUInt32LittleEndian(data) };
            if (o == 0)
                lock (_lock) _scratch.Add(v);
            else if (o == 1)
                msi.SignalMsi(MemoryLayout.LapicAddress, KvmGuests.MsiVector);
            else if (o == 4)
                d.ExitRequested((int)v);
        }, (o, data) => data.Fill(0)), "test-ports-double");
        d.Mmio.Register(MemoryLayout.TestDeviceMmioAddress, MemoryLayout.TestDeviceMmioSize, new Region(
            (o, data) => { lock (_lock) data.CopyTo(MmioPage.AsSpan((int)o)); },
            (o, data) => { lock (_lock) MmioPage.AsSpan((int)o, data.Length).CopyTo(data); }), "test-mmio-double");
        d.ShutdownRequest = () => Interlocked.Increment(ref ShutdownRequests);
    }

    private delegate void Access(ulong offset, Span<byte> data);

    private sealed class Region(Action<ulong, byte[]> write, Access read) : IDeviceRegion
    {
        public void Read(ulong offset, Span<byte> data) => read(offset, data);

        public void Write(ulong offset, ReadOnlySpan<byte> data) => write(offset, data.ToArray());
    }
}
