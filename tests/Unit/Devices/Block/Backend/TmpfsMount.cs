namespace PSVmm.Tests.Devices.Block.Backend;

/// <summary>A small tmpfs mounted on a fresh directory (needs root or CAP_SYS_ADMIN); unmounted and removed on Dispose.</summary>
internal sealed class TmpfsMount : IDisposable
{
    private TmpfsMount(string path) => Path = path;

    public string Path { get; }

    /// <summary>Mounts a tmpfs of <paramref name="sizeKiB"/> KiB, or returns null with the reason.</summary>
    public static TmpfsMount? TryMount(int sizeKiB, out string whyNot)
    {
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "psvmm-tmpfs-" + Guid.NewGuid().ToString("n"));
        Directory.CreateDirectory(path);
        var (code, _, stderr) = HostCommand.Run("mount", "-t", "tmpfs", "-o", $"size={sizeKiB}k", "psvmm-test", path);
        if (code != 0)
        {
            Directory.Delete(path);
            whyNot = $"mounting a tmpfs is not permitted here (mount exited {code}: {stderr.Trim()})";
            return null;
        }

        whyNot = "";
        return new TmpfsMount(path);
    }

    /// <summary>remount with <paramref name="options"/> (e.g. "ro"); returns mount's exit code and error text.</summary>
    public (int Code, string Error) Remount(string options)
    {
        var (code, _, stderr) = HostCommand.Run("mount", "-o", "remount," + options, Path);
        return (code, stderr.Trim());
    }

    /// <summary>A file of <paramref name="bytes"/> real (not sparse) bytes, to take up space.</summary>
    public string Fill(string name, int bytes)
    {
        string file = System.IO.Path.Combine(Path, name);
        File.WriteAllBytes(file, new byte[bytes]);
        return file;
    }

    public void Dispose()
    {
        HostCommand.Run("umount", "-l", Path);
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
