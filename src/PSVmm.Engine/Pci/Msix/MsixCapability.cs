using PSVmm.Engine.Interrupts;

namespace PSVmm.Engine.Pci.Msix;

/// <summary>
/// The MSI-X capability structure (PCI Local Bus 3.0 §6.8.2, figure 6-10): ID 0x11; message
/// control (bits 10:0 table size N - 1, read-only; bit 14 function mask; bit 15 enable); table
/// offset/BIR; PBA offset/BIR. Owns the <see cref="MsixTable"/>; the device places
/// <see cref="MsixTable.TableRegion"/> and <see cref="MsixTable.PbaRegion"/> in the named BARs
/// at the given offsets (e.g. with <see cref="PciSubregionMap"/>).
/// </summary>
public sealed class MsixCapability
{
    public const int Length = 12;
    public const ushort FunctionMaskBit = 1 << 14;
    public const ushort EnableBit = 1 << 15;

    private readonly PciConfigSpace _config;
    private readonly object _controlLock = new();

    public MsixCapability(PciConfigSpace config, int vectorCount, IInterruptSink sink,
        int tableBar, uint tableOffset, int pbaBar, uint pbaOffset)
    {
        _config = config ?? throw new ArgumentNullException(nameof(config));
        Table = new MsixTable(vectorCount, sink);
        CheckPlacement(config, "table", tableBar, tableOffset, (ulong)Table.TableSize);
        CheckPlacement(config, "PBA", pbaBar, pbaOffset, (ulong)Table.PbaSize);
        if (tableBar == pbaBar && tableOffset < pbaOffset + (ulong)Table.PbaSize && pbaOffset < tableOffset + (ulong)Table.TableSize)
            throw new ArgumentException("The MSI-X table and PBA overlap.");

        TableBar = tableBar;
        TableOffset = tableOffset;
        PbaBar = pbaBar;
        PbaOffset = pbaOffset;
        Offset = config.AddCapability(PciCapabilityId.MsiX, Length);
        config.SetWord(Offset + 2, (ushort)(vectorCount - 1));
        config.SetWriteMask(Offset + 2, (ushort)(FunctionMaskBit | EnableBit));
        config.SetDword(Offset + 4, tableOffset | (uint)tableBar);
        config.SetDword(Offset + 8, pbaOffset | (uint)pbaBar);
        config.Written += OnConfigWritten;
    }

    /// <summary>Offset of the capability in configuration space.</summary>
    public int Offset { get; }

    public MsixTable Table { get; }

    public int TableBar { get; }
    public uint TableOffset { get; }
    public int PbaBar { get; }
    public uint PbaOffset { get; }

    private void OnConfigWritten(int offset, int length)
    {
        int control = Offset + 2;
        if ((long)offset >= control + 2 || (long)offset + length <= control)
            return;
        // Read and apply under one lock so concurrent control writes cannot apply out of order.
        lock (_controlLock)
        {
            ushort value = _config.ReadWord(control);
            Table.SetControl((value & EnableBit) != 0, (value & FunctionMaskBit) != 0);
        }
    }

    private static void CheckPlacement(PciConfigSpace config, string what, int bar, uint offset, ulong size)
    {
        if ((offset & 0x7) != 0)
            throw new ArgumentException($"The MSI-X {what} offset 0x{offset:x} must be 8-byte aligned (its low 3 bits hold the BIR).");
        var definition = config.GetBar(bar) ?? throw new ArgumentException($"The MSI-X {what} BAR {bar} is not implemented.");
        if (!definition.IsMemory)
            throw new ArgumentException($"The MSI-X {what} must live in a memory BAR.");
        if (offset + size > definition.Size)
            throw new ArgumentException($"The MSI-X {what} (0x{offset:x} + 0x{size:x}) does not fit in BAR {bar} (0x{definition.Size:x}).");
    }
}
