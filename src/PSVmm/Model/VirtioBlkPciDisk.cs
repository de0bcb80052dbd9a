using PSVmm.Engine.Devices.Block;
using PSVmm.Engine.Devices.Block.Backend;
using PSVmm.Engine.Machine;

namespace PSVmm.Model;

/// <summary>
/// One virtio-blk-pci disk of a configuration or VM as PowerShell shows it (Get-VirtioBlkPci,
/// $config.BlockDevices): every option flat, with the parameter names of Add-VirtioBlkPci and
/// Set-VirtioBlkPci. A copy: changing it changes no configuration.
/// </summary>
public sealed class VirtioBlkPciDisk
{
    internal VirtioBlkPciDisk(string vmName, VirtioBlkPciConfig disk)
    {
        var options = disk.Disk;
        var limits = options.Throttle;
        Source = disk;
        VmName = vmName;
        Id = disk.Id;
        Path = options.Path;
        ReadOnly = options.ReadOnly;
        Serial = options.Serial;
        Cache = options.CacheMode;
        NumQueues = options.NumQueues;
        QueueSize = options.QueueSize;
        IoThread = options.IoThread;
        Discard = options.Discard;
        WriteZeroes = options.WriteZeroes;
        PciAddress = disk.PciAddress;
        Transitional = disk.Transitional;
        Limits = ThrottleLimitsText.Format(limits);
        MaximumIops = limits.TotalIops.PerSecond;
        MaximumReadIops = limits.ReadIops.PerSecond;
        MaximumWriteIops = limits.WriteIops.PerSecond;
        MaximumBytesPerSecond = limits.TotalBytesPerSecond.PerSecond;
        MaximumReadBytesPerSecond = limits.ReadBytesPerSecond.PerSecond;
        MaximumWriteBytesPerSecond = limits.WriteBytesPerSecond.PerSecond;
    }

    /// <summary>The disks of <paramref name="config"/> in order (what $config.BlockDevices shows).</summary>
    public static VirtioBlkPciDisk[] Of(VmConfig config) =>
        [.. config.BlockDevices.Where(d => d?.Disk is not null).Select(d => new VirtioBlkPciDisk(config.Name, d))];

    /// <summary>The engine's record this was made from, to copy the disk into another configuration.</summary>
    internal VirtioBlkPciConfig Source { get; }

    /// <summary>The name of the configuration or VM the disk belongs to (binds to -Name/-VMName of the next cmdlet).</summary>
    public string VmName { get; }
    public string Id { get; }
    public string Path { get; }
    public bool ReadOnly { get; }
    public string? Serial { get; }
    public BlockCacheMode Cache { get; }

    /// <summary>The image is opened with O_DIRECT (-Cache None).</summary>
    public bool Direct => Cache == BlockCacheMode.None;

    /// <summary>Null: one queue per vCPU, decided when the VM starts.</summary>
    public int? NumQueues { get; }
    public int QueueSize { get; }

    /// <summary>Null: the VM's default IoThread.</summary>
    public string? IoThread { get; }
    public bool Discard { get; }
    public VirtioBlkWriteZeroesMode WriteZeroes { get; }

    /// <summary>"00:SS.F"; null: the first free slot when the VM starts.</summary>
    public string? PciAddress { get; }
    public bool Transitional { get; }

    /// <summary>The I/O limits with their bursts in a line ("none" when unlimited).</summary>
    public string Limits { get; }

    /// <summary>The rates of the limits (the -Maximum* parameters of the same names); 0: no limit.</summary>
    public double MaximumIops { get; }
    public double MaximumReadIops { get; }
    public double MaximumWriteIops { get; }
    public double MaximumBytesPerSecond { get; }
    public double MaximumReadBytesPerSecond { get; }
    public double MaximumWriteBytesPerSecond { get; }

    /// <summary>Every option in a line, for -WhatIf and -Verbose.</summary>
    internal string Describe() =>
        $"'{Path}'{(ReadOnly ? " read-only" : "")}, serial '{Serial}', cache {Cache}, "
        + $"{(NumQueues is int n ? $"{n} queue(s)" : "a queue per vCPU")} of {QueueSize}, IoThread {IoThread ?? "default"}, "
        + $"discard {(Discard ? "on" : "off")}, write-zeroes {WriteZeroes}, PCI address {PciAddress ?? "auto"}{(Transitional ? ", transitional" : "")}, limits {Limits}";

    public override string ToString() => $"{Id}: {Path}{(ReadOnly ? " (read-only)" : "")}";
}
