using PSVmm.Engine.Boot.Acpi;
using Xunit;

namespace PSVmm.Tests.Boot;

/// <summary>AML encodings checked against bytes assembled by hand from ACPI 6.5 §20 and §6.4.</summary>
public class AmlWriterTests
{
    // §20.2.4 PkgLength: the value counts the PkgLength bytes themselves.
    [Theory]
    [InlineData(0, new byte[] { 0x01 })]
    [InlineData(62, new byte[] { 0x3F })]                      // largest one-byte form (63)
    [InlineData(63, new byte[] { 0x41, 0x04 })]                // 65 = 0x041: lead 0x40 | 0x1, then 0x04
    [InlineData(0xFFD, new byte[] { 0x4F, 0xFF })]             // 0xFFF, largest two-byte form
    [InlineData(0xFFE, new byte[] { 0x81, 0x00, 0x01 })]       // 0x1001 needs three bytes
    [InlineData(0xFFFFC, new byte[] { 0x8F, 0xFF, 0xFF })]     // 0xFFFFF, largest three-byte form
    [InlineData(0xFFFFD, new byte[] { 0xC1, 0x00, 0x00, 0x01 })] // 0x100001 needs four bytes
    public void PkgLength_uses_the_shortest_form(int bodyLength, byte[] expected)
    {
        Assert.Equal(expected, AmlWriter.PkgLength(bodyLength));
        var decoded = AmlTestParser.DecodePkgLength(expected, 0);
        Assert.Equal(bodyLength + expected.Length, decoded.Value);
    }

