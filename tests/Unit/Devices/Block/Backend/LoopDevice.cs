using Xunit.Abstractions;

namespace PSVmm.Tests.Devices.Block.Backend;

/// <summary>A loop device over a file (needs root and the loop driver); detached on Dispose.</summary>
internal sealed class LoopDevice : IDisposable
{
    private bool _detached;

    private LoopDevice(string path) => Path = path;

    public string Path { get; }

    /// <summary>Attaches <paramref name="file"/>, or says why not in the test output and returns null.</summary>
    public static LoopDevice? TryAttach(string file, ITestOutputHelper output)
    {
        var (code, stdout, stderr) = HostCommand.Run("losetup", "-f", "--show", file);
        if (code != 0 || !stdout.StartsWith("/dev/loop", StringComparison.Ordinal))
        {
            output.WriteLine($"losetup could not attach a loop device ({code}: {stderr.Trim()})");
            return null;
        }

        return new LoopDevice(stdout.Trim());
    }

    public void Dispose()
    {
        if (!_detached)
        {
            _detached = true;
            HostCommand.Run("losetup", "-d", Path);
        }
    }
}
