using PSVmm.Engine.Kvm.Emulation;
using PSVmm.Engine.Machine;
using PSVmm.Engine.Platform;
using static PSVmm.Tests.Machine.Asm32;

namespace PSVmm.Tests.Machine;

/// <summary>Test guests (Multiboot ELF files in a temp folder) and a way to run them with device doubles.</summary>
internal static class KvmGuests
{
    public const uint ScratchMmio = (uint)MemoryLayout.TestDeviceMmioAddress + 0x10;
    private const int Message = 0x300;
    private const int Gdt = 0x400, Gdtr = 0x420, Idtr = 0x440, Idt = 0x800, Handler = 0xC00;
    public const byte MsiVector = 0x40;
    public const string RepMessage = "\nrep\n";

    /// <summary>Port output, string I/O, MMIO write and read, then exit status 42.</summary>
    public static byte[] Basic() => new MultibootImage()
        .Put(MultibootImage.PayloadStart, Concat(
            MovEsp(0x90000),
            OutEax(0xF0),
            MovEaxEbx, OutEax(0xF0),
            MovDx(0x3F8), MovAl((byte)'O'), OutDxAl, MovAl((byte)'K'), OutDxAl,
            MovEsi(MultibootImage.Address(Message)), MovEcx((uint)RepMessage.Length), Cld, RepOutsb,
            MovMemImm32(ScratchMmio, 0x12345678),
            MovEaxMem(ScratchMmio), OutEax(0xF0),
            MovAl(42), OutAl(0xF4),
            HltLoop))
        .Put(Message, System.Text.Encoding.ASCII.GetBytes(RepMessage))
        .Build(MultibootImage.PayloadStart);

    /// <summary>Where Int3AtCpl0's int3 sits (after mov esp, lgdt, lidt).</summary>
    public const uint Int3Address = MultibootImage.LoadAddress + MultibootImage.PayloadStart + 5 + 7 + 7;

    /// <summary>
    /// Sets up a GDT and an IDT, executes int3 at CPL0; the #BP handler writes the return EIP it
    /// finds on the stack and 0xB3B3 to the scratch port and jumps back (KVM's emulator does not
    /// emulate a protected-mode iret), then the guest writes 0xC0DE and exits 0.
    /// </summary>
    public static byte[] Int3AtCpl0() => WithTables(
        Concat(Int3, MovEax(0xC0DE), OutEax(0xF0), MovAl(0), OutAl(0xF4), HltLoop),
        Concat(PopEax, OutEax(0xF0), MovEax(0xB3B3), OutEax(0xF0), MovEax(Int3Address + 1), JmpEax));

    /// <summary>popcnt at CPL0 (rejected by PVM's emulator), then exit 7.</summary>
    public static byte[] PopcntAtCpl0() => WithTables(Concat(Popcnt, MovAl(7), OutAl(0xF4), HltLoop), HltLoop);

    /// <summary>
    /// The boot CPU wakes every other CPU with INIT-SIPI-SIPI (Intel SDM Vol. 3A §9.4.4.1) into a
    /// real-mode trampoline at 0x8000 that writes 0xA9 to the scratch port and halts; the boot CPU spins.
    /// </summary>
    public static byte[] StartApplicationProcessors()
    {
        const int trampoline = 0x300;
        byte[] ap = [0xB0, 0xA9, 0xE6, 0xF0, 0xFA, 0xF4, 0xEB, 0xFD]; // mov al,0xA9; out 0xF0,al; cli; hlt; jmp
        uint icr = (uint)MemoryLayout.LapicAddress + 0x300;
        return new MultibootImage()
            .Put(trampoline, ap)
            .Put(MultibootImage.PayloadStart, Concat(
                MovEsp(0x90000),
                MovEsi(MultibootImage.Address(trampoline)), MovEdi(0x8000), MovEcx((uint)ap.Length), Cld, RepMovsb,
                MovMemImm32((uint)MemoryLayout.LapicAddress + 0xF0, 0x1FF),
                MovMemImm32(icr, 0x000C4500),   // INIT, all excluding self
                MovMemImm32(icr, 0x000C4608),   // start-up, vector 0x08 -> 0x8000
                MovMemImm32(icr, 0x000C4608),
                JmpSelf))
            .Build(MultibootImage.PayloadStart);
    }

