using System.Diagnostics;
using System.Management.Automation;

namespace PSVmm.Commands;

public abstract partial class VmCommandBase
{
    private static readonly TimeSpan WaitSlice = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan IdlePause = TimeSpan.FromMilliseconds(20);
    private static int s_nextActivityId = 1;

    /// <summary>
    /// Waits for several VMs at once, with one deadline for all: until <paramref name="isDone"/> (which
    /// waits at most the time it is given) holds for each, or <paramref name="timeout"/> passes (null:
    /// until all are done or Ctrl+C). <paramref name="onDone"/> runs on the pipeline thread for each VM
    /// as it finishes. Writes progress; Ctrl+C ends the wait with PipelineStoppedException. Returns the
    /// VMs that were not done in time.
    /// </summary>
    private protected IReadOnlyList<T> WaitForAll<T>(IReadOnlyList<T> vms, TimeSpan? timeout, string activity, string waitingFor,
        Func<T, string> nameOf, Func<T, TimeSpan, CancellationToken, bool> isDone, Action<T> onDone)
    {
        var pending = vms.ToList();
        var token = PipelineStopToken;
        int activityId = Interlocked.Increment(ref s_nextActivityId);
        var clock = Stopwatch.StartNew();
        bool wroteProgress = false;
        try
        {
            while (pending.Count > 0)
            {
                var passStarted = clock.Elapsed;
                // One VM is waited on for a slice; the others are only looked at, so every one is
                // seen at least once per slice however many there are.
                for (int i = 0; i < pending.Count;)
                {
                    var slice = i == 0 ? Min(Left(timeout, clock.Elapsed), WaitSlice) : TimeSpan.Zero;
                    if (isDone(pending[i], slice, token))
                    {
                        var vm = pending[i];
                        pending.RemoveAt(i);
                        onDone(vm);
                    }
                    else
                    {
                        i++;
                    }
                    if (token.IsCancellationRequested)
                        throw new PipelineStoppedException();
                }
                if (pending.Count == 0 || Left(timeout, clock.Elapsed) <= TimeSpan.Zero)
                    break;
                if (clock.Elapsed - passStarted < IdlePause)
                    token.WaitHandle.WaitOne(IdlePause); // a wait that returned at once must not spin

                var status = $"{waitingFor}: {string.Join(", ", pending.Select(nameOf))}";
                WriteProgress(new ProgressRecord(activityId, activity, status)
                {
                    PercentComplete = timeout is { } t ? (int)Math.Clamp(100 * clock.Elapsed.TotalMilliseconds / Math.Max(1, t.TotalMilliseconds), 0, 100) : -1,
                    SecondsRemaining = timeout is { } t2 ? (int)Math.Max(0, (t2 - clock.Elapsed).TotalSeconds) : -1,
                });
                wroteProgress = true;
            }
            return pending;
        }
        finally
        {
            if (wroteProgress && !token.IsCancellationRequested)
                WriteProgress(new ProgressRecord(activityId, activity, waitingFor) { RecordType = ProgressRecordType.Completed });
        }
    }

    private static TimeSpan Left(TimeSpan? timeout, TimeSpan elapsed) =>
        timeout is { } t ? Max(t - elapsed, TimeSpan.Zero) : TimeSpan.MaxValue;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
