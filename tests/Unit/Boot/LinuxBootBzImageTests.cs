using System.Buffers.Binary;
using System.Text;
using PSVmm.Engine.Boot;
using PSVmm.Engine.Boot.Linux;
using PSVmm.Engine.Platform;
using PSVmm.Tests.TestDoubles;
using Xunit;

namespace PSVmm.Tests.Boot;

/// <summary>bzImage loading per Documentation/arch/x86/boot.rst, with synthetic kernels.</summary>
public class LinuxBootBzImageTests
{
    private const ulong Memory = 64UL << 20;

    private static LinuxBootRequest Request(byte[] kernel, byte[]? initrd = null, string cmdline = "console=ttyS0", int cpus = 1) =>
        new(kernel, initrd, cmdline, cpus, Memory);

    private static byte[] ZeroPage(ArrayGuestMemory memory) => memory.ReadBytes(MemoryLayout.BootParamsAddress, 4096);

    [Fact]
    public void Entry_is_64_bit_at_load_address_plus_0x200_with_boot_params_in_rsi()
    {
        var memory = new ArrayGuestMemory(Memory);
        var entry = LinuxBoot.Load(memory, Request(SyntheticKernels.BzImage()));
        Assert.Equal(EntryMode.Long64, entry.Mode);
        Assert.Equal(0x100200UL, entry.Rip);
        Assert.Equal(MemoryLayout.BootParamsAddress, entry.Rsi);
        Assert.Equal(MemoryLayout.Pml4Address, entry.Cr3);
        Assert.Equal(MemoryLayout.GdtAddress, entry.GdtBase);
        Assert.Equal(BootGdt.Limit, entry.GdtLimit);
        Assert.Equal(0x10, entry.CodeSelector);
        Assert.Equal(0x18, entry.DataSelector);
        Assert.NotEqual(0UL, entry.Rsp);
        // The stack must not run into the zero page or the page tables.
        Assert.InRange(entry.Rsp, MemoryLayout.BootParamsAddress + 4096 + 256, MemoryLayout.Pml4Address);
        Assert.Equal(0x00AF9B000000FFFFUL, memory.Read<ulong>(entry.GdtBase + entry.CodeSelector));
        Assert.Equal(0x00CF93000000FFFFUL, memory.Read<ulong>(entry.GdtBase + entry.DataSelector));
    }

    [Fact]
    public void Protected_mode_kernel_is_copied_to_1_MiB()
    {
        var image = SyntheticKernels.BzImage();
        var memory = new ArrayGuestMemory(Memory);
        LinuxBoot.Load(memory, Request(image));
        int setupSize = (SyntheticKernels.DefaultSetupSects + 1) * 512;
        Assert.Equal(image[setupSize..], memory.ReadBytes(MemoryLayout.KernelLoadAddress, image.Length - setupSize));
    }

    [Fact]
    public void Zero_setup_sects_means_four()
    {
        var image = SyntheticKernels.BzImage(setupSects: 0);
        var memory = new ArrayGuestMemory(Memory);
        LinuxBoot.Load(memory, Request(image));
        Assert.Equal(image[(5 * 512)..], memory.ReadBytes(MemoryLayout.KernelLoadAddress, image.Length - 5 * 512));
    }

