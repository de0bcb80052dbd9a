namespace PSVmm.Engine.Machine;

public sealed partial class VmConfig
{
    /// <summary>"web: 2 CPUs, 256 MB, vmlinux, 1 disk", for a glance and for messages.</summary>
    public override string ToString()
    {
        string kernel = string.IsNullOrEmpty(KernelPath) ? "no kernel" : Path.GetFileName(KernelPath);
        string disks = BlockDevices.Count == 1 ? "1 disk" : $"{BlockDevices.Count} disks";
        string cpus = CpuCount == 1 ? "1 CPU" : $"{CpuCount} CPUs";
        return $"{Name}: {cpus}, {MemoryMB} MB, {kernel}, {disks}";
    }
}
