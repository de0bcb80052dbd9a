using PSVmm.Engine.Devices.Block;
using PSVmm.Engine.Machine;
using PSVmm.Engine.Virtio;

namespace PSVmm.Model;

/// <summary>
/// A running disk's virtio transport, as Get-VmVirtioDevice writes it: the status bits and the
/// feature bits (offered, written by the driver, negotiated) by name, the configuration
/// generation, whether the device needs a reset and why, and the transport's event counts.
/// </summary>
public sealed class VmVirtioDevice
{
    internal VmVirtioDevice(string vmName, VirtioBlkPciState disk)
    {
        var info = disk.Virtio;
        var names = info.DeviceType == VirtioDeviceType.Block ? VirtioBlkFeatures.Names : null;
        VmName = vmName;
        DeviceId = disk.Id;
        PciAddress = disk.PciAddress.ToShortString();
        DeviceType = info.DeviceType;
        Status = info.Status;
        StatusNames = DescribeStatus(info.Status);
        OfferedFeatures = info.DeviceFeatures;
        DriverFeatures = info.DriverFeatures;
        NegotiatedFeatures = info.NegotiatedFeatures;
        OfferedFeatureNames = [.. VirtioFeatures.Describe(info.DeviceFeatures, names)];
        DriverFeatureNames = [.. VirtioFeatures.Describe(info.DriverFeatures, names)];
        NegotiatedFeatureNames = [.. VirtioFeatures.Describe(info.NegotiatedFeatures, names)];
        ConfigGeneration = info.ConfigGeneration;
        ConfigVector = info.ConfigMsixVector == VirtioQueueConfig.NoVector ? null : info.ConfigMsixVector;
        Isr = info.Isr;
        Broken = info.NeedsReset;
        BrokenReason = info.BrokenReason;
        Active = info.Active;
        Transitional = info.Transitional;
        LegacyMode = info.LegacyMode;
        Queues = info.Queues.Count;
        EnabledQueues = info.Queues.Count(q => q.Enabled);
        var c = info.Counters;
        Notifications = c.Notifications;
        IgnoredNotifications = c.IgnoredNotifications;
        IgnoredRegisterWrites = c.IgnoredRegisterWrites;
        QueueInterrupts = c.QueueInterrupts;
        ConfigInterrupts = c.ConfigInterrupts;
        Resets = c.Resets;
        Activations = c.Activations;
        RefusedFeatures = c.RefusedFeatures;
    }

    public string VmName { get; }
    public string DeviceId { get; }
    public string PciAddress { get; }
    public VirtioDeviceType DeviceType { get; }

    /// <summary>The device status field (virtio 1.2 §2.1).</summary>
    public VirtioDeviceStatus Status { get; }

    /// <summary>The status bits by their spec names: ACKNOWLEDGE, DRIVER, FEATURES_OK, DRIVER_OK, DEVICE_NEEDS_RESET, FAILED.</summary>
    public string[] StatusNames { get; }

    public ulong OfferedFeatures { get; }
    public ulong DriverFeatures { get; }
    public ulong NegotiatedFeatures { get; }
    public string[] OfferedFeatureNames { get; }
    public string[] DriverFeatureNames { get; }
    public string[] NegotiatedFeatureNames { get; }
    public byte ConfigGeneration { get; }

    /// <summary>config_msix_vector; null for VIRTIO_MSI_NO_VECTOR.</summary>
    public ushort? ConfigVector { get; }

    public byte Isr { get; }

    /// <summary>DEVICE_NEEDS_RESET is set: the device stopped serving its queues until the driver resets it.</summary>
    public bool Broken { get; }

    public string? BrokenReason { get; }

    /// <summary>DRIVER_OK was reached and the device serves its queues.</summary>
    public bool Active { get; }

    /// <summary>The device also offers the legacy interface (virtio 1.2 §4.1.2.1).</summary>
    public bool Transitional { get; }

    /// <summary>The driver uses the legacy interface.</summary>
    public bool LegacyMode { get; }

    public int Queues { get; }
    public int EnabledQueues { get; }
    public long Notifications { get; }
    public long IgnoredNotifications { get; }
    public long IgnoredRegisterWrites { get; }
    public long QueueInterrupts { get; }
    public long ConfigInterrupts { get; }
    public long Resets { get; }
    public long Activations { get; }
    public long RefusedFeatures { get; }

    /// <summary>Status bits named as virtio 1.2 §2.1 names them, lowest bit first.</summary>
    public static string[] DescribeStatus(VirtioDeviceStatus status)
    {
        var names = new List<string>();
        void Add(VirtioDeviceStatus bit, string name)
        {
            if ((status & bit) != 0)
                names.Add(name);
        }
        Add(VirtioDeviceStatus.Acknowledge, "ACKNOWLEDGE");
        Add(VirtioDeviceStatus.Driver, "DRIVER");
        Add(VirtioDeviceStatus.DriverOk, "DRIVER_OK");
        Add(VirtioDeviceStatus.FeaturesOk, "FEATURES_OK");
        Add(VirtioDeviceStatus.DeviceNeedsReset, "DEVICE_NEEDS_RESET");
        Add(VirtioDeviceStatus.Failed, "FAILED");
        var unknown = status & ~(VirtioDeviceStatus.Acknowledge | VirtioDeviceStatus.Driver | VirtioDeviceStatus.DriverOk
            | VirtioDeviceStatus.FeaturesOk | VirtioDeviceStatus.DeviceNeedsReset | VirtioDeviceStatus.Failed);
        if (unknown != 0)
            names.Add($"0x{(byte)unknown:x2}");
        return [.. names];
    }

    public override string ToString() => $"{DeviceId} {string.Join("|", StatusNames)}";
}