    [Fact]
    public void Zero_page_holds_only_the_setup_header_and_loader_fields()
    {
        var image = SyntheticKernels.BzImage();
        var memory = new ArrayGuestMemory(Memory);
        memory.GetSpan(MemoryLayout.BootParamsAddress, 4096).Fill(0xEE); // stale contents must not survive
        LinuxBoot.Load(memory, Request(image) with { Acpi = false });
        var zp = ZeroPage(memory);

        int headerEnd = 0x202 + SyntheticKernels.HeaderJump;
        var loaderWritten = new HashSet<int>();
        void Mark(int offset, int size) { for (int i = 0; i < size; i++) loaderWritten.Add(offset + i); }
        Mark(0x210, 1); Mark(0x211, 1); Mark(0x224, 2); Mark(0x228, 4); Mark(0x218, 8); // loader, flags, heap, cmdline, ramdisk
        Mark(0x1E8, 1); Mark(0x2D0, 20 * E820Map.Build(Memory).Count);
        for (int i = 0x1F1; i < headerEnd; i++)
        {
            if (!loaderWritten.Contains(i))
                Assert.True(image[i] == zp[i], $"setup header byte 0x{i:X} differs");
        }
        for (int i = 0; i < 4096; i++)
        {
            if ((i < 0x1F1 || i >= headerEnd) && !loaderWritten.Contains(i))
                Assert.True(zp[i] == 0, $"zero page byte 0x{i:X} is 0x{zp[i]:X2}, expected 0");
        }
        Assert.Equal(0xFF, zp[0x210]);
        Assert.Equal(0x81, zp[0x211]);                                       // LOADED_HIGH | CAN_USE_HEAP
        Assert.Equal(0xDE00, BinaryPrimitives.ReadUInt16LittleEndian(zp.AsSpan(0x224)));
    }

