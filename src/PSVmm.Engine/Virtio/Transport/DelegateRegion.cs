using PSVmm.Engine.Bus;

namespace PSVmm.Engine.Virtio.Transport;

/// <summary>An <see cref="IDeviceRegion"/> that forwards to two delegates (one structure inside the virtio BAR).</summary>
internal sealed class DelegateRegion(DelegateRegion.ReadHandler read, DelegateRegion.WriteHandler write) : IDeviceRegion
{
    public delegate void ReadHandler(ulong offset, Span<byte> data);

    public delegate void WriteHandler(ulong offset, ReadOnlySpan<byte> data);

    public void Read(ulong offset, Span<byte> data) => read(offset, data);

    public void Write(ulong offset, ReadOnlySpan<byte> data) => write(offset, data);
}
