using System.Buffers.Binary;
using static PSVmm.Engine.Pci.PciConfigRegisters;

namespace PSVmm.Engine.Pci;

/// <summary>
/// One function's configuration space: 4 KiB (256 conventional bytes plus the PCI Express
/// extended space, zero unless extended capabilities are placed there) with a per-byte write
/// mask and a per-byte write-1-to-clear mask. Guest writes go through <see cref="Write"/>,
/// which honours both masks; the device itself sets read-only fields with the Set* methods.
/// Accesses of any width at any offset never throw: bytes outside the 4 KiB read as all-ones
/// and writes to them are dropped. All members are thread-safe.
/// </summary>
public sealed partial class PciConfigSpace
{
    private readonly object _lock = new();
    private readonly byte[] _data = new byte[ExtendedSize];
    private readonly byte[] _writeMask = new byte[ExtendedSize];
    private readonly byte[] _w1cMask = new byte[ExtendedSize];

    /// <summary>Raised after every guest write that touched configuration space, with the offset and length written. Runs on the writing thread, outside the lock.</summary>
    public event Action<int, int>? Written;

    public PciConfigSpace(PciIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        if (identity.ClassCode > 0xFF_FFFF)
            throw new ArgumentOutOfRangeException(nameof(identity), "Class code is a 24-bit value.");
        if (identity.InterruptPin > 4)
            throw new ArgumentOutOfRangeException(nameof(identity), "Interrupt pin is 0 (none) or 1..4 (INTA#..INTD#).");

        SetWord(VendorId, identity.VendorId);
        SetWord(DeviceId, identity.DeviceId);
        SetByte(RevisionId, identity.Revision);
        SetByte(ClassCode, (byte)identity.ClassCode);
        SetWord(ClassCode + 1, (ushort)(identity.ClassCode >> 8));
        SetWord(SubsystemVendorId, identity.SubsystemVendorId);
        SetWord(SubsystemId, identity.SubsystemId);
        SetByte(InterruptPin, identity.InterruptPin);

        // §6.2.2: only I/O space, memory space, bus master and interrupt disable are implemented.
        SetWriteMask(Command, (ushort)(PciCommand.IoSpace | PciCommand.MemorySpace | PciCommand.BusMaster | PciCommand.InterruptDisable));
        // §6.2.3: the error bits are cleared by writing 1; the rest of the status register is read-only.
        SetW1cMask(Status, (ushort)PciStatus.ErrorBits);
        _writeMask[CacheLineSize] = 0xFF;
        _writeMask[InterruptLine] = 0xFF;
    }

    public int Size => ExtendedSize;

    // ---- guest access --------------------------------------------------------------------

    /// <summary>Reads <c>data.Length</c> bytes at <paramref name="offset"/>; bytes outside the space read 0xFF.</summary>
    public void Read(int offset, Span<byte> data)
    {
        lock (_lock)
        {
            for (int i = 0; i < data.Length; i++)
            {
                long o = (long)offset + i;
                data[i] = o >= 0 && o < ExtendedSize ? _data[o] : (byte)0xFF;
            }
        }
    }

    /// <summary>A guest write: per byte, new = (old &amp; ~writeMask) | (value &amp; writeMask), then bits set in both value and the W1C mask are cleared.</summary>
    public void Write(int offset, ReadOnlySpan<byte> data)
    {
        bool touched = false;
        lock (_lock)
        {
            for (int i = 0; i < data.Length; i++)
            {
                long o = (long)offset + i;
                if (o < 0 || o >= ExtendedSize)
                    continue;
                byte value = data[i];
                byte next = (byte)((_data[o] & ~_writeMask[o]) | (value & _writeMask[o]));
                next = (byte)(next & ~(value & _w1cMask[o]));
                _data[o] = next;
                touched = true;
            }
        }
        if (touched)
            Written?.Invoke(offset, data.Length);
    }

    // ---- device-side access (ignores masks) ---------------------------------------------

    public byte ReadByte(int offset) { lock (_lock) return _data[CheckOffset(offset, 1)]; }

    public ushort ReadWord(int offset) { lock (_lock) return BinaryPrimitives.ReadUInt16LittleEndian(_data.AsSpan(CheckOffset(offset, 2))); }

