using System.Management.Automation;
using PSVmm.Engine.Machine;

namespace PSVmm.Errors;

/// <summary>Builds the ErrorRecords the cmdlets write: one stable ErrorId (no spaces) per kind of failure.</summary>
internal static class VmErrors
{
    /// <summary>The record for <paramref name="e"/>: its TargetObject is the value the failure names (a path, a size), else <paramref name="target"/>.</summary>
    public static ErrorRecord From(VmException e, object? target) =>
        new(e, e.ErrorId, ToErrorCategory(e.Category), e.TargetValue ?? target);

    public static ErrorRecord Create(string errorId, ErrorCategory category, string message, object? target, Exception? inner = null) =>
        new(new VmException(errorId, VmErrorCategory.InvalidOperation, message, inner), errorId, category, target);

    public static ErrorRecord NotFound(string name) =>
        Create("VmNotFound", ErrorCategory.ObjectNotFound,
            $"No VM named '{name}' exists in this session. Get-Vm lists the VMs; Start-Vm -Config creates one.", name);

    public static ErrorRecord DiskNotFound(string vmName, string id, IEnumerable<string> ids)
    {
        var known = ids.ToList();
        return Create("DiskNotFound", ErrorCategory.ObjectNotFound,
            $"VM '{vmName}' has no disk with id '{id}'. Its disks: {(known.Count == 0 ? "none" : string.Join(", ", known))}.", id);
    }

    public static ErrorRecord Removed(Model.Vm vm) =>
        Create("VmNotFound", ErrorCategory.ObjectNotFound,
            $"VM '{vm.Name}' ({vm.Id}) is no longer in this session: Remove-Vm removed it. Get-Vm lists the VMs; Start-Vm -Config creates one.", vm);

    public static ErrorCategory ToErrorCategory(VmErrorCategory category) => category switch
    {
        VmErrorCategory.InvalidArgument => ErrorCategory.InvalidArgument,
        VmErrorCategory.ObjectNotFound => ErrorCategory.ObjectNotFound,
        VmErrorCategory.InvalidData => ErrorCategory.InvalidData,
        VmErrorCategory.ResourceUnavailable => ErrorCategory.ResourceUnavailable,
        VmErrorCategory.PermissionDenied => ErrorCategory.PermissionDenied,
        VmErrorCategory.InvalidOperation => ErrorCategory.InvalidOperation,
        VmErrorCategory.OperationTimeout => ErrorCategory.OperationTimeout,
        VmErrorCategory.ResourceExists => ErrorCategory.ResourceExists,
        VmErrorCategory.DeviceError => ErrorCategory.DeviceError,
        _ => ErrorCategory.NotSpecified,
    };
}
