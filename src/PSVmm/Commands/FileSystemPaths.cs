using System.Management.Automation;
using PSVmm.Errors;

namespace PSVmm.Commands;

/// <summary>PowerShell paths (relative, ~, PSDrive) as file-system paths, for parameters that name files.</summary>
internal static class FileSystemPaths
{
    /// <summary>
    /// <paramref name="path"/> resolved against the cmdlet's current location; the file need not
    /// exist yet. A path that cannot be resolved or is not a file-system path ends the cmdlet with
    /// <paramref name="errorId"/>. Null and blank paths come back unchanged.
    /// </summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(path))]
    public static string? Resolve(PSCmdlet cmdlet, string? path, string errorId)
    {
        if (string.IsNullOrWhiteSpace(path))
            return path;
        string resolved;
        ProviderInfo provider;
        try
        {
            resolved = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out provider, out _);
        }
        catch (Exception e) when (e is ItemNotFoundException or System.Management.Automation.DriveNotFoundException or ProviderNotFoundException
                                      or NotSupportedException or ArgumentException or IOException)
        {
            cmdlet.ThrowTerminatingError(VmErrors.Create(errorId, ErrorCategory.ObjectNotFound,
                $"The path '{path}' cannot be resolved: {e.Message}", path, e));
            throw; // not reached
        }
        if (provider.ImplementingType != typeof(Microsoft.PowerShell.Commands.FileSystemProvider))
        {
            cmdlet.ThrowTerminatingError(VmErrors.Create(errorId, ErrorCategory.InvalidArgument,
                $"'{path}' is a {provider.Name} path. Give a file-system path.", path));
        }

        return resolved;
    }
}
