using System.Management.Automation;
using PSVmm.Engine.Machine;

namespace PSVmm.Commands;

/// <summary>
/// What New-VmDiskImage and Resize-VmDiskImage share: resolving the image path, and running the
/// engine's long work with its progress shown, Ctrl+C honoured and failures written as errors.
/// Derives from <see cref="VmCommandBase"/> for its High-impact confirmation (shrinking).
/// </summary>
public abstract class DiskImageCommandBase : VmCommandBase
{
    private static int s_nextActivityId = 1_000_000;
    private readonly int _activityId = Interlocked.Increment(ref s_nextActivityId);
    private DiskImageProgress? _lastProgress;

    /// <summary>The file-system path of <paramref name="path"/>, or null after writing a DiskImagePathInvalid error.</summary>
    protected string? ResolveImagePath(string path)
    {
        if (FileSystemPaths.TryResolve(this, path, expandWildcards: false, "DiskImagePathInvalid", out var resolved, out var error))
            return resolved[0];
        WriteError(error!);
        return null;
    }

    /// <summary>Runs <paramref name="work"/>; false after writing its VmException as an error about <paramref name="target"/>.</summary>
    protected bool RunImageWork(Action<Action<DiskImageProgress>, CancellationToken> work, object target)
    {
        try
        {
            work(ShowProgress, PipelineStopToken);
            return true;
        }
        catch (VmException e)
        {
            WriteVmError(e, target);
            return false;
        }
        catch (OperationCanceledException)
        {
            throw new PipelineStoppedException();
        }
        finally
        {
            if (_lastProgress is { } last && !PipelineStopToken.IsCancellationRequested)
                WriteProgress(new ProgressRecord(_activityId, last.Activity, last.Status) { RecordType = ProgressRecordType.Completed });
            _lastProgress = null;
        }
    }

    private void ShowProgress(DiskImageProgress progress)
    {
        _lastProgress = progress;
        WriteProgress(new ProgressRecord(_activityId, progress.Activity, progress.Status) { PercentComplete = progress.PercentComplete });
    }
}
