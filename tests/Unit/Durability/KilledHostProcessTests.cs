using System.Diagnostics;
using PSVmm.Durability;
using Xunit;
using Xunit.Abstractions;

namespace PSVmm.Tests.Durability;

/// <summary>
/// Writes that survive a killed host process: the durability helper (tests/Durability) writes
/// through the real device model and logs every write the device acknowledged and every flush
/// that completed; it is killed with SIGKILL at a random moment, 20 times per cache mode, and
/// the image is then checked block by block.
/// <para>
/// What this proves: the device acknowledges a write only once it has reached the kernel (the
/// host page cache, or the disk with O_DIRECT), and a flush only completes after the writes
/// acknowledged before it. A killed process loses nothing the kernel holds, so every
/// acknowledged write must be in the image, in every mode; the writes covered by a completed
/// flush are counted apart. What it does not prove: survival of a host crash or power cut (the
/// page cache dies with the host; that needs a VM or a dm-log-writes replay), nor the guest
/// kernel's own ordering.
/// </para>
/// </summary>
public sealed class KilledHostProcessTests(ITestOutputHelper output)
{
    private const int Depth = 8;
    private const long ImageBytes = 8 << 20;

    /// <summary>Runs per cache mode: 20, or PSVMM_DURABILITY_KILLS for a longer run.</summary>
    private static readonly int Kills =
        int.TryParse(Environment.GetEnvironmentVariable("PSVMM_DURABILITY_KILLS"), out int kills) && kills > 0 ? kills : 20;

    [Theory]
    [InlineData("none")]
    [InlineData("writeback")]
    [InlineData("writethrough")]
    public void Every_acknowledged_write_is_in_the_image_after_SIGKILL(string cache)
    {
        var random = new Random(cache.GetHashCode(StringComparison.Ordinal));
        int killedMidRun = 0, acknowledged = 0, flushed = 0;
        for (int run = 0; run < Kills; run++)
        {
            string directory = Directory.CreateTempSubdirectory("psvmm-durability-").FullName;
            try
            {
                string image = Path.Combine(directory, "disk.img");
                using (var file = File.Create(image))
                {
                    file.SetLength(ImageBytes);
                }

                var (lines, killed) = RunAndKill(image, cache, seed: run, killAfterMs: random.Next(0, 150));
                var outcome = Check(image, run, lines);
                killedMidRun += killed ? 1 : 0;
                acknowledged += outcome.Acknowledged;
                flushed += outcome.Flushed;
            }
            finally
            {
                Directory.Delete(directory, recursive: true);
            }
        }

        output.WriteLine($"{cache}: {Kills} runs, {killedMidRun} killed while writing, {acknowledged} acknowledged writes checked, {flushed} of them behind a completed flush, 0 lost");
        Assert.True(killedMidRun >= Kills / 2, $"only {killedMidRun} of {Kills} runs were killed while writing");
        Assert.True(flushed > 0, "no flush completed in any run");
    }

    /// <summary>Starts the helper, kills it <paramref name="killAfterMs"/> after its first acknowledged write, returns its lines and whether the kill came before it finished.</summary>
    private static (List<string> Lines, bool Killed) RunAndKill(string image, string cache, int seed, int killAfterMs)
    {
        string helper = Path.Combine(AppContext.BaseDirectory, "PSVmm.Durability.dll");
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { helper, "--image", image, "--cache", cache, "--seed", seed.ToString(), "--depth", Depth.ToString() })
        {
            info.ArgumentList.Add(arg);
        }

        var lines = new List<string>();
        var writing = new ManualResetEventSlim();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (lines)
            {
                lines.Add(e.Data);
            }

            if (e.Data.StartsWith("W ", StringComparison.Ordinal))
            {
                writing.Set();
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        var stderr = process.StandardError.ReadToEndAsync();
        bool started = writing.Wait(TimeSpan.FromSeconds(60));
        if (!started)
        {
            process.Kill();
            process.WaitForExit();
            throw new Xunit.Sdk.XunitException($"the helper did not start writing: {string.Join(" | ", lines)} {stderr.Result}");
        }

        // A fast helper may already have written everything and exited: that run counts as not killed.
        Thread.Sleep(killAfterMs);
        bool killed = !process.HasExited;
        process.Kill(); // SIGKILL on Linux
        process.WaitForExit(); // also waits for the redirected output to be read to its end
        Assert.True(killed || process.ExitCode == 0, $"the helper failed: {stderr.Result}");
        lock (lines)
        {
            return (lines.ToList(), killed && !lines.Contains("END ."));
        }
    }

    private readonly record struct Outcome(int Acknowledged, int Flushed);

    /// <summary>
    /// Every acknowledged write is in its block byte for byte; every block that was never
    /// submitted is still zero (nothing else was written); blocks of writes that were in flight at
    /// the kill may hold either.
    /// </summary>
    private static Outcome Check(string image, int seed, List<string> lines)
    {
        var acked = new List<(long Seq, long Block, int Line)>();
        var flushSubmittedAt = new Dictionary<long, int>();
        int lastCompletedFlushLine = -1;
        for (int i = 0; i < lines.Count; i++)
        {
            switch (WriteLog.Parse(lines[i]))
            {
                case ('W', var seq, var block):
                    acked.Add((seq, block, i));
                    break;
                case ('S', var flush, _):
                    flushSubmittedAt[flush] = i;
                    break;
                case ('F', var flush, _):
                    lastCompletedFlushLine = Math.Max(lastCompletedFlushLine, flushSubmittedAt[flush]);
                    break;
            }
        }

        byte[] disk = File.ReadAllBytes(image);
        int blocks = disk.Length / BlockPattern.BlockBytes;
        var order = BlockPattern.Order(blocks, seed);
        foreach (var (seq, block, _) in acked)
        {
            Assert.Equal(order[seq], block);
            var actual = disk.AsSpan((int)(block * BlockPattern.BlockBytes), BlockPattern.BlockBytes);
            Assert.True(actual.SequenceEqual(BlockPattern.Of(seq, block)),
                $"run {seed}: acknowledged write {seq} to block {block} is not in the image (first bytes {Convert.ToHexString(actual[..16])})");
        }

        // Writes are submitted in order, and a slot is refilled only after its acknowledgement is
        // logged: at most Depth writes were submitted beyond the logged ones.
        long submittedBound = acked.Count + Depth;
        for (long seq = submittedBound; seq < blocks; seq++)
        {
            var untouched = disk.AsSpan(order[seq] * BlockPattern.BlockBytes, BlockPattern.BlockBytes);
            Assert.True(untouched.IndexOfAnyExcept((byte)0) < 0, $"run {seed}: block {order[seq]} was never written but is not zero");
        }

        return new Outcome(acked.Count, acked.Count(a => a.Line < lastCompletedFlushLine));
    }
}
