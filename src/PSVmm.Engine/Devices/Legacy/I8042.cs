using PSVmm.Engine.Bus;

namespace PSVmm.Engine.Devices.Legacy;

/// <summary>CONTRACT STUB: the keyboard controller, only as far as a guest needs it: status reads and the 0xFE reset command. Registered as 5 ports at 0x60 (0x60 data .. 0x64 command/status).</summary>
public sealed class I8042 : IDeviceRegion
{
    public I8042(Action resetRequested) => throw new NotImplementedException();

    public void Read(ulong offset, Span<byte> data) => throw new NotImplementedException();

    public void Write(ulong offset, ReadOnlySpan<byte> data) => throw new NotImplementedException();
}
