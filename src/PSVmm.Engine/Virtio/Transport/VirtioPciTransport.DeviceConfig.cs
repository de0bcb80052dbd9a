namespace PSVmm.Engine.Virtio.Transport;

// Device-specific configuration (virtio 1.2 §4.1.4.6): forwarded to the device, which bounds
// every access to its configuration size (outside reads 0, writes are dropped).
public sealed partial class VirtioPciTransport
{
    private void ReadDeviceConfig(ulong offset, Span<byte> data) => Device.ReadConfig(offset, data);

    private void WriteDeviceConfig(ulong offset, ReadOnlySpan<byte> data) => Device.WriteConfig(offset, data);
}
