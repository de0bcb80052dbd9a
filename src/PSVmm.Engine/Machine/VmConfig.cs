using PSVmm.Engine.Platform;

namespace PSVmm.Engine.Machine;

/// <summary>Plain description of a VM. Validated by <see cref="VmConfigValidator"/> when a VM is created from it.</summary>
public sealed partial class VmConfig
{
    public const int MinMemoryMB = 16;
    public const int MaxMemoryMB = 1024 * 1024;
    public const int MaxCpuCount = 64;

    public string Name { get; set; } = "vm";
    public int MemoryMB { get; set; } = 256;
    public int CpuCount { get; set; } = 1;

    /// <summary>The guest image: a Linux vmlinux (ELF) or bzImage, or a multiboot ELF such as the probe guest.</summary>
    public string? KernelPath { get; set; }
    public string? InitrdPath { get; set; }
    public string KernelArgs { get; set; } = "";
    public CpuProfile CpuProfile { get; set; } = CpuProfile.Auto;

    /// <summary>Under the Pvm profile, append the boot arguments a stock Linux kernel needs there (PvmKernelArgs); false boots with <see cref="KernelArgs"/> alone.</summary>
    public bool PvmKernelArgs { get; set; } = true;

    /// <summary>Where the serial console is also written as it arrives (null: memory only).</summary>
    public string? ConsoleLogPath { get; set; }

    /// <summary>virtio-blk-pci disks, in the order they were added.</summary>
    public List<VirtioBlkPciConfig> BlockDevices { get; set; } = [];

    /// <summary>A copy whose device list can change without touching this one (the entries are immutable records).</summary>
    public VmConfig Clone()
    {
        var copy = (VmConfig)MemberwiseClone();
        copy.BlockDevices = [.. BlockDevices];
        return copy;
    }
}
