using PSVmm.Engine.Kvm.Emulation;
using Xunit;

namespace PSVmm.Tests.Kvm.Emulation;

public sealed class InstructionDecoderTests
{
    private static byte[] Hex(string text) => Convert.FromHexString(text.Replace(" ", ""));

    private static DecodedInstruction Decode(string hex) => InstructionDecoder.Decode(Hex(hex));

    [Theory]
    [InlineData("cc", InstructionKind.Int3, 1)]
    [InlineData("9b", InstructionKind.Fwait, 1)]
    [InlineData("0f 01 ca", InstructionKind.Clac, 3)]
    [InlineData("0f 01 cb", InstructionKind.Stac, 3)]
    public void Recognizes_each_kind(string hex, InstructionKind kind, int length)
    {
        Assert.Equal(new DecodedInstruction(kind, length), Decode(hex));
    }

    [Theory]
    [InlineData("cc 90 90")]
    [InlineData("9b db e3")] // fwait followed by fninit: fwait is its own instruction
    [InlineData("0f 01 ca 0f 0b")]
    public void Trailing_bytes_are_not_part_of_the_instruction(string hex)
    {
        var decoded = Decode(hex);
        Assert.NotEqual(InstructionKind.Unknown, decoded.Kind);
        Assert.True(decoded.Length < Hex(hex).Length);
    }

    [Theory]
    [InlineData("66 cc", InstructionKind.Int3, 2)]
    [InlineData("2e 3e 26 36 64 65 cc", InstructionKind.Int3, 7)]
    [InlineData("48 9b", InstructionKind.Fwait, 2)]
    [InlineData("f3 9b", InstructionKind.Fwait, 2)]
    [InlineData("67 f2 9b", InstructionKind.Fwait, 3)]
    [InlineData("41 0f 01 ca", InstructionKind.Clac, 4)]
    [InlineData("2e 67 4f 0f 01 cb", InstructionKind.Stac, 6)]
    [InlineData("48 66 cc", InstructionKind.Int3, 3)] // REX not last: ignored, still counted
    public void Prefixes_are_counted_in_the_length(string hex, InstructionKind kind, int length)
    {
        Assert.Equal(new DecodedInstruction(kind, length), Decode(hex));
    }

    [Theory]
    [InlineData("cc", InstructionKind.Int3, 1)]
    [InlineData("66 9b", InstructionKind.Fwait, 2)]
    [InlineData("2e 0f 01 cb", InstructionKind.Stac, 4)]
    public void Outside_64_bit_mode_legacy_prefixes_still_count(string hex, InstructionKind kind, int length)
    {
        Assert.Equal(new DecodedInstruction(kind, length), InstructionDecoder.Decode(Hex(hex), is64BitMode: false));
    }

    [Theory]
    [InlineData("48 cc")] // dec eax; int3
    [InlineData("41 0f 01 ca")]
    public void Outside_64_bit_mode_40_to_4f_are_instructions_not_rex(string hex)
    {
        Assert.Equal(new DecodedInstruction(InstructionKind.Unknown, 0), InstructionDecoder.Decode(Hex(hex), is64BitMode: false));
        Assert.NotEqual(InstructionKind.Unknown, InstructionDecoder.Decode(Hex(hex), is64BitMode: true).Kind);
    }

    [Theory]
    [InlineData("f0 cc")]
    [InlineData("f0 9b")]
    [InlineData("f0 0f 01 ca")]
    [InlineData("66 0f 01 ca")]
    [InlineData("f3 0f 01 cb")]
    [InlineData("f2 0f 01 ca")]
    public void Lock_and_mandatory_prefixes_that_change_the_meaning_are_rejected(string hex)
    {
        Assert.Equal(new DecodedInstruction(InstructionKind.Unknown, 0), Decode(hex));
    }

    [Theory]
    [InlineData("cd 03")] // int imm8 3: not identical to int3
    [InlineData("90")]
    [InlineData("0f 01 c8")] // monitor
    [InlineData("0f 01 d0")] // xgetbv
    [InlineData("0f 00 e8")] // verw
    [InlineData("0f 0b")]
    [InlineData("0f c7 0f")] // cmpxchg16b-style
    public void Other_instructions_are_unknown(string hex)
    {
        Assert.Equal(new DecodedInstruction(InstructionKind.Unknown, 0), Decode(hex));
    }

    [Theory]
    [InlineData("")]
    [InlineData("66")]
    [InlineData("48")]
    [InlineData("0f")]
    [InlineData("0f 01")]
    [InlineData("2e 0f 01")]
    public void Empty_or_truncated_input_is_unknown_with_length_zero(string hex)
    {
        Assert.Equal(new DecodedInstruction(InstructionKind.Unknown, 0), Decode(hex));
    }

    [Fact]
    public void Fifteen_bytes_is_the_limit()
    {
        byte[] fourteenPrefixes = Enumerable.Repeat((byte)0x66, 14).ToArray();
        Assert.Equal(new DecodedInstruction(InstructionKind.Int3, 15), InstructionDecoder.Decode([.. fourteenPrefixes, 0xCC]));
        Assert.Equal(new DecodedInstruction(InstructionKind.Unknown, 0), InstructionDecoder.Decode([.. fourteenPrefixes, 0x66, 0xCC]));

        byte[] twelvePrefixes = Enumerable.Repeat((byte)0x2E, 12).ToArray();
        Assert.Equal(new DecodedInstruction(InstructionKind.Clac, 15), InstructionDecoder.Decode([.. twelvePrefixes, 0x0F, 0x01, 0xCA]));
        Assert.Equal(new DecodedInstruction(InstructionKind.Unknown, 0), InstructionDecoder.Decode([.. twelvePrefixes, 0x2E, 0x0F, 0x01, 0xCA]));

        Assert.Equal(new DecodedInstruction(InstructionKind.Unknown, 0), InstructionDecoder.Decode(Enumerable.Repeat((byte)0x66, 40).ToArray()));
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("cc", "cc")]
    [InlineData("0f 01 ca", "0f 01 ca")]
    public void ToHex_formats_bytes_for_messages(string hex, string expected)
    {
        Assert.Equal(expected, InstructionBytes.ToHex(Hex(hex)));
    }

    [Fact]
    public void ToHex_cuts_long_input()
    {
        Assert.Equal("01 02 ...", InstructionBytes.ToHex(new byte[] { 1, 2, 3 }, maxBytes: 2));
        Assert.Equal("...", InstructionBytes.ToHex(new byte[] { 1 }, maxBytes: 0));
        Assert.Equal(15 * 3 - 1 + 4, InstructionBytes.ToHex(new byte[20]).Length);
    }
}
