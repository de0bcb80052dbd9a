using System.Management.Automation;
using System.Reflection;
using PSVmm.Engine.Machine;
using PSVmm.Errors;
using PSVmm.Session;

namespace PSVmm.Commands;

/// <summary>
/// What the cmdlets that act on existing VMs share: resolving -Name/-Vm to registered VMs,
/// writing VmException as ErrorRecords, High-impact confirmation with -Force, and waits that
/// honour Ctrl+C and report progress.
/// </summary>
public abstract class VmCommandBase : PSCmdlet
{
    protected const string NameSet = "Name";
    protected const string VmSet = "Vm";

    private static readonly TimeSpan WaitSlice = TimeSpan.FromMilliseconds(250);
    private static int s_nextActivityId = 1;

    private bool _yesToAll;
    private bool _noToAll;

    /// <summary>
    /// The registered VMs named by <paramref name="names"/> (wildcards allowed) or standing for
    /// <paramref name="vms"/>, each at most once. A VM object stands for the VM registered under its
    /// name now (Start-Vm re-creates a stopped VM, so an older object may be stale). Names without
    /// wildcards that match nothing are written as VmNotFound errors.
    /// </summary>
    protected IReadOnlyList<VirtualMachine> ResolveVms(string[]? names, VirtualMachine[]? vms)
    {
        var found = new List<VirtualMachine>();
        void Add(VirtualMachine vm)
        {
            if (!found.Contains(vm))
                found.Add(vm);
        }

        foreach (var vm in vms ?? [])
        {
            if (vm is null)
                continue;
            var current = VmRegistry.Find(vm.Name);
            if (current is null)
                WriteError(VmErrors.NotFound(vm.Name));
            else
                Add(current);
        }

        foreach (var name in names ?? [])
        {
            if (string.IsNullOrEmpty(name))
                continue;
            if (WildcardPattern.ContainsWildcardCharacters(name))
            {
                var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
                foreach (var vm in VmRegistry.All().Where(vm => pattern.IsMatch(vm.Name)))
                    Add(vm);
            }
            else if (VmRegistry.Find(name) is { } vm)
            {
                Add(vm);
            }
            else
            {
                WriteError(VmErrors.NotFound(name));
            }
        }
        return found;
    }

    protected void WriteVmError(VmException e, object? target) => WriteError(VmErrors.From(e, target));

    /// <summary>
    /// Confirmation for a High-impact change: -WhatIf is always honoured; -Force skips the prompt
    /// unless -Confirm was given explicitly; otherwise the user is asked unless $ConfirmPreference is None.
    /// Works whether the cmdlet itself is declared High (Remove-Vm) or not (Stop-Vm, where only -TurnOff is High).
    /// </summary>
    protected bool ShouldProcessHighImpact(string target, string action, bool force)
    {
        bool confirmGiven = MyInvocation.BoundParameters.ContainsKey("Confirm");
        if (force && !confirmGiven)
        {
            if (IsWhatIf())
            {
                ShouldProcess(target, action); // writes the "What if:" line
                return false;
            }
            return true;
        }

        if (!ShouldProcess(target, action))
            return false;
        if (confirmGiven || DeclaredImpact() == ConfirmImpact.High)
            return true; // ShouldProcess already prompted (or -Confirm:$false said not to)

        var preference = GetVariableValue("ConfirmPreference", ConfirmImpact.High);
        if (LanguagePrimitives.TryConvertTo(preference, out ConfirmImpact level) && level == ConfirmImpact.None)
            return true;
        return ShouldContinue($"{action} on target \"{target}\".", "Confirm", ref _yesToAll, ref _noToAll);
    }

    private bool IsWhatIf()
    {
        if (MyInvocation.BoundParameters.TryGetValue("WhatIf", out var whatIf))
            return LanguagePrimitives.IsTrue(whatIf);
        return LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference", false));
    }

    private ConfirmImpact DeclaredImpact() =>
        GetType().GetCustomAttribute<CmdletAttribute>()?.ConfirmImpact ?? ConfirmImpact.Medium;

    /// <summary>
    /// Calls <paramref name="waitSlice"/> (which waits at most the time it is given and returns true
    /// when done) until it succeeds or <paramref name="timeout"/> passes, writing progress meanwhile.
    /// Returns false on timeout; Ctrl+C ends the wait with PipelineStoppedException.
    /// </summary>
    protected bool WaitWithProgress(TimeSpan timeout, string activity, string status, Func<TimeSpan, CancellationToken, bool> waitSlice)
    {
        var token = PipelineStopToken;
        int activityId = Interlocked.Increment(ref s_nextActivityId);
        var started = DateTime.UtcNow;
        bool wroteProgress = false;
        try
        {
            while (true)
            {
                var left = timeout - (DateTime.UtcNow - started);
                if (left < TimeSpan.Zero)
                    left = TimeSpan.Zero;
                if (waitSlice(left < WaitSlice ? left : WaitSlice, token))
                    return true;
                if (token.IsCancellationRequested)
                    throw new PipelineStoppedException();
                if (left <= TimeSpan.Zero)
                    return false;

                var elapsed = DateTime.UtcNow - started;
                var progress = new ProgressRecord(activityId, activity, status)
                {
                    PercentComplete = (int)Math.Clamp(100 * elapsed.TotalMilliseconds / Math.Max(1, timeout.TotalMilliseconds), 0, 100),
                    SecondsRemaining = (int)Math.Max(0, (timeout - elapsed).TotalSeconds),
                };
                WriteProgress(progress);
                wroteProgress = true;
            }
        }
        finally
        {
            if (wroteProgress && !token.IsCancellationRequested)
                WriteProgress(new ProgressRecord(activityId, activity, status) { RecordType = ProgressRecordType.Completed });
        }
    }

    protected static string Describe(VirtualMachine vm)
    {
        var text = $"VM '{vm.Name}' is {vm.State}";
        if (vm.ExitCode is int code)
            text += $" (exit code {code})";
        if (vm.State == VmState.Failed && !string.IsNullOrEmpty(vm.FailureReason))
            text += $": {vm.FailureReason}";
        return text;
    }
}
