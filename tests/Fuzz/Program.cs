using SharpFuzz;

namespace PSVmm.Fuzz;

/// <summary>
/// Entry point of the fuzz targets. <c>fuzz TARGET</c> runs the AFL++ loop (under afl-fuzz, on an
/// engine assembly instrumented by SharpFuzz); <c>run TARGET FILE...</c> replays inputs without
/// AFL (for crash triage); <c>seeds DIR</c> writes the seed corpus; <c>list</c> names the targets.
/// </summary>
public static class Program
{
    public static readonly IReadOnlyDictionary<string, Action<byte[]>> Targets = new Dictionary<string, Action<byte[]>>
    {
        ["queue"] = QueueTarget.Run,
        ["blk"] = BlockTarget.Run,
        ["pci"] = PciTarget.Run,
        ["boot"] = BootTarget.Run,
    };

    /// <summary>Set by <c>run</c> with PSVMM_FUZZ_TRACE=1: targets say how an input ended (never while fuzzing).</summary>
    public static bool Trace { get; private set; }

    public static void Note(string message)
    {
        if (Trace)
            Console.WriteLine($"        {message}");
    }

    public static int Main(string[] args)
    {
        if (args is ["list"])
        {
            Console.WriteLine(string.Join(' ', Targets.Keys));
            return 0;
        }

        if (args is ["seeds", var dir])
        {
            Seeds.Write(dir);
            return 0;
        }

        if (args is ["fuzz", var fuzzTarget] && Targets.TryGetValue(fuzzTarget, out var fuzz))
        {
            Fuzzer.OutOfProcess.Run(stream =>
            {
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                fuzz(copy.ToArray());
            });
            return 0;
        }

        if (args is ["run", var runTarget, .. var files] && Targets.TryGetValue(runTarget, out var run))
        {
            Trace = Environment.GetEnvironmentVariable("PSVMM_FUZZ_TRACE") == "1";
            int failed = 0;
            foreach (var file in files)
            {
                try
                {
                    run(File.ReadAllBytes(file));
                    Console.WriteLine($"ok      {file}");
                }
                catch (Exception e)
                {
                    failed++;
                    Console.WriteLine($"FINDING {file}: {e}");
                }
            }

            return failed == 0 ? 0 : 1;
        }

        Console.Error.WriteLine($"usage: PSVmm.Fuzz list | seeds DIR | fuzz TARGET | run TARGET FILE...  (targets: {string.Join(", ", Targets.Keys)})");
        return 2;
    }
}
