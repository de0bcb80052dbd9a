using System.Management.Automation;
using System.Text.RegularExpressions;
using PSVmm.Engine.Machine;
using PSVmm.Errors;
using PSVmm.Model;
using PSVmm.Session;

namespace PSVmm.Commands;

/// <summary>
/// Wait-Vm: waits until a VM's console matches a pattern or the VM exits; several VMs within one
/// overall -TimeoutSec (each is written with -PassThru as it gets there). Ctrl+C ends the wait.
/// </summary>
[Cmdlet(VerbsLifecycle.Wait, "Vm", DefaultParameterSetName = NameSet)]
[OutputType(typeof(Vm))]
public sealed class WaitVmCommand : VmTargetCommandBase
{
    /// <summary>ConsolePattern or Exit. Without it: ConsolePattern when -Pattern is given, else Exit.</summary>
    [Parameter]
    [WaitConditionName]
    public WaitVmCondition? For { get; set; }

    /// <summary>A .NET regular expression (multi-line: ^ and $ match at line ends) searched in the whole console output.</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? Pattern { get; set; }

    /// <summary>One limit for all the VMs together; 0: no limit (as -Infinite).</summary>
    [Parameter]
    [ValidateRange(0, 24 * 3600)]
    public int TimeoutSec { get; set; } = 60;

    /// <summary>Wait until done or Ctrl+C, however long that takes.</summary>
    [Parameter]
    public SwitchParameter Infinite { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private readonly List<(RegisteredVm Vm, VirtualMachine Machine)> _vms = [];
    private readonly Dictionary<VirtualMachine, Match> _matches = [];
    private WaitVmCondition _condition;
    private Regex? _regex;

    protected override void BeginProcessing()
    {
        if (Infinite && MyInvocation.BoundParameters.ContainsKey(nameof(TimeoutSec)) && TimeoutSec != 0)
        {
            ThrowTerminatingError(VmErrors.Create("TimeoutConflict", ErrorCategory.InvalidArgument,
                $"-Infinite waits without a limit and -TimeoutSec {TimeoutSec} sets one: give one of them.", TimeoutSec));
        }
        _condition = For ?? (Pattern is null ? WaitVmCondition.Exit : WaitVmCondition.ConsolePattern);
        if (_condition == WaitVmCondition.ConsolePattern)
        {
            if (Pattern is null)
            {
                ThrowTerminatingError(VmErrors.Create("PatternRequired", ErrorCategory.InvalidArgument,
                    "Wait-Vm -For ConsolePattern needs -Pattern, a regular expression to find in the console output.", null));
            }

            try
            {
                _regex = new Regex(Pattern!, RegexOptions.Multiline | RegexOptions.CultureInvariant);
            }
            catch (ArgumentException e)
            {
                ThrowTerminatingError(VmErrors.Create("InvalidPattern", ErrorCategory.InvalidArgument,
                    $"-Pattern '{Pattern}' is not a valid regular expression: {e.Message}", Pattern, e));
            }
        }
        else if (Pattern is not null)
        {
            ThrowTerminatingError(VmErrors.Create("PatternNotApplicable", ErrorCategory.InvalidArgument,
                "-Pattern applies only to Wait-Vm -For ConsolePattern.", Pattern));
        }
    }

    protected override void ProcessRecord()
    {
        foreach (var vm in Targets())
        {
            if (!_vms.Any(p => p.Vm == vm))
                _vms.Add((vm, vm.Machine));
        }
    }

    protected override void EndProcessing()
    {
        if (_vms.Count == 0)
            return;
        string activity = _vms.Count == 1 ? $"Waiting for VM '{_vms[0].Vm.Name}'" : $"Waiting for {_vms.Count} VMs";
        var late = _condition == WaitVmCondition.Exit
            ? WaitForAll(_vms, Timeout, activity, "Waiting for the VMs to exit", p => p.Vm.Name,
                (p, slice, token) => p.Machine.WaitForExit(slice, token), OnExited)
            : WaitForAll(_vms, Timeout, activity, $"Waiting for console output matching '{Pattern}'", p => p.Vm.Name,
                (p, slice, token) => ConsoleMatched(p.Machine, slice, token) || !VmRegistry.IsLive(p.Machine), OnPatternWaitEnded);
        foreach (var (vm, machine) in late)
        {
            string what = _condition == WaitVmCondition.Exit ? "to exit" : $"to write console output matching '{Pattern}'";
            WriteError(VmErrors.Create("WaitTimeout", ErrorCategory.OperationTimeout,
                $"Timed out after {TimeoutSec} s waiting for VM '{vm.Name}' {what} ({machine.State}). Raise -TimeoutSec (0 or -Infinite: no limit) or check Get-VmConsole.",
                new Vm(vm)));
        }
    }

    private void OnExited((RegisteredVm Vm, VirtualMachine Machine) p)
    {
        if (p.Machine.State == VmState.Failed)
        {
            WriteError(VmErrors.Create("VmFailed", ErrorCategory.OperationStopped,
                $"VM '{p.Vm.Name}' failed: {p.Machine.FailureReason ?? "no reason recorded"}", new Vm(p.Vm)));
        }
        else
        {
            WriteVerbose($"{Describe(p.Machine)}.");
        }
        if (PassThru)
            WriteVm(p.Vm); // the wait is over either way; -PassThru lets the caller inspect a failed VM
    }

    private bool ConsoleMatched(VirtualMachine machine, TimeSpan slice, CancellationToken token)
    {
        var match = machine.Console.WaitFor(_regex!, slice, token, 0, () => !VmRegistry.IsLive(machine));
        if (match is not null)
            _matches[machine] = match;
        return match is not null;
    }

    private void OnPatternWaitEnded((RegisteredVm Vm, VirtualMachine Machine) p)
    {
        if (_matches.TryGetValue(p.Machine, out var match))
        {
            WriteVerbose($"VM '{p.Vm.Name}' console matched '{Pattern}': {match.Value.TrimEnd()}");
            if (PassThru)
                WriteVm(p.Vm);
            return;
        }
        WriteError(VmErrors.Create("VmNotRunning", ErrorCategory.InvalidOperation,
            $"{Describe(p.Machine)}; its console never matched '{Pattern}'. Get-VmConsole shows what it wrote.", new Vm(p.Vm)));
    }

    /// <summary>-TimeoutSec as a wait's limit; null (no limit) for -Infinite or -TimeoutSec 0.</summary>
    private TimeSpan? Timeout => Infinite || TimeoutSec == 0 ? null : TimeSpan.FromSeconds(TimeoutSec);
}