    [Fact]
    public void Command_line_is_written_nul_terminated_and_pointed_to()
    {
        var memory = new ArrayGuestMemory(Memory);
        const string cmdline = "console=ttyS0 root=/dev/vda rw";
        LinuxBoot.Load(memory, Request(SyntheticKernels.BzImage(), cmdline: cmdline));
        var zp = ZeroPage(memory);
        uint ptr = BinaryPrimitives.ReadUInt32LittleEndian(zp.AsSpan(0x228));
        Assert.Equal(MemoryLayout.CommandLineAddress, ptr);
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(zp.AsSpan(0x0C8)));
        Assert.Equal([.. Encoding.ASCII.GetBytes(cmdline), 0], memory.ReadBytes(ptr, cmdline.Length + 1));
    }

    [Fact]
    public void E820_table_and_rsdp_are_in_the_zero_page()
    {
        var memory = new ArrayGuestMemory(Memory);
        LinuxBoot.Load(memory, Request(SyntheticKernels.BzImage()));
        var zp = ZeroPage(memory);
        var expected = E820Map.Build(Memory);
        Assert.Equal(expected.Count, zp[0x1E8]);
        for (int i = 0; i < expected.Count; i++)
        {
            var e = zp.AsSpan(0x2D0 + 20 * i);
            Assert.Equal(expected[i], new E820Entry(
                BinaryPrimitives.ReadUInt64LittleEndian(e), BinaryPrimitives.ReadUInt64LittleEndian(e[8..]),
                (E820Type)BinaryPrimitives.ReadUInt32LittleEndian(e[16..])));
        }
        ulong rsdp = BinaryPrimitives.ReadUInt64LittleEndian(zp.AsSpan(0x070));
        Assert.Equal(MemoryLayout.AcpiTablesAddress, rsdp);
        Assert.Equal("RSD PTR ", Encoding.ASCII.GetString(memory.ReadBytes(rsdp, 8)));
    }

    [Fact]
    public void Without_acpi_the_rsdp_field_stays_zero_and_the_mp_table_is_still_written()
    {
        var memory = new ArrayGuestMemory(Memory);
        var result = LinuxBoot.LoadDetailed(memory, Request(SyntheticKernels.BzImage()) with { Acpi = false });
        Assert.Null(result.Acpi);
        Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(ZeroPage(memory).AsSpan(0x070)));
        Assert.NotEqual("RSD PTR ", Encoding.ASCII.GetString(memory.ReadBytes(MemoryLayout.AcpiTablesAddress, 8)));
        Assert.Equal("_MP_", Encoding.ASCII.GetString(memory.ReadBytes(MemoryLayout.EbdaStart, 4)));
    }

    [Fact]
    public void Acpi_and_mp_tables_do_not_overlap_with_many_cpus()
    {
        var memory = new ArrayGuestMemory(Memory);
        var result = LinuxBoot.LoadDetailed(memory, Request(SyntheticKernels.BzImage(), cpus: 64));
        Assert.NotNull(result.Acpi);
        Assert.NotNull(result.MpTable);
        var mp = result.MpTable!;
        Assert.Equal(MemoryLayout.EbdaStart, mp.FloatingPointer);
        Assert.True(mp.ConfigurationTable >= result.Acpi!.End);
        Assert.True(mp.End <= MemoryLayout.AcpiTablesEnd);
        // Both still verify after everything was written.
        Assert.Equal("RSD PTR ", Encoding.ASCII.GetString(memory.ReadBytes(result.Acpi.Rsdp, 8)));
        Assert.Equal("PCMP", Encoding.ASCII.GetString(memory.ReadBytes(mp.ConfigurationTable, 4)));
        Assert.Equal("APIC", Encoding.ASCII.GetString(memory.ReadBytes(result.Acpi.Madt, 4)));
    }

    [Fact]
    public void Initrd_goes_high_page_aligned_below_initrd_addr_max_and_above_the_kernel()
    {
        var initrd = Enumerable.Range(0, 0x12345).Select(i => (byte)(i * 13)).ToArray();
        var image = SyntheticKernels.BzImage(initrdAddrMax: 0x2FF_FFFF); // 48 MiB - 1, below RAM end
        var memory = new ArrayGuestMemory(Memory);
        var result = LinuxBoot.LoadDetailed(memory, Request(image, initrd));
        var zp = ZeroPage(memory);
        uint address = BinaryPrimitives.ReadUInt32LittleEndian(zp.AsSpan(0x218));
        Assert.Equal(result.InitrdAddress, address);
        Assert.Equal((uint)initrd.Length, BinaryPrimitives.ReadUInt32LittleEndian(zp.AsSpan(0x21C)));
        Assert.Equal(0u, address % 4096);
        Assert.True(address + (ulong)initrd.Length <= 0x300_0000);
        Assert.True(address + (ulong)initrd.Length > 0x300_0000 - 4096, "as high as possible");
        // The decompressor runs at pref_address (16 MiB) and needs init_size (8 MiB) from there.
        Assert.True(address >= 0x100_0000 + 0x80_0000);
        Assert.Equal(initrd, memory.ReadBytes(address, initrd.Length));
    }

    [Fact]
    public void Initrd_is_capped_by_ram_when_initrd_addr_max_is_higher()
    {
        var memory = new ArrayGuestMemory(Memory);
        var result = LinuxBoot.LoadDetailed(memory, Request(SyntheticKernels.BzImage(), new byte[5000]));
        Assert.Equal(Memory - 8192, result.InitrdAddress);
    }

    [Fact]
    public void Runtime_start_respects_kernel_alignment_and_pref_address()
    {
        var memory = new ArrayGuestMemory(Memory);
        // Relocatable, pref_address below 1 MiB: runs at 1 MiB aligned up to 2 MiB, needs init_size from there.
        var result = LinuxBoot.LoadDetailed(memory, Request(SyntheticKernels.BzImage(prefAddress: 0, initSize: 0x10_0000)));
        Assert.Equal(0x20_0000UL + 0x10_0000, result.KernelEnd);
        // Not relocatable: runs at pref_address.
        result = LinuxBoot.LoadDetailed(new ArrayGuestMemory(Memory), Request(SyntheticKernels.BzImage(relocatable: false, prefAddress: 0x200_0000, initSize: 0x10_0000)));
        Assert.Equal(0x210_0000UL, result.KernelEnd);
    }

    [Fact]
    public void Rejects_a_file_that_is_not_a_kernel()
    {
        var ex = Assert.Throws<InvalidDataException>(() => LinuxBoot.Load(new ArrayGuestMemory(Memory), Request(new byte[4096])));
        Assert.Contains("Not a Linux kernel", ex.Message);
    }

    [Fact]
    public void Rejects_an_old_boot_protocol()
    {
        var ex = Assert.Throws<InvalidDataException>(() => LinuxBoot.Load(new ArrayGuestMemory(Memory), Request(SyntheticKernels.BzImage(version: 0x020B))));
        Assert.Contains("too old", ex.Message);
        Assert.Contains("2.11", ex.Message);
    }

    [Fact]
    public void Rejects_a_kernel_without_the_64_bit_entry()
    {
        var ex = Assert.Throws<InvalidDataException>(() => LinuxBoot.Load(new ArrayGuestMemory(Memory), Request(SyntheticKernels.BzImage(xloadflags: 0x02))));
        Assert.Contains("64-bit", ex.Message);
    }

    [Fact]
    public void Rejects_a_kernel_whose_init_size_does_not_fit()
    {
        var ex = Assert.Throws<InvalidDataException>(() => LinuxBoot.Load(new ArrayGuestMemory(Memory), Request(SyntheticKernels.BzImage(initSize: 0x400_0000))));
        Assert.Contains("does not fit in memory", ex.Message);
    }

    [Fact]
    public void Rejects_an_initrd_that_does_not_fit_above_the_kernel()
    {
        var ex = Assert.Throws<InvalidDataException>(() => LinuxBoot.Load(new ArrayGuestMemory(Memory),
            Request(SyntheticKernels.BzImage(), new byte[Memory - 0x180_0000 + 4096])));
        Assert.Contains("initrd", ex.Message);
        Assert.Contains("too large", ex.Message);
    }

    [Fact]
    public void Rejects_a_command_line_longer_than_cmdline_size()
    {
        var image = SyntheticKernels.BzImage(cmdlineSize: 16);
        LinuxBoot.Load(new ArrayGuestMemory(Memory), Request(image, cmdline: new string('a', 16)));
        var ex = Assert.Throws<InvalidDataException>(() => LinuxBoot.Load(new ArrayGuestMemory(Memory), Request(image, cmdline: new string('a', 17))));
        Assert.Contains("command line is too long", ex.Message);
    }

    [Fact]
    public void Rejects_a_bad_kernel_alignment_and_a_missing_payload()
    {
        Assert.Throws<InvalidDataException>(() => LinuxBoot.Load(new ArrayGuestMemory(Memory), Request(SyntheticKernels.BzImage(kernelAlignment: 0x30_0000))));
        var headerOnly = SyntheticKernels.BzImage()[..((SyntheticKernels.DefaultSetupSects + 1) * 512)];
        Assert.Throws<InvalidDataException>(() => LinuxBoot.Load(new ArrayGuestMemory(Memory), Request(headerOnly)));
    }

    [Fact]
    public void Rejects_a_truncated_header()
    {
        var image = SyntheticKernels.BzImage()[..0x240];
        Assert.Throws<InvalidDataException>(() => LinuxBoot.Load(new ArrayGuestMemory(Memory), Request(image)));
    }

    [Fact]
    public void Rejects_guest_memory_that_does_not_match_the_requested_size()
    {
        var ex = Assert.Throws<ArgumentException>(() => LinuxBoot.Load(new ArrayGuestMemory(Memory / 2), Request(SyntheticKernels.BzImage())));
        Assert.Contains("does not match MemoryBytes", ex.Message);
    }

    [Fact]
    public void A_rejected_kernel_leaves_guest_memory_untouched()
    {
        var memory = new ArrayGuestMemory(Memory);
        Assert.Throws<InvalidDataException>(() => LinuxBoot.Load(memory, Request(SyntheticKernels.BzImage(initSize: 0x400_0000))));
        Assert.Equal(-1, memory.ReadBytes(0, 0x20_0000).AsSpan().IndexOfAnyExcept((byte)0));
    }
}