    public uint ReadDword(int offset) { lock (_lock) return BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan(CheckOffset(offset, 4))); }

    public void SetByte(int offset, byte value) { lock (_lock) _data[CheckOffset(offset, 1)] = value; }

    public void SetWord(int offset, ushort value) { lock (_lock) BinaryPrimitives.WriteUInt16LittleEndian(_data.AsSpan(CheckOffset(offset, 2)), value); }

    public void SetDword(int offset, uint value) { lock (_lock) BinaryPrimitives.WriteUInt32LittleEndian(_data.AsSpan(CheckOffset(offset, 4)), value); }

    public void SetBytes(int offset, ReadOnlySpan<byte> value) { lock (_lock) value.CopyTo(_data.AsSpan(CheckOffset(offset, value.Length))); }

    /// <summary>Sets or clears <paramref name="bits"/> of the 16-bit register at <paramref name="offset"/> atomically.</summary>
    public void UpdateWordBits(int offset, ushort bits, bool set)
    {
        lock (_lock)
        {
            var span = _data.AsSpan(CheckOffset(offset, 2));
            ushort v = BinaryPrimitives.ReadUInt16LittleEndian(span);
            BinaryPrimitives.WriteUInt16LittleEndian(span, set ? (ushort)(v | bits) : (ushort)(v & ~bits));
        }
    }

    /// <summary>Makes the bits set in <paramref name="mask"/> of the 16-bit register at <paramref name="offset"/> guest-writable (replacing its mask).</summary>
    public void SetWriteMask(int offset, ushort mask) { lock (_lock) BinaryPrimitives.WriteUInt16LittleEndian(_writeMask.AsSpan(CheckOffset(offset, 2)), mask); }

    public void SetWriteMask(int offset, uint mask) { lock (_lock) BinaryPrimitives.WriteUInt32LittleEndian(_writeMask.AsSpan(CheckOffset(offset, 4)), mask); }

    public void SetWriteMaskByte(int offset, byte mask) { lock (_lock) _writeMask[CheckOffset(offset, 1)] = mask; }

    /// <summary>Makes the bits set in <paramref name="mask"/> of the 16-bit register at <paramref name="offset"/> write-1-to-clear.</summary>
    public void SetW1cMask(int offset, ushort mask) { lock (_lock) BinaryPrimitives.WriteUInt16LittleEndian(_w1cMask.AsSpan(CheckOffset(offset, 2)), mask); }

    /// <summary>A copy of the whole space, taken atomically (for snapshots).</summary>
    public byte[] Copy() { lock (_lock) return (byte[])_data.Clone(); }

    // ---- typed header accessors ----------------------------------------------------------

    public ushort VendorIdValue => ReadWord(VendorId);
    public ushort DeviceIdValue => ReadWord(DeviceId);
    public PciCommand CommandValue => (PciCommand)ReadWord(Command);
    public PciStatus StatusValue => (PciStatus)ReadWord(Status);
    public byte Revision => ReadByte(RevisionId);
    public uint ClassCodeValue => ReadDword(RevisionId) >> 8;
    public byte HeaderTypeValue => ReadByte(HeaderType);
    public ushort SubsystemVendorIdValue => ReadWord(SubsystemVendorId);
    public ushort SubsystemIdValue => ReadWord(SubsystemId);
    public byte InterruptLineValue => ReadByte(InterruptLine);
    public byte InterruptPinValue => ReadByte(InterruptPin);

    /// <summary>Header type bit 7 (§6.2.1): set on function 0 of a multi-function device.</summary>
    public bool IsMultifunction
    {
        get => (ReadByte(HeaderType) & HeaderTypeMultifunction) != 0;
        set
        {
            lock (_lock)
                _data[HeaderType] = (byte)(value ? _data[HeaderType] | HeaderTypeMultifunction : _data[HeaderType] & ~HeaderTypeMultifunction);
        }
    }

    /// <summary>Firmware-style: what a BIOS would write to the interrupt line register.</summary>
    public void SetInterruptLine(byte line) => SetByte(InterruptLine, line);

    private static int CheckOffset(int offset, int length)
    {
        if (offset < 0 || length < 0 || offset > ExtendedSize - length)
            throw new ArgumentOutOfRangeException(nameof(offset), $"Config space offset 0x{offset:x} (+{length}) is outside 0..0x{ExtendedSize:x}.");
        return offset;
    }
}
