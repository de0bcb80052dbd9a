namespace PSVmm.Engine.Machine;

/// <summary>
/// Kernel arguments a Linux guest needs on a PVM host (PLATFORM.md): CPUID cannot hide native
/// features at CPL0 there, so the kernel is told not to use the instructions the CPL0 emulator
/// rejects, plus options that save minutes of emulated boot. The user's own settings win.
/// </summary>
internal static class PvmKernelArgs
{
    public static IReadOnlyList<string> Arguments { get; } =
    [
        "noxsave",
        "nofsgsbase",
        "noinvpcid",
        "clearcpuid=smap,popcnt,rdtscp,rdpid,ssse3,sse4_1,sse4_2,pclmulqdq,aes,movbe,clwb,erms,fsrm",
        "mitigations=off",
        "tsc=reliable",
        "tsc=noirqtime",
        "no_timer_check",
        "cryptomgr.notests",
        "random.trust_cpu=on",
        "initramfs_async=0",
        "nowatchdog",
    ];

    // Parameters that may be given several times with different values.
    private static readonly HashSet<string> Repeatable = ["tsc"];

    /// <summary>The user's arguments followed by each PVM argument the user did not set.</summary>
    public static string Append(string userArgs)
    {
        var user = userArgs.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var userKeys = user.Select(Key).ToHashSet();
        var added = Arguments.Where(a => !user.Contains(a) && (Repeatable.Contains(Key(a)) || !userKeys.Contains(Key(a))));
        return string.Join(' ', user.Concat(added));
    }

    private static string Key(string arg)
    {
        int eq = arg.IndexOf('=');
        return eq < 0 ? arg : arg[..eq];
    }
}
