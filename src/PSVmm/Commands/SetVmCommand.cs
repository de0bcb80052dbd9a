using System.Management.Automation;
using PSVmm.Engine.Machine;
using PSVmm.Errors;

namespace PSVmm.Commands;

/// <summary>
/// Set-Vm: changes the memory, CPUs, kernel, initrd, kernel arguments or console log of a VmConfig
/// (written as a new configuration; the one given is left as it was) or of a stopped VM (its
/// configuration for the next Start-Vm; written with -PassThru). The checks and ErrorIds are
/// New-VmConfig's; a VM that is not stopped is VmIsRunning.
/// </summary>
[Cmdlet(VerbsCommon.Set, "Vm", DefaultParameterSetName = ConfigSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(VmConfig), ParameterSetName = [ConfigSet])]
[OutputType(typeof(Model.Vm), ParameterSetName = [VmSet, NameSet])]
public sealed class SetVmCommand : VmConfigTargetCommandBase
{
    [Parameter]
    public int? MemoryMB { get; set; }

    [Parameter]
    [Alias("ProcessorCount")]
    public int? CpuCount { get; set; }

    [Parameter]
    [Alias("KernelPath")]
    public string? Kernel { get; set; }

    /// <summary>An empty string removes the initrd.</summary>
    [Parameter]
    [Alias("InitrdPath")]
    public string? Initrd { get; set; }

    [Parameter]
    [Alias("Append")]
    public string? KernelArgs { get; set; }

    /// <summary>An empty string stops writing the console to a file.</summary>
    [Parameter]
    public string? ConsoleLogPath { get; set; }

    /// <summary>With -Vm or -Name: write the VM. A VmConfig is always written.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord() =>
        EditTargets(Edit, PassThru, vm => RefuseUnlessStopped(vm, "change its settings"));

    private bool Edit(VmConfig config, object target)
    {
        if (!FileSystemPaths.TryResolveFile(this, Kernel, "KernelImageNotFound", out var kernel)
            || !FileSystemPaths.TryResolveFile(this, Initrd, "InitrdNotFound", out var initrd)
            || !FileSystemPaths.TryResolveFile(this, ConsoleLogPath, "ConsoleLogPathNotFound", out var consoleLog))
        {
            return false;
        }

        var changed = config.Clone();
        changed.MemoryMB = MemoryMB ?? changed.MemoryMB;
        changed.CpuCount = CpuCount ?? changed.CpuCount;
        changed.KernelPath = Kernel is null ? changed.KernelPath : kernel;
        changed.InitrdPath = Initrd is null ? changed.InitrdPath : string.IsNullOrEmpty(initrd) ? null : initrd;
        changed.KernelArgs = KernelArgs ?? changed.KernelArgs;
        changed.ConsoleLogPath = ConsoleLogPath is null ? changed.ConsoleLogPath : string.IsNullOrEmpty(consoleLog) ? null : consoleLog;
        try
        {
            VmConfigValidator.ValidateSettings(changed);
        }
        catch (VmException e)
        {
            WriteError(VmErrors.From(e, target));
            return false;
        }

        if (ShouldProcess(config.Name, $"Set {Describe(changed)}"))
        {
            config.MemoryMB = changed.MemoryMB;
            config.CpuCount = changed.CpuCount;
            config.KernelPath = changed.KernelPath;
            config.InitrdPath = changed.InitrdPath;
            config.KernelArgs = changed.KernelArgs;
            config.ConsoleLogPath = changed.ConsoleLogPath;
        }
        return true;
    }

    private static string Describe(VmConfig c) =>
        $"memory {c.MemoryMB} MB, {c.CpuCount} CPU(s), kernel '{c.KernelPath}', initrd '{c.InitrdPath ?? "none"}', arguments '{c.KernelArgs}', console log '{c.ConsoleLogPath ?? "none"}'";
}
