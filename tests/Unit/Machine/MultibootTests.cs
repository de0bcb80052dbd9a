using System.Buffers.Binary;
using System.Text;
using PSVmm.Engine.Boot;
using PSVmm.Engine.Machine;
using PSVmm.Engine.Memory;
using PSVmm.Engine.Platform;
using Xunit;

namespace PSVmm.Tests.Machine;

public class MultibootTests
{
    private const ulong MiB = 1024 * 1024;

    [Fact]
    public void HeaderIsFoundWithValidChecksum()
    {
        var image = new MultibootImage().Build(MultibootImage.PayloadStart, flags: 0x3);
        var header = MultibootHeader.Find(image);
        Assert.NotNull(header);
        Assert.Equal(MultibootImage.HeaderOffset, header!.Offset);
        Assert.Equal(0x3u, header.Flags);
        Assert.Equal(0u, header.UnsupportedRequirements);
    }

    [Fact]
    public void BadChecksumMeansNoHeader()
    {
        Assert.Null(MultibootHeader.Find(new MultibootImage().Build(MultibootImage.PayloadStart, validChecksum: false)));
    }

    [Fact]
    public void HeaderMustBeAlignedAndInTheFirst8KiB()
    {
        var file = new byte[16 * 1024];
        void Put(int o)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(o), 0x1BADB002);
            BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(o + 4), 0);
            BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(o + 8), unchecked(0u - 0x1BADB002u));
        }
        Put(0x102);      // misaligned
        Put(8192);       // too far
        Assert.Null(MultibootHeader.Find(file));
        Put(8192 - 12);  // last slot that fits
        Assert.Equal(8192 - 12, MultibootHeader.Find(file)!.Offset);
    }

    [Fact]
    public void LoadPlacesSegmentsAndBootInformation()
    {
        using var memory = new GuestMemory(MemoryLayout.RamRegions(64 * MiB));
        var image = new MultibootImage().Put(MultibootImage.PayloadStart, 0xF4, 0xEB, 0xFD)
            .Build(MultibootImage.PayloadStart, flags: 0x2, memSize: 0x3000);
        memory.Write(MultibootImage.LoadAddress + 0x2000, new byte[] { 0xAA });

        var entry = MultibootLoader.Load(memory, image, "console=ttyS0 x=1");

        Assert.Equal(EntryMode.Protected32, entry.Mode);
        Assert.Equal((ulong)MultibootImage.Address(MultibootImage.PayloadStart), entry.Rip);
        Assert.Equal(0x2BADB002UL, entry.Rax);
        Assert.Equal(MemoryLayout.MultibootInfoAddress, entry.Rbx);
        Assert.Equal(0xF4, memory.Read<byte>(entry.Rip));
        Assert.Equal(0, memory.Read<byte>(MultibootImage.LoadAddress + 0x2000)); // bss zeroed

        ulong info = entry.Rbx;
        uint flags = memory.Read<uint>(info);
        Assert.True((flags & 1) != 0 && (flags & 4) != 0 && (flags & 0x40) != 0);
        Assert.Equal(640u, memory.Read<uint>(info + 4));
        Assert.Equal((uint)(63 * 1024), memory.Read<uint>(info + 8));
        uint cmdline = memory.Read<uint>(info + 16);
        var text = new byte[18];
        memory.Read(cmdline, text);
        Assert.Equal("console=ttyS0 x=1\0", Encoding.ASCII.GetString(text));
        uint mmapLength = memory.Read<uint>(info + 44);
        uint mmapAddress = memory.Read<uint>(info + 48);
        Assert.Equal(3u * 24, mmapLength);
        Assert.Equal(20u, memory.Read<uint>(mmapAddress));
        Assert.Equal(0x100000UL, memory.Read<ulong>(mmapAddress + 48 + 4));
        Assert.Equal(63 * MiB, memory.Read<ulong>(mmapAddress + 48 + 12));
        Assert.Equal(1u, memory.Read<uint>(mmapAddress + 48 + 20));
    }

    [Fact]
    public void SegmentOutsideRamIsRejected()
    {
        using var memory = new GuestMemory(MemoryLayout.RamRegions(16 * MiB));
        var image = new MultibootImage().Build(MultibootImage.PayloadStart, memSize: 32 * 1024 * 1024);
        Assert.Throws<InvalidDataException>(() => MultibootLoader.Load(memory, image, ""));
    }

    [Fact]
    public void UnsupportedRequiredFlagIsRejected()
    {
        using var memory = new GuestMemory(MemoryLayout.RamRegions(16 * MiB));
        var image = new MultibootImage().Build(MultibootImage.PayloadStart, flags: 1 << 5);
        Assert.Throws<InvalidDataException>(() => MultibootLoader.Load(memory, image, ""));
    }

    /// <summary>
    /// Found by the boot fuzz target (tests/Fuzz): a PT_LOAD with p_filesz = p_memsz = 0 at a
    /// physical address outside guest RAM passed the checks (empty segments are skipped there) but
    /// was still written, so the loader threw GuestMemoryException instead of a bad-image error.
    /// </summary>
    [Fact]
    public void EmptySegmentOutsideRamIsNotWritten()
    {
        using var memory = new GuestMemory(MemoryLayout.RamRegions(16 * MiB));
        var image = new MultibootImage().Build(MultibootImage.PayloadStart);
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(64), 0xFFFF_FFF7);  // p_paddr
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(68), 0);            // p_filesz
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(72), 0);            // p_memsz
        var e = Assert.Throws<InvalidDataException>(() => MultibootLoader.Load(memory, image, ""));
        Assert.Contains("no loadable segment", e.Message);
    }

    [Fact]
    public void EntryOutsideSegmentsIsRejected()
    {
        using var memory = new GuestMemory(MemoryLayout.RamRegions(16 * MiB));
        var image = new MultibootImage().Build(0x5000);
        Assert.Throws<InvalidDataException>(() => MultibootLoader.Load(memory, image, ""));
    }
}

public class MultibootAcpiTablesTests
{
    [Fact]
    public void AMultibootGuestFindsTheRsdpInTheBiosArea()
    {
        string kernel = Path.Combine(Path.GetTempPath(), $"psvmm-mb-{Guid.NewGuid():N}.elf");
        File.WriteAllBytes(kernel, new MultibootImage().Build(MultibootImage.PayloadStart, flags: 0x3));
        try
        {
            var memory = new PSVmm.Tests.TestDoubles.ArrayGuestMemory(64UL << 20);
            GuestLoader.Load(memory, new VmConfig { KernelPath = kernel, MemoryMB = 64 }, CpuProfile.Host);
            var rsdp = new byte[20];
            memory.Read(MemoryLayout.AcpiTablesAddress, rsdp);
            Assert.Equal("RSD PTR "u8.ToArray(), rsdp[..8]);
            Assert.Equal(0, rsdp.Aggregate(0, (sum, b) => (sum + b) & 0xFF));
        }
        finally
        {
            File.Delete(kernel);
        }
    }
}
