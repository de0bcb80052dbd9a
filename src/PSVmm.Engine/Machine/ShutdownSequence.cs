namespace PSVmm.Engine.Machine;

/// <summary>What became of each machine: shut down when asked, turned off, or still not stopped (with why).</summary>
public sealed record ShutdownOutcome(IReadOnlyList<string> ShutDown, IReadOnlyList<string> TurnedOff, IReadOnlyList<string> NotStopped);

/// <summary>
/// Stops several machines within one time limit, the way a host does when it goes down: every
/// power button is pressed first, then one grace period covers them all, then the machines still
/// running are turned off together. Used when the process exits with VMs running.
/// </summary>
public static class ShutdownSequence
{
    /// <summary>
    /// Runs the sequence. Waits at most <paramref name="grace"/> for the guests and then at most
    /// <paramref name="turnOffLimit"/> for the turn-offs (a machine that misses it is reported in
    /// <see cref="ShutdownOutcome.NotStopped"/>). Never throws: it runs where nobody could catch.
    /// </summary>
    public static ShutdownOutcome Run(IReadOnlyList<IShutdownTarget> machines, TimeSpan grace, TimeSpan turnOffLimit)
    {
        ArgumentNullException.ThrowIfNull(machines);
        var notStopped = new List<string>();
        foreach (var machine in machines)
        {
            try
            {
                machine.RequestShutdown();
            }
            catch (Exception)
            {
                // Not running any more, or starting or stopping: the wait and the turn-off below decide.
            }
        }

        var deadline = DateTime.UtcNow + grace;
        var shutDown = new List<string>();
        var running = new List<IShutdownTarget>();
        foreach (var machine in machines)
        {
            var left = deadline - DateTime.UtcNow;
            if (Exited(machine, left < TimeSpan.Zero ? TimeSpan.Zero : left))
                shutDown.Add(machine.Name);
            else
                running.Add(machine);
        }

        // Threads of their own, not the thread pool: this runs while the process exits, when the
        // pool may be busy or starved, and one machine's turn-off must not wait behind another's.
        var errors = new Exception?[running.Count];
        var threads = running.Select((machine, i) => new Thread(() =>
        {
            try
            {
                machine.TurnOff();
            }
            catch (Exception e)
            {
                errors[i] = e;
            }
        })
        { IsBackground = true, Name = $"turn off {machine.Name}" }).ToList();
        threads.ForEach(t => t.Start());

        var turnOffDeadline = DateTime.UtcNow + turnOffLimit;
        var turnedOff = new List<string>();
        for (int i = 0; i < running.Count; i++)
        {
            var left = turnOffDeadline - DateTime.UtcNow;
            bool finished = threads[i].Join(left < TimeSpan.Zero ? TimeSpan.Zero : left);
            if (finished && errors[i] is null)
                turnedOff.Add(running[i].Name);
            else
                notStopped.Add(errors[i] is { } e ? $"{running[i].Name}: {e.Message}" : $"{running[i].Name}: still stopping after {turnOffLimit.TotalSeconds:0.#} s");
        }
        return new ShutdownOutcome(shutDown, turnedOff, notStopped);
    }

    private static bool Exited(IShutdownTarget machine, TimeSpan timeout)
    {
        try
        {
            return machine.WaitForExit(timeout, CancellationToken.None);
        }
        catch (Exception)
        {
            return false;
        }
    }
}
