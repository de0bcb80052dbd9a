using System.Management.Automation;
using System.Text.RegularExpressions;
using PSVmm.Engine.Machine;
using PSVmm.Errors;
using PSVmm.Session;

namespace PSVmm.Commands;

/// <summary>Wait-Vm: waits until a VM's console matches a pattern or the VM exits. Ctrl+C ends the wait.</summary>
[Cmdlet(VerbsLifecycle.Wait, "Vm", DefaultParameterSetName = NameSet)]
[OutputType(typeof(VirtualMachine))]
public sealed class WaitVmCommand : VmTargetCommandBase
{
    /// <summary>ConsolePattern or Exit. Without it: ConsolePattern when -Pattern is given, else Exit.</summary>
    [Parameter]
    public WaitVmCondition? For { get; set; }

    /// <summary>A .NET regular expression (multi-line: ^ and $ match at line ends) searched in the whole console output.</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? Pattern { get; set; }

    [Parameter]
    [ValidateRange(1, 24 * 3600)]
    public int TimeoutSec { get; set; } = 60;

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private WaitVmCondition _condition;
    private Regex? _regex;

    protected override void BeginProcessing()
    {
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
        foreach (var vm in TargetVms())
        {
            bool done = _condition == WaitVmCondition.Exit ? WaitForExit(vm) : WaitForPattern(vm);
            if (done && PassThru)
                WriteObject(vm);
        }
    }

    private bool WaitForExit(VirtualMachine vm)
    {
        bool exited = WaitWithProgress(Timeout, $"Waiting for VM '{vm.Name}'", "Waiting for the VM to exit",
            (slice, token) => vm.WaitForExit(slice, token));
        if (!exited)
        {
            WriteTimeout(vm, "to exit");
            return false;
        }
        if (vm.State == VmState.Failed)
        {
            WriteError(VmErrors.Create("VmFailed", ErrorCategory.OperationStopped,
                $"VM '{vm.Name}' failed: {vm.FailureReason ?? "no reason recorded"}", vm));
        }
        else
        {
            WriteVerbose($"{Describe(vm)}.");
        }
        return true; // the wait is over either way; -PassThru lets the caller inspect a failed VM
    }

    private bool WaitForPattern(VirtualMachine vm)
    {
        Match? match = null;
        bool ended = WaitWithProgress(Timeout, $"Waiting for VM '{vm.Name}'", $"Waiting for console output matching '{Pattern}'",
            (slice, token) =>
            {
                match = vm.Console.WaitFor(_regex!, slice, token, 0, () => !VmRegistry.IsLive(vm));
                return match is not null || !VmRegistry.IsLive(vm);
            });
        if (match is not null)
        {
            WriteVerbose($"VM '{vm.Name}' console matched '{Pattern}': {match.Value.TrimEnd()}");
            return true;
        }
        if (ended)
        {
            WriteError(VmErrors.Create("VmNotRunning", ErrorCategory.InvalidOperation,
                $"{Describe(vm)}; its console never matched '{Pattern}'. Get-VmConsole shows what it wrote.", vm));
            return false;
        }
        WriteTimeout(vm, $"to write console output matching '{Pattern}'");
        return false;
    }

    private TimeSpan Timeout => TimeSpan.FromSeconds(TimeoutSec);

    private void WriteTimeout(VirtualMachine vm, string what) =>
        WriteError(VmErrors.Create("WaitTimeout", ErrorCategory.OperationTimeout,
            $"Timed out after {TimeoutSec} s waiting for VM '{vm.Name}' {what} ({vm.State}). Raise -TimeoutSec or check Get-VmConsole.", vm));
}
