namespace PSVmm.Engine.Kvm.Native;

/// <summary>
/// Byte offsets into the mmap'd struct kvm_run (x86_64). The exit-specific union starts at 32.
/// </summary>
internal static class KvmRunLayout
{
    public const int ImmediateExit = 1;
    public const int ExitReason = 8;

    // KVM_EXIT_IO: direction(u8) size(u8) port(u16) count(u32) data_offset(u64).
    public const int IoDirection = 32;
    public const int IoSize = 33;
    public const int IoPort = 34;
    public const int IoCount = 36;
    public const int IoDataOffset = 40;
    public const byte IoDirectionIn = 0;

    // KVM_EXIT_MMIO: phys_addr(u64) data[8] len(u32) is_write(u8).
    public const int MmioPhysAddr = 32;
    public const int MmioData = 40;
    public const int MmioLen = 48;
    public const int MmioIsWrite = 52;

    // KVM_EXIT_FAIL_ENTRY: hardware_entry_failure_reason(u64) cpu(u32).
    public const int FailEntryReason = 32;

    // KVM_EXIT_INTERNAL_ERROR: suberror(u32) ndata(u32) data[16](u64).
    // For suberror 1 the data is: flags(u64), insn_size(u8), insn_bytes[15] when flags bit 0 is set.
    public const int InternalSuberror = 32;
    public const int InternalNdata = 36;
    public const int InternalData = 40;
    public const int EmulationFlags = 40;
    public const int EmulationInsnSize = 48;
    public const int EmulationInsnBytes = 49;
    public const ulong EmulationFlagInstructionBytes = 1;

    // KVM_EXIT_SYSTEM_EVENT: type(u32).
    public const int SystemEventType = 32;
}