    /// <summary>Never exits: `jmp $` (busy) or `cli; hlt` (blocked in the kernel).</summary>
    public static byte[] Spin(bool halt) => new MultibootImage()
        .Put(MultibootImage.PayloadStart, halt ? Concat(Cli, [0xF4, 0xEB, 0xFD]) : [0xEB, 0xFE])
        .Build(MultibootImage.PayloadStart);

    /// <summary>
    /// Enables the LAPIC, sets IF, asks the device double (port 0xF1) for an MSI with vector
    /// 0x40 and halts; the vector's handler writes 0x515 and exits 0.
    /// </summary>
    public static byte[] MsiRoundTrip() => WithTables(
        Concat(MovMemImm32((uint)MemoryLayout.LapicAddress + 0xF0, 0x1FF), Sti, MovAl(1), OutAl(0xF1), HltLoop),
        HltLoop,
        (MsiVector, Concat(MovEax(0x515), OutEax(0xF0), MovAl(0), OutAl(0xF4), HltLoop)));

    /// <summary>Writes 1 to the test MMIO page at 0x100 and 2 to port 0xF8 (both caught by ioeventfds in the test), then exits 5.</summary>
    public static byte[] IoeventfdWrites() => new MultibootImage()
        .Put(MultibootImage.PayloadStart, Concat(
            MovMemImm32((uint)MemoryLayout.TestDeviceMmioAddress + 0x100, 1),
            MovAl(2), OutAl(0xF8),
            MovAl(5), OutAl(0xF4), HltLoop))
        .Build(MultibootImage.PayloadStart);

    private static byte[] WithTables(byte[] body, byte[] breakpointHandler, (byte Vector, byte[] Code)? extra = null)
    {
        var image = new MultibootImage()
            .Put(Gdt, FlatGdt())
            .Put(Gdtr, TablePointer(23, MultibootImage.Address(Gdt)))
            .Put(Idtr, TablePointer(0x80 * 8 - 1, MultibootImage.Address(Idt)))
            .Put(Idt + 3 * 8, InterruptGate(MultibootImage.Address(Handler)))
            .Put(Handler, breakpointHandler)
            .Put(MultibootImage.PayloadStart, Concat(
                MovEsp(0x90000), Lgdt(MultibootImage.Address(Gdtr)), Lidt(MultibootImage.Address(Idtr)), body));
        if (extra is { } x)
            image.Put(Idt + x.Vector * 8, InterruptGate(MultibootImage.Address(Handler + 0x100))).Put(Handler + 0x100, x.Code);
        return image.Build(MultibootImage.PayloadStart);
    }

    /// <summary>A decoder double that keeps these tests independent of InstructionDecoder: 0xCC is int3, everything else unknown.</summary>
    public static DecodedInstruction Int3Only(ReadOnlySpan<byte> bytes, bool is64BitMode) =>
        bytes.Length > 0 && bytes[0] == 0xCC ? new DecodedInstruction(InstructionKind.Int3, 1) : new DecodedInstruction(InstructionKind.Unknown, 0);

    /// <summary>A decoder double for fwait (9B), stac (0F 01 CB) and clac (0F 01 CA).</summary>
    public static DecodedInstruction FwaitStacClac(ReadOnlySpan<byte> b, bool is64BitMode) => b switch
    {
        [0x9B, ..] => new DecodedInstruction(InstructionKind.Fwait, 1),
        [0x0F, 0x01, 0xCB, ..] => new DecodedInstruction(InstructionKind.Stac, 3),
        [0x0F, 0x01, 0xCA, ..] => new DecodedInstruction(InstructionKind.Clac, 3),
        _ => new DecodedInstruction(InstructionKind.Unknown, 0),
    };

    public static string WriteTemp(byte[] image)
    {
        string path = Path.Combine(Path.GetTempPath(), $"psvmm-test-{Guid.NewGuid():N}.elf");
        File.WriteAllBytes(path, image);
        return path;
    }

    public static VmConfig Config(string kernel, int cpus = 1, int memoryMB = 32) => new()
    {
        Name = "kvm-test",
        MemoryMB = memoryMB,
        CpuCount = cpus,
        KernelPath = kernel,
        KernelArgs = "probe=1",
    };
}
