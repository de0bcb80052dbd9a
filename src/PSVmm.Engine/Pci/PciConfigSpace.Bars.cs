using static PSVmm.Engine.Pci.PciConfigRegisters;

namespace PSVmm.Engine.Pci;

// Base address registers (PCI Local Bus 3.0 §6.2.5.1). The sizing protocol falls out of the
// write mask: address bits below the BAR size and the type bits are read-only, so writing
// all-ones and reading back yields ~(size - 1) | type bits, and a 64-bit BAR's upper register
// yields the upper half of that mask. Unimplemented BARs have a zero mask and read 0.
public sealed partial class PciConfigSpace
{
    private readonly PciBarDefinition?[] _bars = new PciBarDefinition?[BarCount];

    /// <summary>The BARs this function implements, by register index.</summary>
    public IReadOnlyList<PciBarDefinition> Bars
    {
        get { lock (_lock) return _bars.Where(b => b is not null).Select(b => b!).ToArray(); }
    }

    public PciBarDefinition? GetBar(int index)
    {
        if ((uint)index >= BarCount)
            return null;
        lock (_lock) return _bars[index];
    }

    /// <summary>
    /// Declares BAR <paramref name="index"/>. A 64-bit BAR also takes register index + 1.
    /// Memory BARs are a power of two of at least 4 KiB; I/O BARs a power of two in 4..256 bytes.
    /// </summary>
    public PciBarDefinition AddBar(int index, PciBarKind kind, ulong size, bool prefetchable = false)
    {
        int registers = kind == PciBarKind.Memory64 ? 2 : 1;
        if (index < 0 || index + registers > BarCount)
            throw new ArgumentOutOfRangeException(nameof(index), $"BAR {index} ({kind}) does not fit in registers 0..5.");
        if (!ulong.IsPow2(size))
            throw new ArgumentException($"BAR size 0x{size:x} is not a power of two.", nameof(size));
        switch (kind)
        {
            case PciBarKind.Io when size < PciBarDefinition.MinIoSize || size > PciBarDefinition.MaxIoSize:
                throw new ArgumentException($"I/O BAR size 0x{size:x} is outside 4..256 bytes.", nameof(size));
            case PciBarKind.Io when prefetchable:
                throw new ArgumentException("I/O BARs cannot be prefetchable.", nameof(prefetchable));
            case PciBarKind.Memory32 or PciBarKind.Memory64 when size < PciBarDefinition.MinMemorySize:
                throw new ArgumentException($"Memory BAR size 0x{size:x} is below 4 KiB.", nameof(size));
            case PciBarKind.Memory32 when size > 0x8000_0000:
                throw new ArgumentException($"32-bit memory BAR size 0x{size:x} exceeds 2 GiB.", nameof(size));
        }

        var bar = new PciBarDefinition(index, kind, size, prefetchable);
        lock (_lock)
        {
            for (int r = index; r < index + registers; r++)
            {
                if (RegisterInUse(r))
                    throw new InvalidOperationException($"BAR register {r} is already in use.");
            }

            _bars[index] = bar;

            ulong addressMask = ~(size - 1) & ~(ulong)bar.FlagMask;
            WriteDwordUnlocked(_data, BarOffset(index), bar.TypeBits);
            WriteDwordUnlocked(_writeMask, BarOffset(index), (uint)addressMask);
            if (registers == 2)
            {
                WriteDwordUnlocked(_data, BarOffset(index + 1), 0);
                WriteDwordUnlocked(_writeMask, BarOffset(index + 1), (uint)(addressMask >> 32));
            }
        }
        return bar;
    }

    /// <summary>The address currently programmed in BAR <paramref name="index"/> (type bits stripped), or 0 when the BAR is not implemented.</summary>
    public ulong GetBarAddress(int index)
    {
        var bar = GetBar(index);
        if (bar is null)
            return 0;
        lock (_lock)
        {
            ulong low = ReadDwordUnlocked(_data, BarOffset(index)) & ~bar.FlagMask;
            ulong high = bar.Is64Bit ? ReadDwordUnlocked(_data, BarOffset(index + 1)) : 0;
            return high << 32 | low;
        }
    }

    /// <summary>Firmware-style BAR assignment (bypasses the write mask, keeps the type bits). The address must be aligned to the BAR size and fit the BAR kind.</summary>
    public void SetBarAddress(int index, ulong address)
    {
        var bar = GetBar(index) ?? throw new InvalidOperationException($"BAR {index} is not implemented.");
        if ((address & (bar.Size - 1)) != 0)
            throw new ArgumentException($"Address 0x{address:x} is not aligned to BAR {index}'s size 0x{bar.Size:x}.", nameof(address));
        if (!bar.Is64Bit && address > uint.MaxValue)
            throw new ArgumentException($"Address 0x{address:x} does not fit 32-bit BAR {index}.", nameof(address));
        lock (_lock)
        {
            WriteDwordUnlocked(_data, BarOffset(index), (uint)address | bar.TypeBits);
            if (bar.Is64Bit)
                WriteDwordUnlocked(_data, BarOffset(index + 1), (uint)(address >> 32));
        }
    }

    /// <summary>True when [offset, offset + length) overlaps the six BAR registers.</summary>
    public static bool TouchesBars(int offset, int length) =>
        (long)offset < Bar0 + 4 * BarCount && (long)offset + length > Bar0;

    private bool RegisterInUse(int register)
    {
        if (_bars[register] is not null)
            return true;
        return register > 0 && _bars[register - 1] is { Is64Bit: true };
    }

    private static uint ReadDwordUnlocked(byte[] array, int offset) =>
        System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(array.AsSpan(offset));

    private static void WriteDwordUnlocked(byte[] array, int offset, uint value) =>
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(array.AsSpan(offset), value);
}
