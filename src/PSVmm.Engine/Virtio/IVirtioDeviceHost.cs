namespace PSVmm.Engine.Virtio;

/// <summary>
/// What a transport offers the device it carries. A <see cref="VirtioDevice"/> reaches it
/// through its protected Report* methods; every member is safe to call from any thread
/// (iothread, backend completion thread) and never throws.
/// </summary>
public interface IVirtioDeviceHost
{
    /// <summary>The device changed its configuration space: config_generation++ and a configuration change notification (§2.5.1, §4.1.4.3.1).</summary>
    void ConfigurationChanged();

    /// <summary>The device hit an error it cannot recover from without a reset (e.g. malformed guest data): DEVICE_NEEDS_RESET is set and, once DRIVER_OK, a configuration change notification is sent (§2.1.2).</summary>
    void DeviceNeedsReset(string reason);
}
