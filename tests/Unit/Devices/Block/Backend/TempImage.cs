using PSVmm.Engine.Native;
using Tmds.Linux;
using Xunit;

namespace PSVmm.Tests.Devices.Block.Backend;

/// <summary>An image file in its own temporary directory, deleted with the directory on Dispose.</summary>
internal sealed class TempImage : IDisposable
{
    private TempImage(string directory, string path)
    {
        Directory = directory;
        Path = path;
    }

    public string Directory { get; }

    public string Path { get; }

    /// <summary>A file of <paramref name="size"/> bytes filled with a position-dependent pattern (seed-specific).</summary>
    public static TempImage CreatePatterned(long size, int seed = 1, string? root = null)
    {
        var image = CreateEmpty(size, root);
        using var stream = new FileStream(image.Path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        var buffer = new byte[64 * 1024];
        for (long at = 0; at < size; at += buffer.Length)
        {
            int n = (int)Math.Min(buffer.Length, size - at);
            Pattern(at, buffer.AsSpan(0, n), seed);
            stream.Write(buffer, 0, n);
        }

        stream.Flush(flushToDisk: true);
        return image;
    }

    /// <summary>A sparse file of <paramref name="size"/> bytes (reads as zeroes).</summary>
    public static TempImage CreateEmpty(long size, string? root = null)
    {
        string directory = System.IO.Path.Combine(root ?? System.IO.Path.GetTempPath(), "psvmm-blk-" + Guid.NewGuid().ToString("n"));
        System.IO.Directory.CreateDirectory(directory);
        string path = System.IO.Path.Combine(directory, "disk.img");
        using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
        {
            stream.SetLength(size);
        }

        return new TempImage(directory, path);
    }

    /// <summary>The byte the patterned image holds at <paramref name="offset"/>.</summary>
    public static byte PatternAt(long offset, int seed) => (byte)((offset * 131 + (offset >> 9) * 7 + seed * 31) & 0xff);

    public static void Pattern(long offset, Span<byte> destination, int seed)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = PatternAt(offset + i, seed);
        }
    }

    public byte[] ReadAll() => File.ReadAllBytes(Path);

    public byte[] ReadRange(long offset, int length)
    {
        using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Position = offset;
        var buffer = new byte[length];
        stream.ReadExactly(buffer);
        return buffer;
    }

    /// <summary>512-byte blocks the file occupies (st_blocks).</summary>
    public unsafe long AllocatedBlocks()
    {
        var sx = default(Statx);
        Assert.Equal(0, LibCShim.statx(LibC.AT_FDCWD, Path, 0, LibC.STATX_BLOCKS, &sx));
        return (long)sx.Blocks;
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
