using static PSVmm.Engine.Pci.PciConfigRegisters;

namespace PSVmm.Engine.Pci;

// Capability lists: conventional capabilities (PCI Local Bus 3.0 §6.7) chained from the
// capabilities pointer at 0x34 inside [0x40, 0x100), and PCI Express extended capabilities
// (PCI Express Base §7.9.1 header: ID 15:0, version 19:16, next 31:20) chained from 0x100.
public sealed partial class PciConfigSpace
{
    private readonly List<PciCapability> _capabilities = [];
    private readonly List<PciCapability> _extendedCapabilities = [];
    private int _nextCapability = FirstCapabilityOffset;
    private int _nextExtendedCapability = ConventionalSize;

    public IReadOnlyList<PciCapability> Capabilities { get { lock (_lock) return _capabilities.ToArray(); } }

    public IReadOnlyList<PciCapability> ExtendedCapabilities { get { lock (_lock) return _extendedCapabilities.ToArray(); } }

    /// <summary>
    /// Places a capability of <paramref name="length"/> bytes (including the ID and next bytes),
    /// dword aligned, links it at the end of the list and sets the status capabilities bit.
    /// Returns its offset; the caller fills the body with Set* and opens writable fields with SetWriteMask.
    /// </summary>
    public int AddCapability(byte id, int length)
    {
        if (length < 2)
            throw new ArgumentOutOfRangeException(nameof(length), "A capability holds at least its ID and next pointer.");
        lock (_lock)
        {
            int offset = _nextCapability;
            if (offset + length > ConventionalSize)
                throw new InvalidOperationException($"No room for a {length}-byte capability at 0x{offset:x}.");
            _data[offset] = id;
            _data[offset + 1] = 0;
            if (_capabilities.Count == 0)
                _data[CapabilitiesPointer] = (byte)offset;
            else
                _data[_capabilities[^1].Offset + 1] = (byte)offset;
            _capabilities.Add(new PciCapability(id, offset, length));
            _nextCapability = (offset + length + 3) & ~3;
            _data[Status] |= (byte)PciStatus.CapabilitiesList;
            return offset;
        }
    }

    /// <summary>A vendor-specific capability (ID 0x09, §6.7): byte 2 holds the length, <paramref name="body"/> follows from byte 3.</summary>
    public int AddVendorCapability(ReadOnlySpan<byte> body)
    {
        int length = 3 + body.Length;
        if (length > byte.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(body), "A vendor capability is at most 255 bytes.");
        int offset = AddCapability(PciCapabilityId.VendorSpecific, length);
        SetByte(offset + 2, (byte)length);
        SetBytes(offset + 3, body);
        return offset;
    }

    /// <summary>Places a PCI Express extended capability in [0x100, 0x1000) and links it. Returns its offset.</summary>
    public int AddExtendedCapability(ushort id, byte version, int length)
    {
        if (length < 4)
            throw new ArgumentOutOfRangeException(nameof(length), "An extended capability holds at least its 4-byte header.");
        if (version > 0xF)
            throw new ArgumentOutOfRangeException(nameof(version), "The capability version is 4 bits.");
        lock (_lock)
        {
            int offset = _nextExtendedCapability;
            if (offset + length > ExtendedSize)
                throw new InvalidOperationException($"No room for a {length}-byte extended capability at 0x{offset:x}.");
            WriteDwordUnlocked(_data, offset, id | (uint)version << 16);
            if (_extendedCapabilities.Count > 0)
            {
                int previous = _extendedCapabilities[^1].Offset;
                WriteDwordUnlocked(_data, previous, ReadDwordUnlocked(_data, previous) & 0x000F_FFFF | (uint)offset << 20);
            }
            _extendedCapabilities.Add(new PciCapability(id, offset, length, Extended: true));
            _nextExtendedCapability = (offset + length + 3) & ~3;
            return offset;
        }
    }
}
