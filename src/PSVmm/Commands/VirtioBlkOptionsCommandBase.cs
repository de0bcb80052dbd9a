using System.Management.Automation;
using PSVmm.Completion;
using PSVmm.Engine.Devices.Block;
using PSVmm.Engine.Devices.Block.Backend;
using PSVmm.Engine.Devices.Block.Throttle;
using PSVmm.Errors;
using PSVmm.Model;

namespace PSVmm.Commands;

/// <summary>
/// The disk parameters Add-VirtioBlkPci and Set-VirtioBlkPci share: the device options, and the
/// I/O limits (QEMU's throttling.iops-*, bps-*, *-max and *-max-length): per limit a rate, a burst
/// rate and a burst length, 0 meaning no limit. What each limit counts is the engine's rule, written
/// in the help. How an option left out is read (default or unchanged) is each cmdlet's.
/// </summary>
public abstract class VirtioBlkOptionsCommandBase : VmConfigTargetCommandBase
{
    [Parameter]
    public SwitchParameter ReadOnly { get; set; }

    /// <summary>Set-VirtioBlkPci: an empty string removes the serial.</summary>
    [Parameter]
    public string? Serial { get; set; }

    /// <summary>Unset: a queue per vCPU, decided by the engine when the VM starts.</summary>
    [Parameter]
    public int? NumQueues { get; set; }

    [Parameter]
    public int? QueueSize { get; set; }

    /// <summary>Shorthand for -Cache None (Set-VirtioBlkPci: -Direct:$false is Writeback).</summary>
    [Parameter]
    public SwitchParameter Direct { get; set; }

    [Parameter]
    [Alias("CacheMode")]
    public BlockCacheMode? Cache { get; set; }

    /// <summary>Set-VirtioBlkPci: an empty string moves the disk to the VM's default IoThread.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(IoThreadCompleter))]
    public string? IoThread { get; set; }

    [Parameter]
    public VirtioBlkWriteZeroesMode? WriteZeroes { get; set; }

    /// <summary>Set-VirtioBlkPci: "auto" (or an empty string) for the first free slot at start.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(PciAddressCompleter))]
    public string? PciAddress { get; set; }

    [Parameter]
    public SwitchParameter Transitional { get; set; }

    /// <summary>With -Vm or -Name: write the VM. A VmConfig is always written.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Operations per second, all request kinds together.</summary>
    [Parameter] public long? MaximumIops { get; set; }
    [Parameter] public long? MaximumIopsBurst { get; set; }
    [Parameter] public double? MaximumIopsBurstSeconds { get; set; }

    [Parameter] public long? MaximumReadIops { get; set; }
    [Parameter] public long? MaximumReadIopsBurst { get; set; }
    [Parameter] public double? MaximumReadIopsBurstSeconds { get; set; }

    [Parameter] public long? MaximumWriteIops { get; set; }
    [Parameter] public long? MaximumWriteIopsBurst { get; set; }
    [Parameter] public double? MaximumWriteIopsBurstSeconds { get; set; }

    [Parameter] public long? MaximumBytesPerSecond { get; set; }
    [Parameter] public long? MaximumBytesPerSecondBurst { get; set; }
    [Parameter] public double? MaximumBytesPerSecondBurstSeconds { get; set; }

    [Parameter] public long? MaximumReadBytesPerSecond { get; set; }
    [Parameter] public long? MaximumReadBytesPerSecondBurst { get; set; }
    [Parameter] public double? MaximumReadBytesPerSecondBurstSeconds { get; set; }

    [Parameter] public long? MaximumWriteBytesPerSecond { get; set; }
    [Parameter] public long? MaximumWriteBytesPerSecondBurst { get; set; }
    [Parameter] public double? MaximumWriteBytesPerSecondBurstSeconds { get; set; }

    /// <summary>
    /// <paramref name="current"/> with the limits the parameters name changed; the others kept.
    /// A rate set to 0 removes that limit with its burst; a burst set to 0 removes the burst
    /// with its length. The result is not checked here: the engine's rules say what is wrong.
    /// </summary>
    protected ThrottleLimits ApplyLimits(ThrottleLimits current) => current with
    {
        TotalIops = Apply(current.TotalIops, MaximumIops, MaximumIopsBurst, MaximumIopsBurstSeconds),
        ReadIops = Apply(current.ReadIops, MaximumReadIops, MaximumReadIopsBurst, MaximumReadIopsBurstSeconds),
        WriteIops = Apply(current.WriteIops, MaximumWriteIops, MaximumWriteIopsBurst, MaximumWriteIopsBurstSeconds),
        TotalBytesPerSecond = Apply(current.TotalBytesPerSecond, MaximumBytesPerSecond, MaximumBytesPerSecondBurst, MaximumBytesPerSecondBurstSeconds),
        ReadBytesPerSecond = Apply(current.ReadBytesPerSecond, MaximumReadBytesPerSecond, MaximumReadBytesPerSecondBurst, MaximumReadBytesPerSecondBurstSeconds),
        WriteBytesPerSecond = Apply(current.WriteBytesPerSecond, MaximumWriteBytesPerSecond, MaximumWriteBytesPerSecondBurst, MaximumWriteBytesPerSecondBurstSeconds),
    };

    private static ThrottleRate Apply(ThrottleRate current, long? rate, long? burst, double? seconds)
    {
        if (rate is null && burst is null && seconds is null)
            return current;

        double perSecond = rate ?? current.PerSecond;
        double burstPerSecond = burst ?? (rate == 0 ? 0 : current.BurstPerSecond);
        double burstSeconds = seconds ?? (burstPerSecond == 0 ? 0 : current.BurstSeconds);
        return new ThrottleRate(perSecond, burstPerSecond, burstSeconds);
    }

    /// <summary>-PciAddress as slot and function; a text that is no address ends the command with InvalidPciAddress (it would fail for every input).</summary>
    protected (int Slot, int Function) ParsePciAddress(string text)
    {
        if (!PciAddressText.TryParse(text, out int slot, out int function, out var problem))
            ThrowTerminatingError(VmErrors.Create("InvalidPciAddress", ErrorCategory.InvalidArgument, problem!, text));
        return (slot, function);
    }
}
