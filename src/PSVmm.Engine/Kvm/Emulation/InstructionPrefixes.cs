namespace PSVmm.Engine.Kvm.Emulation;

/// <summary>The prefixes that may precede an opcode (Intel SDM Vol. 2 §2.1.1 legacy prefixes, §2.2.1 REX).</summary>
[Flags]
internal enum InstructionPrefixes
{
    None = 0,
    Lock = 1 << 0,              // F0
    Repne = 1 << 1,             // F2
    Rep = 1 << 2,               // F3
    SegmentOverride = 1 << 3,   // 2E 36 3E 26 64 65
    OperandSize = 1 << 4,       // 66
    AddressSize = 1 << 5,       // 67
    Rex = 1 << 6,               // 40-4F (64-bit mode)

    /// <summary>The prefixes that select a different instruction in the 0F map ("NP" forms forbid them).</summary>
    MandatoryPrefixes = Repne | Rep | OperandSize,
}

internal static class PrefixClassifier
{
    /// <summary>Which prefix <paramref name="value"/> is, or None when it is not one (the opcode starts there).</summary>
    public static InstructionPrefixes Classify(byte value) => value switch
    {
        0xF0 => InstructionPrefixes.Lock,
        0xF2 => InstructionPrefixes.Repne,
        0xF3 => InstructionPrefixes.Rep,
        0x2E or 0x36 or 0x3E or 0x26 or 0x64 or 0x65 => InstructionPrefixes.SegmentOverride,
        0x66 => InstructionPrefixes.OperandSize,
        0x67 => InstructionPrefixes.AddressSize,
        >= 0x40 and <= 0x4F => InstructionPrefixes.Rex,
        _ => InstructionPrefixes.None,
    };
}
