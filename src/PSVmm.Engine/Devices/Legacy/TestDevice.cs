using PSVmm.Engine.Bus;
using PSVmm.Engine.Interrupts;

namespace PSVmm.Engine.Devices.Legacy;

/// <summary>
/// CONTRACT STUB: the device test guests use. Port I/O at MemoryLayout.TestDevicePort (8 ports:
/// 0xF0 scratch dword, 0xF4 debug exit) and one MMIO page at MemoryLayout.TestDeviceMmioAddress
/// (signature, scratch, MSI address/data and trigger). The register map is documented in the
/// implementation and in tests/guest.
/// </summary>
public sealed class TestDevice
{
    /// <param name="exitRequested">called with the status the guest wrote to the exit port</param>
    public TestDevice(IInterruptSink interrupts, Action<int> exitRequested) => throw new NotImplementedException();

    public IDeviceRegion Ports => throw new NotImplementedException();

    public IDeviceRegion Mmio => throw new NotImplementedException();

    /// <summary>Raises the guest-visible shutdown request flag.</summary>
    public void RequestShutdown() => throw new NotImplementedException();

    public const int PortCount = 8;
}
