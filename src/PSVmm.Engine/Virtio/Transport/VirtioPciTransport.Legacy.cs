using System.Buffers.Binary;
using static PSVmm.Engine.Virtio.Transport.VirtioPciCommonConfig;

namespace PSVmm.Engine.Virtio.Transport;

// The legacy interface of a transitional device (virtio 1.2 §4.1.4.10, §4.1.5.1.1.1): an I/O BAR 0
// with the virtio 0.9.5 register layout, used by drivers that do not know the capabilities. The
// header's registers are the common configuration's (VirtioPciCommonConfig.Legacy.cs) but for
// queue notify and the ISR; the device configuration follows at 0x18 (MSI-X enabled) or 0x14
// (disabled). A driver using this BAR puts the transport in legacy mode until the next reset; the
// device then sees features without VERSION_1.
public sealed partial class VirtioPciTransport
{
    public const int LegacyBar = 0;
    public const ushort TransitionalDeviceIdBase = 0x1000;

    /// <summary>True when the device also offers the legacy interface (I/O BAR 0, device ID 0x1000 + type - 1).</summary>
    public bool IsTransitional { get; }

    /// <summary>True when the driver drives the device through the legacy interface (until the next reset).</summary>
    public bool InLegacyMode { get { lock (_lock) return _common.LegacyMode; } }

    /// <summary>Size of the legacy I/O BAR: the registers with MSI-X vectors plus the device configuration, as a power of two.</summary>
    public static ulong LegacyBarSize(int configSize) =>
        ulong.Max(PSVmm.Engine.Pci.PciBarDefinition.MinIoSize, System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)(LegacyHeaderLength + configSize)));

    private int LegacyConfigBase => Msix.Table.Enabled ? LegacyHeaderLength : LegacyConfigVector;

    private void ReadLegacy(ulong offset, Span<byte> data)
    {
        data.Clear();
        if (data.Length == 0 || offset >= 0x100)
            return;
        int start = (int)offset;
        int configBase = LegacyConfigBase;
        Span<byte> header = stackalloc byte[LegacyHeaderLength];
        lock (_lock)
        {
            _common.ReadLegacyHeader(header);
            header[LegacyIsr] = _isr;
            // §4.1.4.5 (legacy too): reading the ISR clears it and deasserts INTx.
            if (start <= LegacyIsr && start + data.Length > LegacyIsr)
                SetIsrLocked(0);
        }
        for (int i = 0; i < data.Length && start + i < configBase; i++)
            data[i] = header[start + i];
        if (start + data.Length > configBase)
        {
            int skip = Math.Max(0, configBase - start);
            Device.ReadConfig((ulong)(start + skip - configBase), data[skip..]);
        }
    }

    private void WriteLegacy(ulong offset, ReadOnlySpan<byte> data)
    {
        if (data.Length == 0 || offset >= 0x100)
            return;
        int field = (int)offset;
        int configBase = LegacyConfigBase;
        if (field >= configBase)
        {
            Device.WriteConfig((ulong)(field - configBase), data);
            return;
        }
        switch (field, data.Length)
        {
            case (LegacyStatus, 1):
                lock (_lock) _common.LegacyMode = true;
                WriteStatus(data[0]);
                return;
            case (LegacyQueueNotify, 2):
                DeliverNotify(BinaryPrimitives.ReadUInt16LittleEndian(data));
                return;
        }
        lock (_lock)
        {
            _common.LegacyMode = true;
            _common.WriteLegacy(field, data, msixEnabled: configBase == LegacyHeaderLength);
        }
    }
}
