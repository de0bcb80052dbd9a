using System.Buffers.Binary;
using System.Text;
using PSVmm.Engine.Boot;
using PSVmm.Engine.Boot.Linux;
using PSVmm.Engine.Platform;
using PSVmm.Tests.TestDoubles;
using Xunit;
using static PSVmm.Tests.Boot.SyntheticKernels;

namespace PSVmm.Tests.Boot;

/// <summary>ELF vmlinux loading: the 64-bit entry with boot_params, and the PVH entry with hvm_start_info.</summary>
public class LinuxBootElfTests
{
    private const ulong Memory = 64UL << 20;
    private const uint PvhEntry = (uint)KernelPhysicalBase + 0x100;

    private static LinuxBootRequest Request(byte[] kernel, byte[]? initrd = null, string cmdline = "console=ttyS0") =>
        new(kernel, initrd, cmdline, 2, Memory);

    [Fact]
    public void Vmlinux_without_pvh_note_boots_through_startup_64()
    {
        var memory = new ArrayGuestMemory(Memory);
        var result = LinuxBoot.LoadDetailed(memory, Request(Vmlinux()));
        Assert.Equal(LinuxBootProtocol.Vmlinux64, result.Protocol);
        Assert.Equal(EntryMode.Long64, result.Entry.Mode);
        // e_entry 0xffffffff81000040 lies in the first segment: physical 16 MiB + 0x40.
        Assert.Equal(KernelPhysicalBase + 0x40, result.Entry.Rip);
        Assert.Equal(MemoryLayout.BootParamsAddress, result.Entry.Rsi);
        Assert.Equal(MemoryLayout.Pml4Address, result.Entry.Cr3);
        Assert.Equal(0x10, result.Entry.CodeSelector);
    }

    [Fact]
    public void Segments_are_loaded_at_their_physical_addresses_and_bss_is_zeroed()
    {
        var memory = new ArrayGuestMemory(Memory);
        memory.GetSpan(KernelPhysicalBase, 0x20_0000).Fill(0xAB);
        LinuxBoot.Load(memory, Request(Vmlinux()));
        var text = Enumerable.Range(0, 0x2000).Select(i => (byte)(i ^ 0x5A)).ToArray();
        var data = Enumerable.Range(0, 0x800).Select(i => (byte)(i + 1)).ToArray();
        Assert.Equal(text, memory.ReadBytes(KernelPhysicalBase, text.Length));
        Assert.Equal(data, memory.ReadBytes(KernelPhysicalBase + 0x10_0000, data.Length));
        Assert.Equal(-1, memory.ReadBytes(KernelPhysicalBase + 0x10_0000 + 0x800, 0x4000 - 0x800).AsSpan().IndexOfAnyExcept((byte)0));
        Assert.Equal(0xAB, memory.ReadBytes(KernelPhysicalBase + 0x10_4000, 1)[0]); // past memsz: untouched
    }

    [Fact]
    public void Vmlinux_zero_page_has_a_synthetic_setup_header()
    {
        var memory = new ArrayGuestMemory(Memory);
        var initrd = new byte[0x3000];
        initrd.AsSpan().Fill(0x42);
        var result = LinuxBoot.LoadDetailed(memory, Request(Vmlinux(), initrd));
        var zp = memory.ReadBytes(MemoryLayout.BootParamsAddress, 4096);
        Assert.Equal(0xAA55, BinaryPrimitives.ReadUInt16LittleEndian(zp.AsSpan(0x1FE)));
        Assert.Equal("HdrS", Encoding.ASCII.GetString(zp, 0x202, 4));
        Assert.Equal(0x020F, BinaryPrimitives.ReadUInt16LittleEndian(zp.AsSpan(0x206)));
        Assert.Equal(0xFF, zp[0x210]);
        Assert.Equal(MemoryLayout.CommandLineAddress, BinaryPrimitives.ReadUInt32LittleEndian(zp.AsSpan(0x228)));
        Assert.Equal(result.InitrdAddress, BinaryPrimitives.ReadUInt32LittleEndian(zp.AsSpan(0x218)));
        Assert.Equal((uint)initrd.Length, BinaryPrimitives.ReadUInt32LittleEndian(zp.AsSpan(0x21C)));
        Assert.True(result.InitrdAddress >= result.KernelEnd);
        Assert.Equal(initrd, memory.ReadBytes(result.InitrdAddress!.Value, initrd.Length));
        Assert.Equal(E820Map.Build(Memory).Count, zp[0x1E8]);
        Assert.Equal(MemoryLayout.AcpiTablesAddress, BinaryPrimitives.ReadUInt64LittleEndian(zp.AsSpan(0x070)));
    }

