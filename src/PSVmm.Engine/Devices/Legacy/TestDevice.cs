using PSVmm.Engine.Bus;
using PSVmm.Engine.Interrupts;

namespace PSVmm.Engine.Devices.Legacy;

/// <summary>
/// The device PSVmm's own test guests use (the role of QEMU's pc-testdev and isa-debug-exit).
/// The register map below is a contract with tests/guest; keep it exactly.
/// <para><b>Ports</b> (base <see cref="Platform.MemoryLayout.TestDevicePort"/> = 0xF0, <see cref="PortCount"/> = 8).
/// An access of any width is handled one byte per port, little-endian, as an ISA bus splits it:</para>
/// <list type="table">
/// <item><term>0xF0-0xF3</term><description>32-bit scratch register; reads return what was last written (initially 0).</description></item>
/// <item><term>0xF4</term><description>write: debug exit, <c>exitRequested(value &amp; 0xFF)</c> is called once per write
/// access that covers this port, with the byte written to it. Read: 1 when the host asked the guest to shut down
/// (<see cref="RequestShutdown"/>), else 0.</description></item>
/// <item><term>0xF5-0xF7</term><description>read 0, writes ignored.</description></item>
/// </list>
/// <para><b>MMIO page</b> (<see cref="Platform.MemoryLayout.TestDeviceMmioAddress"/>, 4 KiB), 32-bit little-endian registers:</para>
/// <list type="table">
/// <item><term>0x00 R</term><description>signature 0x4D565350 ("PSVM" in memory order)</description></item>
/// <item><term>0x04 RW</term><description>scratch</description></item>
/// <item><term>0x08 RW</term><description>MSI address, low 32 bits</description></item>
/// <item><term>0x0C RW</term><description>MSI address, high 32 bits</description></item>
/// <item><term>0x10 RW</term><description>MSI data</description></item>
/// <item><term>0x14 W</term><description>trigger: each write sends one MSI with the programmed address and data (value ignored); reads 0</description></item>
/// <item><term>0x18 R</term><description>number of MSIs triggered so far (wraps at 2^32)</description></item>
/// <item><term>0x1C R</term><description>shutdown requested: 1 or 0, as a read of port 0xF4</description></item>
/// </list>
/// Everything else in the page reads 0 and ignores writes. Reads of any width and alignment return
/// the bytes of the registers they overlap (reads have no side effects). Writes take effect only
/// as aligned 4-byte accesses, or aligned 8-byte accesses, which act as two 4-byte writes, low
/// address first (so one 8-byte write at 0x08 programs the whole MSI address); other writes are ignored.
/// </summary>
public sealed class TestDevice
{
    public const int PortCount = 8;

    /// <summary>"PSVM" as a little-endian 32-bit value.</summary>
    public const uint Signature = 0x4D565350;

    private readonly object _lock = new();
    private readonly IInterruptSink _interrupts;
    private readonly Action<int> _exitRequested;
    private uint _portScratch;
    private uint _mmioScratch;
    private uint _msiAddressLow;
    private uint _msiAddressHigh;
    private uint _msiData;
    private uint _msiCount;
    private volatile bool _shutdownRequested;

    /// <param name="exitRequested">called with the status the guest wrote to the exit port</param>
    public TestDevice(IInterruptSink interrupts, Action<int> exitRequested)
    {
        ArgumentNullException.ThrowIfNull(interrupts);
        ArgumentNullException.ThrowIfNull(exitRequested);
        _interrupts = interrupts;
        _exitRequested = exitRequested;
        Ports = new TestDevicePortRegion(this);
        Mmio = new TestDeviceMmioRegion(this);
    }

    public IDeviceRegion Ports { get; }

    public IDeviceRegion Mmio { get; }

    /// <summary>True once the host has asked the guest to shut down.</summary>
    public bool ShutdownRequested => _shutdownRequested;

    /// <summary>Asks the guest to shut down: ports 0xF4 and MMIO 0x1C read 1 from now on.</summary>
    public void RequestShutdown() => _shutdownRequested = true;

    internal uint PortScratch
    {
        get { lock (_lock) return _portScratch; }
    }

    internal void WritePortScratchByte(int index, byte value)
    {
        lock (_lock)
        {
            int shift = index * 8;
            _portScratch = (_portScratch & ~(0xFFu << shift)) | ((uint)value << shift);
        }
    }

    internal void RequestExit(byte status) => _exitRequested(status);

    internal uint ReadMmioRegister(uint offset)
    {
        lock (_lock)
        {
            return offset switch
            {
                0x00 => Signature,
                0x04 => _mmioScratch,
                0x08 => _msiAddressLow,
                0x0C => _msiAddressHigh,
                0x10 => _msiData,
                0x18 => _msiCount,
                0x1C => _shutdownRequested ? 1u : 0u,
                _ => 0,
            };
        }
    }

    internal void WriteMmioRegister(uint offset, uint value)
    {
        ulong msiAddress;
        uint msiData;
        lock (_lock)
        {
            switch (offset)
            {
                case 0x04: _mmioScratch = value; return;
                case 0x08: _msiAddressLow = value; return;
                case 0x0C: _msiAddressHigh = value; return;
                case 0x10: _msiData = value; return;
                case 0x14:
                    msiAddress = ((ulong)_msiAddressHigh << 32) | _msiAddressLow;
                    msiData = _msiData;
                    _msiCount++;
                    break;
                default:
                    return;
            }
        }
        _interrupts.SignalMsi(msiAddress, msiData);
    }
}
