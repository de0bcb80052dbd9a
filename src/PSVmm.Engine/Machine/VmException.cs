namespace PSVmm.Engine.Machine;

/// <summary>
/// A failure the user can act on, with a stable id (no spaces) that the cmdlets put in the
/// ErrorRecord: KernelImageNotFound, InvalidKernelImage, InvalidMemorySize, InvalidCpuCount,
/// KvmNotAvailable, KvmAccessDenied, VmAlreadyRunning, VmNotRunning, ...
/// </summary>
public class VmException : Exception
{
    public VmException(string errorId, VmErrorCategory category, string message, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Category = category;
    }

    public string ErrorId { get; }

    public VmErrorCategory Category { get; }

    /// <summary>The value the failure is about (a path, a size, an address), for the ErrorRecord's TargetObject; null when it is the whole object.</summary>
    public object? TargetValue { get; init; }
}

/// <summary>Mirrors the PowerShell ErrorCategory values the engine needs, without referencing PowerShell.</summary>
public enum VmErrorCategory
{
    InvalidArgument,
    ObjectNotFound,
    InvalidData,
    ResourceUnavailable,
    PermissionDenied,
    InvalidOperation,
    OperationTimeout,
    ResourceExists,
    DeviceError,
}