    [Theory]
    [InlineData(8)]
    [InlineData(4)]
    public void Pvh_note_selects_the_32_bit_entry_with_start_info_in_ebx(int descriptorSize)
    {
        var memory = new ArrayGuestMemory(Memory);
        var result = LinuxBoot.LoadDetailed(memory, Request(Vmlinux(PvhEntry, descriptorSize)));
        Assert.Equal(LinuxBootProtocol.Pvh, result.Protocol);
        Assert.Equal(EntryMode.Protected32, result.Entry.Mode);
        Assert.Equal(PvhEntry, result.Entry.Rip);
        Assert.Equal(MemoryLayout.BootParamsAddress, result.Entry.Rbx);
        Assert.Equal(0x00CF9B000000FFFFUL, memory.Read<ulong>(result.Entry.GdtBase + result.Entry.CodeSelector));
        Assert.Equal(0x00CF93000000FFFFUL, memory.Read<ulong>(result.Entry.GdtBase + result.Entry.DataSelector));
    }

    [Fact]
    public void Start_info_describes_command_line_rsdp_memory_map_and_initrd_module()
    {
        var memory = new ArrayGuestMemory(Memory);
        var initrd = Enumerable.Range(0, 0x2800).Select(i => (byte)i).ToArray();
        const string cmdline = "console=hvc0 quiet";
        var result = LinuxBoot.LoadDetailed(memory, Request(Vmlinux(PvhEntry), initrd, cmdline));
        ulong si = result.Entry.Rbx;
        Assert.Equal(0x336EC578u, memory.Read<uint>(si));
        Assert.Equal(1u, memory.Read<uint>(si + 4));
        Assert.Equal(1u, memory.Read<uint>(si + 12));
        ulong cmdlinePtr = memory.Read<ulong>(si + 24);
        Assert.Equal([.. Encoding.ASCII.GetBytes(cmdline), 0], memory.ReadBytes(cmdlinePtr, cmdline.Length + 1));
        ulong rsdp = memory.Read<ulong>(si + 32);
        Assert.Equal("RSD PTR ", Encoding.ASCII.GetString(memory.ReadBytes(rsdp, 8)));
        Assert.Equal(0u, memory.Read<uint>(si + 52));

        ulong modlist = memory.Read<ulong>(si + 16);
        ulong modAddress = memory.Read<ulong>(modlist);
        Assert.Equal(result.InitrdAddress, modAddress);
        Assert.Equal((ulong)initrd.Length, memory.Read<ulong>(modlist + 8));
        Assert.Equal(0UL, memory.Read<ulong>(modlist + 16));
        Assert.Equal(initrd, memory.ReadBytes(modAddress, initrd.Length));

        ulong memmap = memory.Read<ulong>(si + 40);
        uint count = memory.Read<uint>(si + 48);
        var expected = E820Map.Build(Memory);
        Assert.Equal((uint)expected.Count, count);
        for (int i = 0; i < count; i++)
        {
            ulong e = memmap + (ulong)i * 24;
            Assert.Equal(expected[i], new E820Entry(memory.Read<ulong>(e), memory.Read<ulong>(e + 8), (E820Type)memory.Read<uint>(e + 16)));
            Assert.Equal(0u, memory.Read<uint>(e + 20));
        }
        // The start info page must not collide with the command line, GDT or ACPI tables.
        Assert.True(memmap + count * 24UL <= MemoryLayout.BootParamsAddress + 4096);
    }

    [Fact]
    public void Pvh_without_initrd_has_no_modules()
    {
        var memory = new ArrayGuestMemory(Memory);
        var result = LinuxBoot.LoadDetailed(memory, Request(Vmlinux(PvhEntry)));
        Assert.Equal(0u, memory.Read<uint>(result.Entry.Rbx + 12));
        Assert.Null(result.InitrdAddress);
    }

    [Fact]
    public void PreferPvh_false_uses_the_64_bit_entry_even_with_the_note()
    {
        var result = LinuxBoot.LoadDetailed(new ArrayGuestMemory(Memory), Request(Vmlinux(PvhEntry)) with { PreferPvh = false });
        Assert.Equal(LinuxBootProtocol.Vmlinux64, result.Protocol);
        Assert.Equal(EntryMode.Long64, result.Entry.Mode);
    }

    [Fact]
    public void Rejects_a_malformed_pvh_note()
    {
        var ex = Assert.Throws<InvalidDataException>(() => LinuxBoot.Load(new ArrayGuestMemory(Memory), Request(Vmlinux(PvhEntry, pvhDescriptorSize: 3))));
        Assert.Contains("PHYS32_ENTRY", ex.Message);
    }

    [Fact]
    public void Rejects_a_pvh_entry_outside_the_kernel()
    {
        var ex = Assert.Throws<InvalidDataException>(() => LinuxBoot.Load(new ArrayGuestMemory(Memory), Request(Vmlinux(0x50_0000))));
        Assert.Contains("PVH entry", ex.Message);
    }

