namespace PSVmm.Engine.Virtio.Transport;

// Notifications (virtio 1.2 §4.1.4.4, §4.1.5.2). queue_notify_off = queue index and
// notify_off_multiplier = 4, so queue q is notified by a write at notify + 4q. The address
// identifies the queue (the value, the queue index without NOTIFICATION_DATA, is not needed),
// which is what a KVM ioeventfd without data match sees as well.
public sealed partial class VirtioPciTransport
{
    private long _notifications;
    private long _ignoredNotifications;

    /// <summary>The guest-physical notify address of every queue when the BAR is at <paramref name="barAddress"/> (for ioeventfds).</summary>
    public IReadOnlyList<(int Queue, ulong Address)> GetNotifyAddresses(ulong barAddress) =>
        Enumerable.Range(0, _rings.Length)
            .Select(q => (q, barAddress + VirtioPciLayout.NotifyOffset + (ulong)q * VirtioPciLayout.NotifyOffMultiplier))
            .ToArray();

    /// <summary>The notify addresses for the BAR address currently programmed.</summary>
    public IReadOnlyList<(int Queue, ulong Address)> GetNotifyAddresses() =>
        GetNotifyAddresses(Config.GetBarAddress(VirtioPciLayout.Bar));

    /// <summary>
    /// A notification of <paramref name="queue"/>: checks and counts it and calls
    /// <see cref="VirtioDevice.QueueNotify"/> on the calling thread. Trapped writes (notify region,
    /// legacy register) arrive here on the vCPU thread; a notification that bypassed the BAR (a KVM
    /// ioeventfd on one of <see cref="GetNotifyAddresses(ulong)"/> fired) on the iothread.
    /// Returns false when it was ignored.
    /// </summary>
    public bool DeliverNotify(int queue)
    {
        if (!AcceptNotify(queue))
            return false;
        Device.QueueNotify(queue);
        return true;
    }

    private void WriteNotify(ulong offset, ReadOnlySpan<byte> data)
    {
        // §4.1.5.2: the driver writes the 16-bit queue index; narrower writes are not notifications.
        if (data.Length < 2 || offset % VirtioPciLayout.NotifyOffMultiplier != 0)
        {
            lock (_lock) _ignoredNotifications++;
            return;
        }
        DeliverNotify((int)Math.Min(offset / VirtioPciLayout.NotifyOffMultiplier, int.MaxValue));
    }

    /// <summary>Counts the notification; true when the device is live and the queue enabled.</summary>
    private bool AcceptNotify(int queue)
    {
        lock (_lock)
        {
            bool live = _activation is not null && _common.DriverOk
                && (uint)queue < (uint)_rings.Length && _common.Queue(queue).Enabled;
            if (live)
            {
                _notifications++;
                _rings[queue].RecordDriverNotification();
            }
            else
            {
                _ignoredNotifications++;
            }

            return live;
        }
    }
}
