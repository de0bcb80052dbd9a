using System.Management.Automation;
using System.Reflection;
using PSVmm.Engine.Machine;
using PSVmm.Errors;
using PSVmm.Model;
using PSVmm.Session;

namespace PSVmm.Commands;

/// <summary>
/// What the cmdlets that act on existing VMs share: resolving -Name/-Vm to registered VMs,
/// writing VmException as ErrorRecords, High-impact confirmation with -Force, and waits that
/// honour Ctrl+C and report progress (VmCommandBase.Waits.cs).
/// </summary>
public abstract partial class VmCommandBase : PSCmdlet
{
    protected const string NameSet = "Name";
    protected const string VmSet = "Vm";

    private bool _yesToAll;
    private bool _noToAll;

    /// <summary>
    /// The registered VMs named by <paramref name="names"/> (wildcards allowed) or given as
    /// <paramref name="vms"/>, each at most once. A VM
    /// object stands for its VM as long as that is registered; one that Remove-Vm removed, and names
    /// without wildcards that match nothing, are written as VmNotFound errors.
    /// </summary>
    private protected IReadOnlyList<RegisteredVm> ResolveVms(string[]? names, Vm[]? vms)
    {
        var found = new List<RegisteredVm>();
        void Add(RegisteredVm vm)
        {
            if (!found.Contains(vm))
                found.Add(vm);
        }

        foreach (var vm in vms ?? [])
        {
            if (vm is null)
                continue;
            if (VmRegistry.Contains(vm.Registered))
                Add(vm.Registered);
            else
                WriteError(VmErrors.Removed(vm));
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

    /// <summary>Writes the PowerShell-facing object of a registered VM.</summary>
    private protected void WriteVm(RegisteredVm vm) => WriteObject(new Vm(vm));

    /// <summary>Writes the PowerShell-facing object of the VM that <paramref name="machine"/> runs now, if it is registered.</summary>
    protected void WriteVm(VirtualMachine machine)
    {
        if (VmRegistry.Of(machine) is { } vm)
            WriteVm(vm);
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
