using System.Diagnostics;

namespace PSVmm.Tests.Devices.Block.Backend;

/// <summary>Runs a host program (losetup, mount, dmsetup) and returns its exit code and output; -1 when it cannot start.</summary>
internal static class HostCommand
{
    public static (int Code, string Stdout, string Stderr) Run(string program, params string[] args)
    {
        try
        {
            var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in args)
            {
                info.ArgumentList.Add(arg);
            }

            using var process = Process.Start(info)!;
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, stdout, stderr.Result);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (-1, "", ex.Message);
        }
    }
}
