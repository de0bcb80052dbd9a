using PSVmm.Engine.Virtio.Queues;

namespace PSVmm.Engine.Virtio.Transport;

/// <summary>
/// A copy of a virtio-pci function's transport state, taken under its lock, for cmdlets.
/// <paramref name="BrokenReason"/> is set while DEVICE_NEEDS_RESET is (why the device needs a reset).
/// <paramref name="Queues"/> are the registers; <paramref name="QueueStates"/> the rings' run-time state.
/// </summary>
public sealed record VirtioDeviceInfo(
    string Name,
    VirtioDeviceType DeviceType,
    VirtioDeviceStatus Status,
    ulong DeviceFeatures,
    ulong DriverFeatures,
    ulong NegotiatedFeatures,
    byte ConfigGeneration,
    ushort ConfigMsixVector,
    byte Isr,
    string? BrokenReason,
    bool Active,
    bool Transitional,
    bool LegacyMode,
    IReadOnlyList<VirtioQueueConfig> Queues,
    IReadOnlyList<VirtqueueState> QueueStates,
    VirtioTransportCounters Counters)
{
    public bool NeedsReset => (Status & VirtioDeviceStatus.DeviceNeedsReset) != 0;
}

/// <summary>Event counts since the transport was created (not cleared by a device reset).</summary>
public sealed record VirtioTransportCounters(
    long Notifications,
    long IgnoredNotifications,
    long IgnoredRegisterWrites,
    long QueueInterrupts,
    long ConfigInterrupts,
    long Resets,
    long Activations,
    long RefusedFeatures);
