using PSVmm.Engine.Virtio.Transport;
using PSVmm.Tests.Pci;
using Xunit;
using S = PSVmm.Engine.Virtio.VirtioDeviceStatus;

namespace PSVmm.Tests.Virtio.Transport;

/// <summary>Driver notifications (virtio 1.2 §4.1.4.4, §4.1.5.2).</summary>
public sealed class NotifyTests
{
    private readonly TransportRig _rig = new();
    private VirtioPciTestDriver D => _rig.Driver;

    [Fact]
    public void Each_queue_has_its_own_notify_address_and_notifications_reach_that_queue()
    {
        _rig.Start();
        Assert.Equal(D.NotifyAddress(0) + 4, D.NotifyAddress(1));
        D.Notify(1);
        D.Notify(0);
        D.Notify(1);
        Assert.Equal([1, 0, 1], _rig.Device.Notifies);
        Assert.Equal(3, _rig.Transport.GetInfo().Counters.Notifications);
    }

    [Fact]
    public void The_address_identifies_the_queue_whatever_the_width_of_the_write()
    {
        _rig.Start();
        _rig.Mmio.Write(D.NotifyAddress(1), 4, 1);
        _rig.Mmio.Write(D.NotifyAddress(0), 2, 0x5555);
        Assert.Equal([1, 0], _rig.Device.Notifies);
    }

    [Fact]
    public void Byte_and_misaligned_writes_are_not_notifications()
    {
        _rig.Start();
        _rig.Mmio.Write(D.NotifyAddress(0), 1, 0);
        _rig.Mmio.Write(D.NotifyAddress(0) + 2, 2, 0);
        Assert.Empty(_rig.Device.Notifies);
        Assert.Equal(2, _rig.Transport.GetInfo().Counters.IgnoredNotifications);
    }

    [Fact]
    public void Notifications_before_driver_ok_or_for_a_disabled_queue_are_ignored_and_counted()
    {
        Assert.True(D.Negotiate(TransportRig.AcceptedFeatures));
        var (desc, drv, dev) = VirtioPciTestDriver.SplitRings(TransportRig.RingBase, 8);
        D.SetupQueue(0, 8, desc, drv, dev);
        D.Notify(0);                                   // before DRIVER_OK
        D.AddStatus(S.DriverOk);
        D.Notify(1);                                   // queue 1 was never enabled
        D.Notify(0);
        Assert.Equal([0], _rig.Device.Notifies);
        var counters = _rig.Transport.GetInfo().Counters;
        Assert.Equal(1, counters.Notifications);
        Assert.Equal(2, counters.IgnoredNotifications);
    }

    [Fact]
    public void Notifications_after_needs_reset_from_a_failed_start_or_a_reset_are_ignored()
    {
        _rig.Start();
        D.Status = S.None;
        D.Notify(0);
        Assert.Empty(_rig.Device.Notifies);
    }

    [Fact]
    public void Notify_region_reads_0()
    {
        _rig.Start();
        Assert.Equal(0ul, _rig.Mmio.Read(D.NotifyAddress(1), 2));
    }

    [Fact]
    public void Delivered_notifications_are_checked_like_trapped_writes()
    {
        _rig.Start();
        D.Notify(1);
        // The iothread side of an ioeventfd delivers straight to the device, with the same checks.
        Assert.True(_rig.Transport.DeliverNotify(1));
        Assert.False(_rig.Transport.DeliverNotify(2));
        Assert.Equal([1, 1], _rig.Device.Notifies);
    }

    [Fact]
    public void Notify_addresses_follow_the_bar_for_ioeventfd_registration()
    {
        ulong bar = D.BarAddress(VirtioPciLayout.Bar);
        var expected = new[] { (0, D.NotifyAddress(0)), (1, D.NotifyAddress(1)) };
        Assert.Equal(expected, _rig.Transport.GetNotifyAddresses());
        Assert.Equal(new[] { (0, 0x1_0000_3000ul), (1, 0x1_0000_3004ul) }, _rig.Transport.GetNotifyAddresses(0x1_0000_0000));
        Assert.Equal(bar + VirtioPciLayout.NotifyOffset, expected[0].Item2);
    }
}
