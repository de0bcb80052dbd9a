using System.Buffers.Binary;
using PSVmm.Engine.Boot;
using PSVmm.Engine.Boot.Linux;
using PSVmm.Engine.Platform;
using PSVmm.Tests.TestDoubles;
using Xunit;

namespace PSVmm.Tests.Boot;

/// <summary>
/// Real kernels for tests, from the Linux test kit that tests/linux-kit/build-kit.sh builds
/// (test.sh builds it first) in $PSVMM_CACHE/linux-kit (default /var/cache/psvmm), or from
/// $PSVMM_TEST_KERNEL / $PSVMM_TEST_VMLINUX. Kernels are never committed.
/// </summary>
internal static class KitFile
{
    public static string? Find(string environmentVariable, string kitFileName)
    {
        var env = Environment.GetEnvironmentVariable(environmentVariable);
        if (!string.IsNullOrEmpty(env))
            return File.Exists(env) ? env : null;
        var cache = Environment.GetEnvironmentVariable("PSVMM_CACHE") is { Length: > 0 } c ? c : "/var/cache/psvmm";
        var path = System.IO.Path.Combine(cache, "linux-kit", kitFileName);
        return File.Exists(path) ? path : null;
    }
}

internal static class TestKernel
{
    public static readonly string? Path = KitFile.Find("PSVMM_TEST_KERNEL", "vmlinuz");
}

internal static class TestVmlinux
{
    public static readonly string? Path = KitFile.Find("PSVMM_TEST_VMLINUX", "vmlinux");
}

public sealed class RealVmlinuxFactAttribute : FactAttribute
{
    public RealVmlinuxFactAttribute()
    {
        if (TestVmlinux.Path is null)
            Skip = "No real vmlinux: run tests/linux-kit/build-kit.sh or set PSVMM_TEST_VMLINUX.";
    }
}

public sealed class RealKernelFactAttribute : FactAttribute
{
    public RealKernelFactAttribute()
    {
        if (TestKernel.Path is null)
            Skip = "No real kernel: run tests/linux-kit/build-kit.sh or set PSVMM_TEST_KERNEL.";
    }
}

public class RealKernelTests
{
    private const ulong Memory = 128UL << 20;

    [RealKernelFact]
    public void Real_bzimage_is_recognized_and_loads_with_initrd()
    {
        var kernel = File.ReadAllBytes(TestKernel.Path!);
        Assert.True(LinuxBoot.IsLinuxKernel(kernel));
        var initrd = new byte[1 << 20];
        new Random(1).NextBytes(initrd);
        var memory = new ArrayGuestMemory(Memory);
        var result = LinuxBoot.LoadDetailed(memory, new LinuxBootRequest(kernel, initrd, "console=ttyS0 acpi=off", 2, Memory));

        Assert.Equal(LinuxBootProtocol.BzImage64, result.Protocol);
        Assert.Equal(0x100200UL, result.Entry.Rip);
        var zp = memory.ReadBytes(MemoryLayout.BootParamsAddress, 4096);
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(zp.AsSpan(0x206));
        Assert.True(version >= 0x020C);
        Assert.Equal(kernel.AsSpan(0x202, 4).ToArray(), zp.AsSpan(0x202, 4).ToArray());
        Assert.Equal(kernel.AsSpan(0x230, 8).ToArray(), zp.AsSpan(0x230, 8).ToArray()); // alignment, relocatable, xloadflags
        Assert.Equal(kernel.AsSpan(0x260, 4).ToArray(), zp.AsSpan(0x260, 4).ToArray()); // init_size
        Assert.Equal(0xFF, zp[0x210]);

        int setupSects = kernel[0x1F1] == 0 ? 4 : kernel[0x1F1];
        int setupSize = (setupSects + 1) * 512;
        Assert.Equal(kernel[setupSize..(setupSize + 4096)], memory.ReadBytes(MemoryLayout.KernelLoadAddress, 4096));
        Assert.Equal(kernel[^4096..], memory.ReadBytes(MemoryLayout.KernelLoadAddress + (ulong)(kernel.Length - setupSize) - 4096, 4096));

        uint initSize = BinaryPrimitives.ReadUInt32LittleEndian(kernel.AsSpan(0x260));
        ulong prefAddress = BinaryPrimitives.ReadUInt64LittleEndian(kernel.AsSpan(0x258));
        uint initrdAddress = BinaryPrimitives.ReadUInt32LittleEndian(zp.AsSpan(0x218));
        Assert.True(initrdAddress >= prefAddress + initSize, "initrd above the decompressor's working area");
        Assert.Equal(initrd, memory.ReadBytes(initrdAddress, initrd.Length));
    }

    [RealKernelFact]
    public void Real_bzimage_is_refused_when_init_size_exceeds_ram()
    {
        var kernel = File.ReadAllBytes(TestKernel.Path!);
        uint initSize = BinaryPrimitives.ReadUInt32LittleEndian(kernel.AsSpan(0x260));
        ulong tooSmall = ((0x100_0000UL + initSize) & ~0xFFFFFUL) - (1 << 20);
        var ex = Assert.Throws<InvalidDataException>(() =>
            LinuxBoot.Load(new ArrayGuestMemory(tooSmall), new LinuxBootRequest(kernel, null, "", 1, tooSmall)));
        Assert.Contains("does not fit in memory", ex.Message);
    }

    [RealVmlinuxFact]
    public void Real_vmlinux_loads_through_pvh_and_through_startup_64()
    {
        var kernel = File.ReadAllBytes(TestVmlinux.Path!);
        Assert.True(LinuxBoot.IsLinuxKernel(kernel));
        var elf = ElfImage.Parse(kernel);
        const ulong memory = 256UL << 20;

        var pvh = LinuxBoot.LoadDetailed(new ArrayGuestMemory(memory), new LinuxBootRequest(kernel, new byte[4096], "console=ttyS0", 1, memory));
        Assert.Equal(LinuxBootProtocol.Pvh, pvh.Protocol);
        var note = elf.Notes.Single(n => n.Name == "Xen" && n.Type == 18);
        Assert.Equal(BinaryPrimitives.ReadUInt32LittleEndian(note.Descriptor.Span), pvh.Entry.Rip);
        Assert.True(pvh.InitrdAddress >= pvh.KernelEnd);

        var guest = new ArrayGuestMemory(memory);
        var direct = LinuxBoot.LoadDetailed(guest, new LinuxBootRequest(kernel, null, "console=ttyS0", 1, memory) { PreferPvh = false });
        Assert.Equal(LinuxBootProtocol.Vmlinux64, direct.Protocol);
        // startup_64 is the first byte of the text segment, physical 16 MiB (LOAD_PHYSICAL_ADDR).
        var text = elf.LoadSegments.OrderBy(s => s.PhysicalAddress).First();
        Assert.Equal(text.PhysicalAddress, direct.Entry.Rip);
        Assert.Equal(text.Data.Span[..256].ToArray(), guest.ReadBytes(direct.Entry.Rip, 256));
    }
}
