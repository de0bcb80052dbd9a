namespace PSVmm.Engine.Kvm.Emulation;

/// <summary>
/// Recognizes the few instructions PSVmm handles itself when KVM's CPL0 emulator rejects them
/// (KVM_EXIT_INTERNAL_ERROR, suberror 1 = emulation; see design/PLATFORM.md): <c>int3</c> (CC,
/// injected as #BP), <c>fwait</c> (9B, skipped: no x87 exception is ever pending), and
/// <c>clac</c>/<c>stac</c> (0F 01 CA/CB, emulated by clearing/setting RFLAGS.AC).
/// <para>
/// Legacy prefixes (Intel SDM Vol. 2 §2.1.1: F0, F2, F3, 2E, 36, 3E, 26, 64, 65, 66, 67) and, in
/// 64-bit mode, REX (40-4F, §2.2.1) before the opcode are counted in Length; a REX that is not
/// last is ignored by the CPU and so is skipped here too. Anything this decoder is not sure of is
/// <see cref="InstructionKind.Unknown"/> with Length 0, so the caller stops the VM instead of
/// guessing:
/// </para>
/// <list type="bullet">
/// <item>input that is empty or ends before the instruction does;</item>
/// <item>an instruction longer than 15 bytes (the CPU raises #GP, SDM Vol. 2 §2.3.11);</item>
/// <item>LOCK on any of these (#UD, SDM Vol. 2 §2.1.1 "Lock prefix");</item>
/// <item>66/F2/F3 on clac/stac (listed as NP: other encodings live under those prefixes);</item>
/// <item><c>CD 03</c> (INT imm8 with 3): it is not CC (SDM Vol. 2 "INT n/INTO/INT3/INT1": in
/// virtual-8086 mode it is subject to IOPL checks and VME redirection, and virtualization
/// delivers it as a software interrupt, not a #BP exception), and Linux's text patching never
/// emits it, so it is not treated as int3;</item>
/// <item>everything else. No other instruction is added: those the platform notes list
/// (verw, ldmxcsr, xgetbv, ...) change architectural state, so skipping them is not safe.</item>
/// </list>
/// </summary>
public static class InstructionDecoder
{
    /// <summary>The architectural maximum instruction length (SDM Vol. 2 §2.3.11).</summary>
    public const int MaxInstructionLength = 15;

    /// <summary>Decodes the 64-bit-mode instruction at the start of <paramref name="bytes"/> (prefixes included in Length).</summary>
    public static DecodedInstruction Decode(ReadOnlySpan<byte> bytes) => Decode(bytes, is64BitMode: true);

    /// <summary>
    /// Decodes the instruction at the start of <paramref name="bytes"/>. Outside 64-bit mode
    /// (CS.L clear) 40-4F are INC/DEC, not REX, so an instruction starting with one is Unknown.
    /// </summary>
    public static DecodedInstruction Decode(ReadOnlySpan<byte> bytes, bool is64BitMode)
    {
        var unknown = new DecodedInstruction(InstructionKind.Unknown, 0);
        var prefixes = InstructionPrefixes.None;
        int position = 0;
        while (position < bytes.Length && position < MaxInstructionLength)
        {
            var prefix = PrefixClassifier.Classify(bytes[position]);
            if (prefix == InstructionPrefixes.Rex && !is64BitMode)
                prefix = InstructionPrefixes.None;
            if (prefix == InstructionPrefixes.None)
                break;
            prefixes |= prefix;
            position++;
        }
        if (position >= bytes.Length || position >= MaxInstructionLength)
            return unknown;
        if ((prefixes & InstructionPrefixes.Lock) != 0)
            return unknown;

        var (kind, opcodeLength) = DecodeOpcode(bytes[position..], prefixes);
        int length = position + opcodeLength;
        if (kind == InstructionKind.Unknown || length > MaxInstructionLength)
            return unknown;
        return new DecodedInstruction(kind, length);
    }

    private static (InstructionKind Kind, int Length) DecodeOpcode(ReadOnlySpan<byte> opcode, InstructionPrefixes prefixes)
    {
        switch (opcode[0])
        {
            case 0xCC:
                return (InstructionKind.Int3, 1);
            case 0x9B:
                return (InstructionKind.Fwait, 1);
            case 0x0F:
                // 0F 01 /1 with ModRM 0xCA (mod 11, reg 001, rm 010) = CLAC, 0xCB (rm 011) = STAC.
                if (opcode.Length < 3 || opcode[1] != 0x01)
                    return (InstructionKind.Unknown, 0);
                if ((prefixes & InstructionPrefixes.MandatoryPrefixes) != 0)
                    return (InstructionKind.Unknown, 0);
                return opcode[2] switch
                {
                    0xCA => (InstructionKind.Clac, 3),
                    0xCB => (InstructionKind.Stac, 3),
                    _ => (InstructionKind.Unknown, 0),
                };
            default:
                return (InstructionKind.Unknown, 0);
        }
    }
}

public enum InstructionKind
{
    Unknown,
    Int3,
    Fwait,
    Clac,
    Stac,
}

/// <summary>Length counts every byte of the instruction, so RIP + Length is the next instruction. Unknown has Length 0.</summary>
public readonly record struct DecodedInstruction(InstructionKind Kind, int Length);
