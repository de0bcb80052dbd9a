using System.Diagnostics;

namespace PSVmm.Engine.Machine;

/// <summary>
/// Runs the e2fsprogs tools (mke2fs, e2fsck, resize2fs) on image files. They are looked up in
/// the folder named by <see cref="FolderVariable"/> if it is set, else in PATH and then in
/// /usr/sbin and /sbin (not in a normal user's PATH on Debian).
/// </summary>
internal static class E2fsprogs
{
    public const string FolderVariable = "PSVMM_E2FSPROGS";

    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);

    public sealed record Result(int ExitCode, string Output);

    /// <summary>The full path of <paramref name="tool"/>; throws VmException E2fsprogsNotInstalled.</summary>
    public static string Find(string tool)
    {
        foreach (var folder in SearchFolders())
        {
            var candidate = System.IO.Path.Combine(folder, tool);
            if (File.Exists(candidate))
                return candidate;
        }
        var where = Environment.GetEnvironmentVariable(FolderVariable) is { Length: > 0 } configured
            ? $"in '{configured}', the folder ${FolderVariable} names"
            : "in PATH, /usr/sbin or /sbin";
        throw new VmException("E2fsprogsNotInstalled", VmErrorCategory.ObjectNotFound,
            $"{tool} was not found {where}. It comes with the Debian package e2fsprogs: apt-get install e2fsprogs.");
    }

    /// <summary>
    /// Runs <paramref name="tool"/> to the end, calling <paramref name="onTick"/> on this thread
    /// about four times a second meanwhile. Cancelling kills it and throws OperationCanceledException.
    /// </summary>
    public static Result Run(string tool, IEnumerable<string> arguments, Action? onTick, CancellationToken token)
    {
        var start = new ProcessStartInfo(Find(tool))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        start.Environment["LC_ALL"] = "C";

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
        while (!process.WaitForExit(Tick))
        {
            if (token.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                token.ThrowIfCancellationRequested();
            }
            onTick?.Invoke();
        }
        process.WaitForExit(); // the output is complete only now
        return new Result(process.ExitCode, (output.Result + errors.Result).Trim());
    }

    private static List<string> SearchFolders()
    {
        if (Environment.GetEnvironmentVariable(FolderVariable) is { Length: > 0 } folder)
            return [folder];
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(["/usr/sbin", "/sbin"]).Distinct().ToList();
    }
}
