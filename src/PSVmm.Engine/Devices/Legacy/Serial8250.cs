using PSVmm.Engine.Bus;
using PSVmm.Engine.Interrupts;

namespace PSVmm.Engine.Devices.Legacy;

/// <summary>CONTRACT STUB (the legacy-devices work fills it): a 16550A-compatible UART, 8 ports (COM1 at 0x3F8, IRQ 4).</summary>
public sealed class Serial8250 : IDeviceRegion
{
    /// <param name="output">called for every byte the guest transmits</param>
    public Serial8250(IInterruptSink interrupts, uint gsi, Action<byte> output) => throw new NotImplementedException();

    /// <summary>Queues bytes for the guest to receive (thread-safe).</summary>
    public void EnqueueInput(ReadOnlySpan<byte> data) => throw new NotImplementedException();

    public void Read(ulong offset, Span<byte> data) => throw new NotImplementedException();

    public void Write(ulong offset, ReadOnlySpan<byte> data) => throw new NotImplementedException();
}
