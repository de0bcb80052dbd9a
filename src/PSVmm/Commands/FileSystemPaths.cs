using System.Management.Automation;
using PSVmm.Errors;

namespace PSVmm.Commands;

/// <summary>
/// PowerShell paths (relative, ~, PSDrives, provider-qualified PSPath) as file-system paths, as the
/// file cmdlets read them: a -Path may hold wildcards, which the provider expands; a literal path
/// is taken as written. Whether a file is there and what it holds is the engine validator's to say.
/// </summary>
internal static class FileSystemPaths
{
    /// <summary>
    /// The file-system path(s) <paramref name="path"/> stands for. With <paramref name="expandWildcards"/>
    /// a pattern gives every file it matches (none is an error); otherwise one path, which need not exist.
    /// On failure <paramref name="error"/> is an <paramref name="errorId"/> record whose target is the path.
    /// </summary>
    public static bool TryResolve(PSCmdlet cmdlet, string path, bool expandWildcards, string errorId, out List<string> resolved, out ErrorRecord? error)
    {
        resolved = [];
        error = null;
        try
        {
            ProviderInfo provider;
            if (expandWildcards && WildcardPattern.ContainsWildcardCharacters(path))
            {
                resolved = [.. cmdlet.SessionState.Path.GetResolvedProviderPathFromPSPath(path, out provider)];
                if (resolved.Count == 0)
                    throw new ItemNotFoundException($"No file matches '{path}'.");
            }
            else
            {
                resolved = [cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out provider, out _)];
            }

            if (provider.ImplementingType != typeof(Microsoft.PowerShell.Commands.FileSystemProvider))
            {
                error = VmErrors.Create(errorId, ErrorCategory.InvalidArgument,
                    $"'{path}' is a {provider.Name} path. Give a file-system path.", path);
                return false;
            }
            return true;
        }
        catch (Exception e) when (e is ItemNotFoundException or System.Management.Automation.DriveNotFoundException or ProviderNotFoundException
                                      or NotSupportedException or ArgumentException or IOException or PSInvalidOperationException)
        {
            error = VmErrors.Create(errorId, ErrorCategory.ObjectNotFound, $"The path '{path}' cannot be resolved: {e.Message}", path, e);
            return false;
        }
    }

    /// <summary>
    /// One literal path (null and blank pass through for the validator to judge). False after
    /// writing the error as a non-terminating one, so the next pipeline record goes on.
    /// </summary>
    public static bool TryResolveFile(PSCmdlet cmdlet, string? path, string errorId, out string? resolved)
    {
        resolved = path;
        if (string.IsNullOrWhiteSpace(path))
            return true;
        if (!TryResolve(cmdlet, path, expandWildcards: false, errorId, out var paths, out var error))
        {
            cmdlet.WriteError(error!);
            return false;
        }
        resolved = paths[0];
        return true;
    }

    /// <summary>
    /// One literal path resolved against the cmdlet's current location (the file need not exist);
    /// a path that cannot be resolved ends the cmdlet with <paramref name="errorId"/>. Null and blank
    /// paths come back unchanged.
    /// </summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(path))]
    public static string? Resolve(PSCmdlet cmdlet, string? path, string errorId)
    {
        if (string.IsNullOrWhiteSpace(path))
            return path;
        if (!TryResolve(cmdlet, path, expandWildcards: false, errorId, out var paths, out var error))
            cmdlet.ThrowTerminatingError(error!);
        return paths[0];
    }
}