    [Fact]
    public void PkgLength_rejects_lengths_beyond_28_bits()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => AmlWriter.PkgLength((1 << 28) - 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => AmlWriter.PkgLength(-1));
    }

    [Theory]
    [InlineData(0UL, new byte[] { 0x00 })]
    [InlineData(1UL, new byte[] { 0x01 })]
    [InlineData(2UL, new byte[] { 0x0A, 0x02 })]
    [InlineData(0xFFUL, new byte[] { 0x0A, 0xFF })]
    [InlineData(0x100UL, new byte[] { 0x0B, 0x00, 0x01 })]
    [InlineData(0x1_0000UL, new byte[] { 0x0C, 0x00, 0x00, 0x01, 0x00 })]
    [InlineData(0x1_0000_0000UL, new byte[] { 0x0E, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00 })]
    [InlineData(ulong.MaxValue, new byte[] { 0xFF })]
    public void Integer_uses_the_shortest_encoding(ulong value, byte[] expected) =>
        Assert.Equal(expected, AmlWriter.Integer(value));

    [Theory]
    [InlineData("_HID", new byte[] { 0x5F, 0x48, 0x49, 0x44 })]
    [InlineData("_SB", new byte[] { 0x5F, 0x53, 0x42, 0x5F })]
    [InlineData("\\_SB", new byte[] { 0x5C, 0x5F, 0x53, 0x42, 0x5F })]
    [InlineData("\\_SB.PCI0", new byte[] { 0x5C, 0x2E, 0x5F, 0x53, 0x42, 0x5F, 0x50, 0x43, 0x49, 0x30 })]
    [InlineData("^^A.B.C", new byte[] { 0x5E, 0x5E, 0x2F, 0x03, 0x41, 0x5F, 0x5F, 0x5F, 0x42, 0x5F, 0x5F, 0x5F, 0x43, 0x5F, 0x5F, 0x5F })]
    [InlineData("\\", new byte[] { 0x5C, 0x00 })]
    public void NameString_encodes_prefixes_and_segments(string path, byte[] expected) =>
        Assert.Equal(expected, AmlWriter.NameString(path));

    [Theory]
    [InlineData("")]
    [InlineData("TOOLONG")]
    [InlineData("1ABC")]
    [InlineData("ab")]
    public void NameSeg_rejects_invalid_names(string segment) =>
        Assert.Throws<ArgumentException>(() => AmlWriter.NameSeg(segment));

    [Theory]
    [InlineData("PNP0A03", new byte[] { 0x0C, 0x41, 0xD0, 0x0A, 0x03 })]
    [InlineData("PNP0A08", new byte[] { 0x0C, 0x41, 0xD0, 0x0A, 0x08 })]
    [InlineData("PNP0501", new byte[] { 0x0C, 0x41, 0xD0, 0x05, 0x01 })]
    public void EisaId_compresses_letters_into_five_bits(string id, byte[] expected) =>
        Assert.Equal(expected, AmlWriter.EisaId(id));

    [Fact]
    public void EisaId_rejects_malformed_ids()
    {
        Assert.Throws<ArgumentException>(() => AmlWriter.EisaId("PNP0A0"));
        Assert.Throws<ArgumentException>(() => AmlWriter.EisaId("pnp0A03"));
        Assert.Throws<ArgumentException>(() => AmlWriter.EisaId("PNP0G03"));
    }

    [Fact]
    public void String_is_null_terminated() =>
        Assert.Equal(new byte[] { 0x0D, 0x41, 0x42, 0x00 }, AmlWriter.String("AB"));

    [Fact]
    public void Buffer_has_size_then_bytes() =>
        Assert.Equal(new byte[] { 0x11, 0x06, 0x0A, 0x03, 0x01, 0x02, 0x03 }, AmlWriter.Buffer([1, 2, 3]));

    [Fact]
    public void Package_has_element_count() =>
        Assert.Equal(new byte[] { 0x12, 0x04, 0x02, 0x01, 0x00 }, AmlWriter.Package(AmlWriter.Integer(1), AmlWriter.Integer(0)));

    [Fact]
    public void Empty_scope_encodes_root_name() =>
        Assert.Equal(new byte[] { 0x10, 0x06, 0x5C, 0x5F, 0x53, 0x42, 0x5F }, AmlWriter.Scope("\\_SB"));

    [Fact]
    public void Method_returning_a_byte_matches_hand_assembly()
    {
        // Method (_STA, 0, NotSerialized) { Return (0x0F) }
        byte[] expected = [0x14, 0x09, 0x5F, 0x53, 0x54, 0x41, 0x00, 0xA4, 0x0A, 0x0F];
        Assert.Equal(expected, AmlWriter.Method("_STA", 0, false, AmlWriter.Return(AmlWriter.Integer(0x0F))));
    }

    [Fact]
    public void Serialized_method_sets_flag_and_argument_count()
    {
        var method = AmlWriter.Method("ABCD", 2, true, AmlWriter.Return(AmlWriter.Integer(0)));
        Assert.Equal(0x0A, method[6]);
        Assert.Throws<ArgumentOutOfRangeException>(() => AmlWriter.Method("ABCD", 8, false));
    }

    [Fact]
    public void Device_with_hid_matches_hand_assembly()
    {
        // Device (COM1) { Name (_HID, EisaId ("PNP0501")) }
        byte[] expected = [0x5B, 0x82, 0x0F, 0x43, 0x4F, 0x4D, 0x31, 0x08, 0x5F, 0x48, 0x49, 0x44, 0x0C, 0x41, 0xD0, 0x05, 0x01];
        Assert.Equal(expected, AmlWriter.Device("COM1", AmlWriter.Name("_HID", AmlWriter.EisaId("PNP0501"))));
    }

    [Fact]
    public void Large_device_uses_two_byte_pkglength_that_the_parser_accepts()
    {
        var names = Enumerable.Range(0, 20).Select(i => AmlWriter.Name($"N{i:D3}", AmlWriter.Integer((ulong)i + 0x100))).ToArray();
        var device = AmlWriter.Device("BIG0", names);
        Assert.Equal(0x40, device[2] & 0xC0);
        var parsed = Assert.IsType<AmlDevice>(Assert.Single(AmlTestParser.ParseTermList(device)));
        Assert.Equal(20, parsed.Terms.Count);
    }

    [Fact]
    public void Package_over_4_KiB_uses_three_byte_pkglength_that_the_parser_accepts()
    {
        // 200 strings of 32 bytes each: 6400 bytes, past the 0xFFF two-byte limit.
        var elements = Enumerable.Range(0, 200).Select(i => AmlWriter.String($"ELEMENT-{i:D3}".PadRight(30, '.'))).ToArray();
        var package = AmlWriter.Package(elements);
        Assert.Equal(0x80, package[1] & 0xC0);
        var parsed = Assert.IsType<AmlPackage>(Assert.Single(AmlTestParser.ParseTermList(package)));
        Assert.Equal(200, parsed.Elements.Count);
        Assert.Equal("ELEMENT-199".PadRight(30, '.'), Assert.IsType<AmlString>(parsed.Elements[199]).Value);
    }

    [Fact]
    public void Com1_resource_template_matches_hand_assembly()
    {
        // ResourceTemplate () { IO (Decode16, 0x3F8, 0x3F8, 0x01, 0x08) IRQNoFlags () {4} }
        byte[] expected =
        [
            0x11, 0x10, 0x0A, 0x0D,
            0x47, 0x01, 0xF8, 0x03, 0xF8, 0x03, 0x01, 0x08,
            0x22, 0x10, 0x00,
            0x79, 0x00,
        ];
        Assert.Equal(expected, new AmlResourceTemplate().Io(0x3F8, 0x3F8, 1, 8).IrqNoFlags(4).ToAml());
    }

    [Fact]
    public void Memory32Fixed_descriptor_layout() =>
        Assert.Equal(
            new byte[] { 0x86, 0x09, 0x00, 0x01, 0x00, 0x00, 0x00, 0xE0, 0x00, 0x00, 0x00, 0x10, 0x79, 0x00 },
            new AmlResourceTemplate().Memory32Fixed(true, 0xE000_0000, 0x1000_0000).ToDescriptorBytes());

    [Fact]
    public void WordBusNumber_descriptor_layout() =>
        Assert.Equal(
            new byte[] { 0x88, 0x0D, 0x00, 0x02, 0x0C, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x01, 0x79, 0x00 },
            new AmlResourceTemplate().WordBusNumber(0, 0xFF).ToDescriptorBytes());

    [Fact]
    public void WordIo_descriptor_layout() =>
        Assert.Equal(
            new byte[] { 0x88, 0x0D, 0x00, 0x01, 0x0C, 0x03, 0x00, 0x00, 0x00, 0x0D, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0xF3, 0x79, 0x00 },
            new AmlResourceTemplate().WordIo(0x0D00, 0xFFFF).ToDescriptorBytes());

    [Fact]
    public void DWordMemory_descriptor_layout()
    {
        var d = new AmlResourceTemplate().DWordMemory(AmlResourceTemplate.MemoryReadWriteNonCacheable, 0xC000_0000, 0xDFFF_FFFF).ToDescriptorBytes();
        Assert.Equal(3 + 23 + 2, d.Length);
        Assert.Equal(new byte[] { 0x87, 0x17, 0x00, 0x00, 0x0C, 0x01 }, d[..6]);
        Assert.Equal(0xC000_0000u, BitConverter.ToUInt32(d, 10));
        Assert.Equal(0xDFFF_FFFFu, BitConverter.ToUInt32(d, 14));
        Assert.Equal(0x2000_0000u, BitConverter.ToUInt32(d, 22));
    }

    [Fact]
    public void QWordMemory_descriptor_layout()
    {
        var d = new AmlResourceTemplate().QWordMemory(AmlResourceTemplate.MemoryReadWriteCacheable, 0x2_0000_0000, 0x2_FFFF_FFFF).ToDescriptorBytes();
        Assert.Equal(3 + 43 + 2, d.Length);
        Assert.Equal(new byte[] { 0x8A, 0x2B, 0x00, 0x00, 0x0C, 0x03 }, d[..6]);
        Assert.Equal(0x2_0000_0000UL, BitConverter.ToUInt64(d, 14));
        Assert.Equal(0x2_FFFF_FFFFUL, BitConverter.ToUInt64(d, 22));
        Assert.Equal(0x1_0000_0000UL, BitConverter.ToUInt64(d, 38));
    }

    [Fact]
    public void Extended_interrupt_descriptor_layout() =>
        Assert.Equal(
            new byte[] { 0x89, 0x06, 0x00, 0x0D, 0x01, 0x10, 0x00, 0x00, 0x00, 0x79, 0x00 },
            new AmlResourceTemplate().Interrupt(16, edge: false, activeLow: true, shared: true).ToDescriptorBytes());

    [Fact]
    public void Resource_ranges_are_checked()
    {
        Assert.Throws<ArgumentException>(() => new AmlResourceTemplate().WordIo(0x100, 0xFF));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AmlResourceTemplate().IrqNoFlags(16));
    }
}
