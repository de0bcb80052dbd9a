using PSVmm.Engine.Kvm.Native;
using PSVmm.Engine.Memory;

namespace PSVmm.Engine.Kvm.Emulation;

/// <summary>Decodes the instruction at the start of the bytes; <paramref name="is64BitMode"/> says whether 0x40-0x4F are REX prefixes.</summary>
internal delegate DecodedInstruction InstructionDecodeFunc(ReadOnlySpan<byte> bytes, bool is64BitMode);

/// <summary>What became of one KVM_EXIT_INTERNAL_ERROR/emulation exit.</summary>
internal readonly record struct EmulationOutcome(InstructionKind Handled, string? Failure)
{
    public bool IsHandled => Failure is null;
}

/// <summary>
/// Completes in userspace the few instructions KVM's instruction emulator rejects at CPL0 on
/// PVM hosts (PLATFORM.md): int3 becomes an injected #BP so the guest's own handler runs
/// (Intel SDM Vol. 3A §6.15, #BP is a trap: the saved RIP is the next instruction), fwait is
/// skipped (no x87 exception is ever pending), clac/stac clear/set RFLAGS.AC. Anything else is
/// reported with the instruction bytes.
/// </summary>
internal sealed class EmulationFailureHandler
{
    public const int MaxInstructionLength = 15;
    private const ulong RflagsAc = 1UL << 18;
    private const byte BreakpointVector = 3;

    private readonly IGuestMemory _memory;
    private readonly InstructionDecodeFunc _decode;

    private readonly bool _useReportedBytes;

    /// <param name="useReportedBytes">false: always read the bytes from guest memory through KVM_TRANSLATE</param>
    public EmulationFailureHandler(IGuestMemory memory, InstructionDecodeFunc decode, bool useReportedBytes = true)
    {
        _memory = memory;
        _decode = decode;
        _useReportedBytes = useReportedBytes;
    }

    public unsafe EmulationOutcome Handle(KvmVcpu vcpu)
    {
        var regs = vcpu.GetRegs();
        var sregs = vcpu.GetSregs();
        bool longMode = sregs.Cs.L != 0;
        var bytes = InstructionBytes(vcpu, regs.Rip, sregs.Cs.Base, longMode);
        var decoded = bytes.Length == 0 ? default : _decode(bytes, longMode);
        if (decoded.Kind == InstructionKind.Unknown || decoded.Length <= 0 || decoded.Length > bytes.Length)
            return new EmulationOutcome(InstructionKind.Unknown, Describe(vcpu.Index, regs.Rip, bytes));

        regs.Rip += (ulong)decoded.Length;
        switch (decoded.Kind)
        {
            case InstructionKind.Clac:
                regs.Rflags &= ~RflagsAc;
                break;
            case InstructionKind.Stac:
                regs.Rflags |= RflagsAc;
                break;
        }
        vcpu.SetRegs(regs);
        if (decoded.Kind == InstructionKind.Int3)
        {
            var events = vcpu.GetEvents();
            events.ExceptionInjected = 1;
            events.ExceptionPending = 0;
            events.ExceptionNr = BreakpointVector;
            events.ExceptionHasErrorCode = 0;
            events.ExceptionErrorCode = 0;
            events.Flags = 0; // leave NMI, SIPI, SMM and shadow state as they are
            vcpu.SetEvents(events);
        }
        return new EmulationOutcome(decoded.Kind, null);
    }

    public static string Describe(int vcpu, ulong rip, ReadOnlySpan<byte> bytes) =>
        $"vCPU {vcpu}: KVM could not emulate the instruction at RIP 0x{rip:x} (bytes: {(bytes.Length == 0 ? "unreadable" : Convert.ToHexString(bytes))}).";

    /// <summary>The bytes KVM reported in kvm_run when it did, else up to 15 bytes read through KVM_TRANSLATE.</summary>
    private unsafe byte[] InstructionBytes(KvmVcpu vcpu, ulong rip, ulong csBase, bool longMode)
    {
        byte* run = vcpu.Run;
        uint ndata = *(uint*)(run + KvmRunLayout.InternalNdata);
        ulong flags = *(ulong*)(run + KvmRunLayout.EmulationFlags);
        int size = run[KvmRunLayout.EmulationInsnSize];
        if (_useReportedBytes && ndata >= 3 && (flags & KvmRunLayout.EmulationFlagInstructionBytes) != 0 && size > 0 && size <= MaxInstructionLength)
            return new ReadOnlySpan<byte>(run + KvmRunLayout.EmulationInsnBytes, size).ToArray();

        ulong linear = longMode ? rip : (csBase + rip) & 0xFFFF_FFFF;
        return ReadLinear(vcpu, linear, MaxInstructionLength);
    }

    // Reads page by page so an instruction at the end of a mapped page still yields its bytes.
    private byte[] ReadLinear(KvmVcpu vcpu, ulong linear, int count)
    {
        var result = new List<byte>(count);
        while (result.Count < count)
        {
            ulong address = linear + (ulong)result.Count;
            ulong? physical = vcpu.Translate(address);
            if (physical is null)
                break;
            int inPage = (int)Math.Min((ulong)(count - result.Count), 0x1000 - (address & 0xFFF));
            if (!_memory.IsValidRange(physical.Value, (ulong)inPage))
                break;
            var chunk = new byte[inPage];
            _memory.Read(physical.Value, chunk);
            result.AddRange(chunk);
        }
        return result.ToArray();
    }
}
