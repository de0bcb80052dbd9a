namespace PSVmm.Engine.Kvm.Emulation;

/// <summary>CONTRACT STUB (the legacy-devices work fills it): recognizes the instructions PSVmm handles itself when KVM's emulator rejects them.</summary>
public static class InstructionDecoder
{
    /// <summary>Decodes the instruction at the start of <paramref name="bytes"/> (prefixes included in Length).</summary>
    public static DecodedInstruction Decode(ReadOnlySpan<byte> bytes) => throw new NotImplementedException();
}

public enum InstructionKind
{
    Unknown,
    Int3,
    Fwait,
    Clac,
    Stac,
}

/// <summary>Length counts every byte of the instruction, so RIP + Length is the next instruction.</summary>
public readonly record struct DecodedInstruction(InstructionKind Kind, int Length);
