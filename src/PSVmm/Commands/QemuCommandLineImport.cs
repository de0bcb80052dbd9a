using System.Management.Automation;
using PSVmm.Engine.Machine;
using PSVmm.Engine.Qemu;
using PSVmm.Errors;

namespace PSVmm.Commands;

/// <summary>
/// What ConvertFrom-QemuCommandLine and New-VmConfig -QemuArgs share: one string is split as a
/// shell would, several are the arguments as given; the engine reads them; file paths are
/// resolved against the current PowerShell location; ignored options make one warning.
/// </summary>
internal static class QemuCommandLineImport
{
    public static VmConfig Read(PSCmdlet cmdlet, IReadOnlyList<string> words)
    {
        string line = words.Count == 1 ? words[0] : ShellWords.Join(words);
        QemuImport import;
        try
        {
            var args = words.Count == 1 ? ShellWords.Split(words[0]) : words;
            import = QemuCommandLineReader.Read(args);
        }
        catch (VmException e)
        {
            cmdlet.ThrowTerminatingError(VmErrors.From(e, line));
            throw; // not reached
        }

        if (import.Ignored.Count > 0)
            cmdlet.WriteWarning($"PSVmm ignores these options, which mean nothing to it: {string.Join("; ", import.Ignored)}.");
        var config = import.Config;
        config.KernelPath = FileSystemPaths.Resolve(cmdlet, config.KernelPath, "KernelImageNotFound");
        config.InitrdPath = FileSystemPaths.Resolve(cmdlet, config.InitrdPath, "InitrdNotFound");
        config.BlockDevices = config.BlockDevices
            .Select(d => d with { Disk = d.Disk with { Path = FileSystemPaths.Resolve(cmdlet, d.Disk.Path, "DiskImageNotFound") } })
            .ToList();
        return config;
    }
}
