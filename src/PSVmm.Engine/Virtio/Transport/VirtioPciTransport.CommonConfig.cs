namespace PSVmm.Engine.Virtio.Transport;

// The common configuration region of the BAR (virtio 1.2 §4.1.4.3): the registers and their rules
// are the VirtioPciCommonConfig's; device_status writes go through the lifecycle (WriteStatus).
public sealed partial class VirtioPciTransport
{
    private readonly VirtioPciCommonConfig _common;

    private void ReadCommon(ulong offset, Span<byte> data)
    {
        lock (_lock)
            _common.Read(offset, data);
    }

    private void WriteCommon(ulong offset, ReadOnlySpan<byte> data)
    {
        if (offset == VirtioPciCommonConfig.DeviceStatus && data.Length == 1)
        {
            lock (_lock) _common.LegacyMode = false;
            WriteStatus(data[0]);
            return;
        }
        lock (_lock)
        {
            _common.LegacyMode = false;
            _common.Write(offset, data);
        }
    }
}