    [Fact]
    public void Rejects_32_bit_and_non_x86_elf_files()
    {
        var elf32 = Elf(0x100000, [new(0x100000, 0x100000, new byte[16], 16)], elfClass: 1);
        Assert.Throws<InvalidDataException>(() => LinuxBoot.Load(new ArrayGuestMemory(Memory), Request(elf32)));
        var arm = Elf(0x100000, [new(0x100000, 0x100000, new byte[16], 16)], machine: 183);
        var ex = Assert.Throws<InvalidDataException>(() => LinuxBoot.Load(new ArrayGuestMemory(Memory), Request(arm)));
        Assert.Contains("x86_64", ex.Message);
    }

    [Fact]
    public void Rejects_segments_below_1_MiB_or_outside_ram()
    {
        var low = Elf(0x80000, [new(0x80000, 0x80000, new byte[16], 16)]);
        Assert.Contains("below 1 MiB", Assert.Throws<InvalidDataException>(() => LinuxBoot.Load(new ArrayGuestMemory(Memory), Request(low))).Message);
        var high = Elf(Memory - 8, [new(Memory - 8, Memory - 8, new byte[16], 16)]);
        Assert.Contains("does not fit in memory", Assert.Throws<InvalidDataException>(() => LinuxBoot.Load(new ArrayGuestMemory(Memory), Request(high))).Message);
    }

    [Fact]
    public void Rejects_an_entry_outside_every_segment()
    {
        var elf = Elf(0xFFFF_FFFF_9000_0000, [new(KernelPhysicalBase, KernelVirtualBase, new byte[16], 16)]);
        Assert.Contains("entry point", Assert.Throws<InvalidDataException>(() => LinuxBoot.Load(new ArrayGuestMemory(Memory), Request(elf))).Message);
    }

    [Fact]
    public void Rejects_an_overlong_command_line()
    {
        var ex = Assert.Throws<InvalidDataException>(() => LinuxBoot.Load(new ArrayGuestMemory(Memory), Request(Vmlinux(), cmdline: new string('x', 2048))));
        Assert.Contains("too long", ex.Message);
    }

    [Fact]
    public void Virtual_paddr_is_translated_through_the_kernel_map()
    {
        var elf = Elf(KernelVirtualBase, [new(KernelVirtualBase, KernelVirtualBase, [1, 2, 3, 4], 4)]);
        var memory = new ArrayGuestMemory(Memory);
        var entry = LinuxBoot.Load(memory, Request(elf));
        Assert.Equal(KernelPhysicalBase, entry.Rip);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, memory.ReadBytes(KernelPhysicalBase, 4));
    }

    [Fact]
    public void Physical_e_entry_wins_over_a_segment_with_virtual_address_0()
    {
        // Like a real vmlinux: ENTRY(phys_startup_64) and a per-CPU segment linked at virtual 0.
        var elf = Elf(KernelPhysicalBase + 0x40,
        [
            new(KernelPhysicalBase, KernelVirtualBase, new byte[0x100], 0x100),
            new(0x120_0000, 0, new byte[16], 0x110_0000),
        ]);
        Assert.Equal(KernelPhysicalBase + 0x40, LinuxBoot.Load(new ArrayGuestMemory(Memory), Request(elf)).Rip);
    }

    [Fact]
    public void IsLinuxKernel_accepts_bzimage_and_vmlinux_but_not_multiboot_or_other_files()
    {
        Assert.True(LinuxBoot.IsLinuxKernel(BzImage()));
        Assert.True(LinuxBoot.IsLinuxKernel(Vmlinux()));
        Assert.True(LinuxBoot.IsLinuxKernel(Vmlinux(PvhEntry)));
        Assert.False(LinuxBoot.IsLinuxKernel(Vmlinux(prefix: MultibootHeader(valid: true))));
        Assert.False(LinuxBoot.IsLinuxKernel(Vmlinux(prefix: Multiboot2Header())));
        // A magic number with a wrong checksum is not a multiboot header.
        Assert.True(LinuxBoot.IsLinuxKernel(Vmlinux(prefix: MultibootHeader(valid: false))));
        Assert.False(LinuxBoot.IsLinuxKernel(Elf(0x100000, [new(0x100000, 0x100000, new byte[16], 16)], elfClass: 1)));
        Assert.False(LinuxBoot.IsLinuxKernel(new byte[8192]));
        Assert.False(LinuxBoot.IsLinuxKernel([]));
    }

    private static byte[] MultibootHeader(bool valid)
    {
        // 8 bytes of padding keep the header 4-byte aligned after the 64 + 56 * n ELF headers.
        var header = new byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), 0x1BADB002);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), 0x00010003);
        uint checksum = unchecked(0u - 0x1BADB002u - 0x00010003u) + (valid ? 0u : 1u);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(12), checksum);
        return header;
    }

    private static byte[] Multiboot2Header()
    {
        // The ELF headers end at 64 + 56 * 3 = 232, a multiple of 8.
        var header = new byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(header, 0xE85250D6);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), 0);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), 24);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(12), unchecked(0u - 0xE85250D6u - 24u));
        return header;
    }
}
