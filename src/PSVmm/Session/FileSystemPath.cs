using System.Management.Automation;
using Microsoft.PowerShell.Commands;
using PSVmm.Errors;

namespace PSVmm.Session;

/// <summary>PowerShell paths (relative, ~, PSDrives) as file-system paths, for files that need not exist yet.</summary>
internal static class FileSystemPath
{
    /// <summary>The file-system path <paramref name="path"/> stands for, or null and an <paramref name="error"/> with <paramref name="errorId"/> saying why not.</summary>
    public static string? Resolve(PSCmdlet cmdlet, string path, string errorId, out ErrorRecord? error)
    {
        error = null;
        try
        {
            string resolved = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out var provider, out _);
            if (provider.ImplementingType == typeof(FileSystemProvider))
                return resolved;
            error = VmErrors.Create(errorId, ErrorCategory.InvalidArgument, $"'{path}' is a {provider.Name} path. Give a file-system path.", path);
        }
        catch (Exception e) when (e is ItemNotFoundException or System.Management.Automation.DriveNotFoundException or ProviderNotFoundException
                                      or NotSupportedException or ArgumentException or IOException)
        {
            error = VmErrors.Create(errorId, ErrorCategory.ObjectNotFound, $"The path '{path}' cannot be resolved: {e.Message}", path, e);
        }
        return null;
    }
}
