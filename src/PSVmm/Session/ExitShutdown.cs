using PSVmm.Engine.Machine;

namespace PSVmm.Session;

/// <summary>
/// What happens to the VMs still running when pwsh exits: their power buttons are pressed, the
/// guests get a few seconds in all, the rest are turned off, and every machine is released (KVM
/// objects, image locks, console logs, threads). The host is told on stderr, the one stream left
/// while the process ends.
/// </summary>
internal static class ExitShutdown
{
    /// <summary>How long the guests get together, not each.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(3);

    /// <summary>How long turning off the rest may take before the process goes on exiting.</summary>
    public static readonly TimeSpan TurnOffLimit = TimeSpan.FromSeconds(5);

    private static int s_hooked;

    /// <summary>Runs <see cref="Run"/> when the process exits; once per process, however often the module is imported.</summary>
    public static void HookProcessExit()
    {
        if (Interlocked.Exchange(ref s_hooked, 1) == 0)
            AppDomain.CurrentDomain.ProcessExit += (_, _) => Run("pwsh is exiting", Console.Error);
    }

    /// <summary>Stops every live VM of the registry and writes what it did to <paramref name="host"/>. Never throws.</summary>
    public static void Run(string why, TextWriter host)
    {
        try
        {
            var live = LiveMachines();
            if (live.Count == 0)
                return;
            host.WriteLine($"WARNING: PSVmm: {why} with {Count(live.Count)} running ({Names(live)}): "
                + $"pressing the power buttons, waiting up to {Grace.TotalSeconds:0.#} s, then turning off the rest.");
            var outcome = ShutdownSequence.Run(live, Grace, TurnOffLimit);
            foreach (var machine in live)
                machine.Dispose();
            host.WriteLine($"WARNING: PSVmm: {Summary(outcome)}");
        }
        catch (Exception e)
        {
            try
            {
                host.WriteLine($"WARNING: PSVmm: stopping the VMs failed: {e.Message}");
            }
            catch (Exception)
            {
                // Nothing is left to tell.
            }
        }
    }

    /// <summary>Tells <paramref name="host"/> which VMs keep running after the module was removed. Never throws.</summary>
    public static void WarnStillRunning(TextWriter host)
    {
        try
        {
            var live = LiveMachines();
            if (live.Count > 0)
            {
                host.WriteLine($"WARNING: PSVmm was removed with {Count(live.Count)} running ({Names(live)}): they keep running. "
                    + "Import-Module PSVmm gets them back; when pwsh exits they are shut down.");
            }
        }
        catch (Exception)
        {
            // A warning that cannot be written is not worth failing Remove-Module for.
        }
    }

    /// <summary>"shut down: a; turned off: b, c" (the parts that have VMs).</summary>
    public static string Summary(ShutdownOutcome outcome)
    {
        var parts = new List<string>();
        if (outcome.ShutDown.Count > 0)
            parts.Add("shut down: " + string.Join(", ", outcome.ShutDown));
        if (outcome.TurnedOff.Count > 0)
            parts.Add("turned off: " + string.Join(", ", outcome.TurnedOff));
        if (outcome.NotStopped.Count > 0)
            parts.Add("not stopped: " + string.Join("; ", outcome.NotStopped));
        return string.Join("; ", parts) + ".";
    }

    private static List<VirtualMachine> LiveMachines() => [.. VmRegistry.All().Select(vm => vm.Machine).Where(VmRegistry.IsLive)];

    private static string Names(List<VirtualMachine> machines) => string.Join(", ", machines.Select(m => m.Name));

    private static string Count(int n) => n == 1 ? "1 VM" : $"{n} VMs";
}
