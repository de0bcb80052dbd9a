namespace PSVmm.Engine.Boot.Acpi;

/// <summary>
/// Builds a ResourceTemplate: resource descriptors (ACPI 6.5 §6.4) followed by an End Tag,
/// wrapped in an AML Buffer. Small descriptors (§6.4.2) carry their type and length in one byte;
/// large descriptors (§6.4.3) have a type byte and a 16-bit length of the data that follows.
/// </summary>
public sealed class AmlResourceTemplate
{
    // Address space descriptor General Flags (§6.4.3.5.1-3): bit 3 _MAF, bit 2 _MIF,
    // bit 1 _DEC (0 = positive decode), bit 0 consumer (0 = producer and consumer, as a bridge).
    private const byte ProducerMinMaxFixed = 0x0C;

    public const byte ResourceTypeMemory = 0;
    public const byte ResourceTypeIo = 1;
    public const byte ResourceTypeBusNumber = 2;

    /// <summary>Memory Resource Flags (§6.4.3.5.5): bit 0 _RW, bits 2:1 _MEM (0 non-cacheable, 1 cacheable).</summary>
    public const byte MemoryReadWriteNonCacheable = 0x01;
    public const byte MemoryReadWriteCacheable = 0x03;

    /// <summary>I/O Resource Flags (§6.4.3.5.5): bits 1:0 _RNG = 3, the entire range (ISA and non-ISA).</summary>
    public const byte IoEntireRange = 0x03;

    private readonly List<byte> _bytes = [];

    /// <summary>I/O Port Descriptor (§6.4.2.5, small item 0x47, 7 data bytes): decodes 16 address bits.</summary>
    public AmlResourceTemplate Io(ushort minimum, ushort maximum, byte alignment, byte length)
    {
        _bytes.AddRange([0x47, 0x01]);
        AddU16(minimum);
        AddU16(maximum);
        _bytes.Add(alignment);
        _bytes.Add(length);
        return this;
    }

    /// <summary>IRQ Descriptor without flags (§6.4.2.1, small item 0x22, 2 data bytes): a mask of ISA IRQs 0-15, edge, active high.</summary>
    public AmlResourceTemplate IrqNoFlags(int irq)
    {
        if (irq is < 0 or > 15)
            throw new ArgumentOutOfRangeException(nameof(irq));
        _bytes.Add(0x22);
        AddU16((ushort)(1 << irq));
        return this;
    }

    /// <summary>
    /// Extended Interrupt Descriptor (§6.4.3.6, large item 0x89): flags (bit 0 consumer,
    /// bit 1 level(0)/edge(1), bit 2 active high(0)/low(1), bit 3 shared), table length 1, one GSI.
    /// </summary>
    public AmlResourceTemplate Interrupt(uint gsi, bool edge, bool activeLow, bool shared)
    {
        byte flags = (byte)(0x01 | (edge ? 0x02 : 0) | (activeLow ? 0x04 : 0) | (shared ? 0x08 : 0));
        _bytes.Add(0x89);
        AddU16(6);
        _bytes.Add(flags);
        _bytes.Add(1);
        AddU32(gsi);
        return this;
    }

    /// <summary>32-bit Fixed Memory Range Descriptor (§6.4.3.4, large item 0x86, 9 data bytes).</summary>
    public AmlResourceTemplate Memory32Fixed(bool readWrite, uint baseAddress, uint length)
    {
        _bytes.Add(0x86);
        AddU16(9);
        _bytes.Add((byte)(readWrite ? 1 : 0));
        AddU32(baseAddress);
        AddU32(length);
        return this;
    }

    /// <summary>Word Address Space Descriptor (§6.4.3.5.3, large item 0x88, 13 data bytes) for a bus-number range.</summary>
    public AmlResourceTemplate WordBusNumber(ushort minimum, ushort maximum) =>
        WordAddress(ResourceTypeBusNumber, 0, minimum, maximum);

    /// <summary>Word Address Space Descriptor for an I/O port window.</summary>
    public AmlResourceTemplate WordIo(ushort minimum, ushort maximum) =>
        WordAddress(ResourceTypeIo, IoEntireRange, minimum, maximum);

    /// <summary>DWord Address Space Descriptor (§6.4.3.5.2, large item 0x87, 23 data bytes) for a memory window.</summary>
    public AmlResourceTemplate DWordMemory(byte memoryFlags, uint minimum, uint maximum)
    {
        CheckRange(minimum, maximum);
        _bytes.Add(0x87);
        AddU16(23);
        _bytes.AddRange([ResourceTypeMemory, ProducerMinMaxFixed, memoryFlags]);
        AddU32(0);                      // granularity
        AddU32(minimum);
        AddU32(maximum);
        AddU32(0);                      // translation offset
        AddU32(maximum - minimum + 1);  // length
        return this;
    }

    /// <summary>QWord Address Space Descriptor (§6.4.3.5.1, large item 0x8A, 43 data bytes) for a memory window.</summary>
    public AmlResourceTemplate QWordMemory(byte memoryFlags, ulong minimum, ulong maximum)
    {
        CheckRange(minimum, maximum);
        _bytes.Add(0x8A);
        AddU16(43);
        _bytes.AddRange([ResourceTypeMemory, ProducerMinMaxFixed, memoryFlags]);
        AddU64(0);
        AddU64(minimum);
        AddU64(maximum);
        AddU64(0);
        AddU64(maximum - minimum + 1);
        return this;
    }

    private AmlResourceTemplate WordAddress(byte resourceType, byte typeFlags, ushort minimum, ushort maximum)
    {
        CheckRange(minimum, maximum);
        _bytes.Add(0x88);
        AddU16(13);
        _bytes.AddRange([resourceType, ProducerMinMaxFixed, typeFlags]);
        AddU16(0);
        AddU16(minimum);
        AddU16(maximum);
        AddU16(0);
        AddU16((ushort)(maximum - minimum + 1));
        return this;
    }

    private static void CheckRange(ulong minimum, ulong maximum)
    {
        if (maximum < minimum || (minimum == 0 && maximum == ulong.MaxValue))
            throw new ArgumentException("A resource range needs minimum <= maximum and a length that fits.");
    }

    /// <summary>
    /// The descriptors, an End Tag (§6.4.2.9, small item 0x79 with checksum 0, which means
    /// "treat as valid"), as an AML Buffer.
    /// </summary>
    public byte[] ToAml() => AmlWriter.Buffer(ToDescriptorBytes());

    /// <summary>The raw descriptor bytes including the End Tag.</summary>
    public byte[] ToDescriptorBytes() => [.. _bytes, 0x79, 0x00];

    private void AddU16(ushort v) { _bytes.Add((byte)v); _bytes.Add((byte)(v >> 8)); }
    private void AddU32(uint v) { AddU16((ushort)v); AddU16((ushort)(v >> 16)); }
    private void AddU64(ulong v) { AddU32((uint)v); AddU32((uint)(v >> 32)); }
}
