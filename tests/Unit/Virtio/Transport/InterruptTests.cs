using PSVmm.Engine.Pci;
using PSVmm.Engine.Virtio;
using PSVmm.Engine.Virtio.Transport;
using Xunit;
using static PSVmm.Engine.Virtio.Transport.VirtioPciCommonConfig;
using S = PSVmm.Engine.Virtio.VirtioDeviceStatus;

namespace PSVmm.Tests.Virtio.Transport;

/// <summary>Used-buffer and configuration notifications over MSI-X and INTx (virtio 1.2 §4.1.4.5, §4.1.5.3, §4.1.5.4).</summary>
public sealed class InterruptTests
{
    private readonly TransportRig _rig = new();
    private VirtioPciTestDriver D => _rig.Driver;

    private (ulong, uint) Last => (_rig.Sink.Msis[^1].Address, _rig.Sink.Msis[^1].Data);

    [Fact]
    public void Used_buffers_go_to_each_queue_s_msix_vector()
    {
        _rig.Start();
        _rig.Sink.Clear();
        Assert.True(_rig.Device.SignalUsed(1));
        Assert.Equal(VirtioPciTestDriver.MessageFor(1), Last);
        Assert.True(_rig.Device.SignalUsed(0));
        Assert.Equal(VirtioPciTestDriver.MessageFor(0), Last);
        Assert.Equal(2, _rig.Sink.Msis.Count);
        Assert.Empty(_rig.Sink.LineChanges);
        Assert.Equal(0, D.ReadIsr());      // §4.1.4.5: the ISR is unused while MSI-X is enabled
        Assert.False(_rig.Device.SignalUsed(2));
    }

    [Fact]
    public void Queues_may_share_a_vector_and_no_vector_means_no_interrupt()
    {
        _rig.Start();
        D.Common(QueueSelect, 2, 1);
        D.Common(QueueMsixVector, 2, 0);
        D.Common(QueueSelect, 2, 0);
        D.Common(QueueMsixVector, 2, VirtioQueueConfig.NoVector);
        _rig.Sink.Clear();
        _rig.Device.SignalUsed(1);
        _rig.Device.SignalUsed(0);
        var only = Assert.Single(_rig.Sink.Msis);
        Assert.Equal(VirtioPciTestDriver.MessageFor(0), (only.Address, only.Data));
        Assert.Empty(_rig.Sink.LineChanges);
    }

    [Fact]
    public void Masked_vector_sets_its_pending_bit_and_fires_on_unmask()
    {
        _rig.Start();
        D.MaskVector(1, true);
        _rig.Sink.Clear();
        _rig.Device.SignalUsed(1);
        Assert.Empty(_rig.Sink.Msis);
        Assert.True(D.PbaPending(1));
        Assert.False(D.PbaPending(0));
        D.MaskVector(1, false);
        Assert.Equal(VirtioPciTestDriver.MessageFor(1), Last);
        Assert.False(D.PbaPending(1));
    }

    [Fact]
    public void Function_mask_holds_every_vector_until_cleared()
    {
        _rig.Start();
        D.SetMsixControl(enable: true, functionMask: true);
        _rig.Sink.Clear();
        _rig.Device.SignalUsed(0);
        _rig.Device.Resize(7);
        Assert.Empty(_rig.Sink.Msis);
        Assert.True(D.PbaPending(0));
        Assert.True(D.PbaPending(2));
        D.SetMsixControl(enable: true);
        Assert.Equal(2, _rig.Sink.Msis.Count);
    }

    [Fact]
    public void Without_msix_a_used_buffer_sets_isr_bit_0_and_asserts_intx_until_isr_is_read()
    {
        _rig.Start(msix: false);
        uint gsi = _rig.IntxGsi;
        Assert.Equal(PciIntxRouting.GsiFor(TransportRig.Slot, 1), gsi);
        Assert.False(_rig.Sink.IsAsserted(gsi));

        _rig.Device.SignalUsed(0);
        _rig.Device.SignalUsed(1);
        Assert.True(_rig.Sink.IsAsserted(gsi));
        Assert.Equal(1, _rig.Sink.AssertionCount(gsi));
        Assert.Empty(_rig.Sink.Msis);
        Assert.NotEqual(0u, D.ConfRead(PciConfigRegisters.Status, 2) & (uint)PciStatus.InterruptStatus);

        Assert.Equal(VirtioPciTransport.IsrQueue, D.ReadIsr());      // read-to-clear ...
        Assert.False(_rig.Sink.IsAsserted(gsi));                      // ... deasserts the line
        Assert.Equal(0u, D.ConfRead(PciConfigRegisters.Status, 2) & (uint)PciStatus.InterruptStatus);
        Assert.Equal(0, D.ReadIsr());
    }

    [Fact]
    public void Without_msix_a_config_change_sets_isr_bit_1()
    {
        _rig.Start(msix: false);
        _rig.Device.Resize(99);
        _rig.Device.SignalUsed(0);
        Assert.True(_rig.Sink.IsAsserted(_rig.IntxGsi));
        Assert.Equal(VirtioPciTransport.IsrQueue | VirtioPciTransport.IsrConfig, D.ReadIsr());
        Assert.False(_rig.Sink.IsAsserted(_rig.IntxGsi));
    }

    [Fact]
    public void Intx_respects_the_command_register_interrupt_disable_bit()
    {
        _rig.Start(msix: false);
        uint command = D.ConfRead(PciConfigRegisters.Command, 2);
        D.ConfWrite(PciConfigRegisters.Command, 2, command | (uint)PciCommand.InterruptDisable);
        _rig.Device.SignalUsed(0);
        Assert.False(_rig.Sink.IsAsserted(_rig.IntxGsi));
        D.ConfWrite(PciConfigRegisters.Command, 2, command);
        Assert.True(_rig.Sink.IsAsserted(_rig.IntxGsi));
        Assert.Equal(VirtioPciTransport.IsrQueue, D.ReadIsr());
    }

    [Fact]
    public void Config_change_bumps_the_generation_and_signals_the_config_vector()
    {
        _rig.Start();
        byte generation = (byte)D.Common(ConfigGeneration, 1);
        _rig.Sink.Clear();
        _rig.Device.Resize(0x2000);
        Assert.Equal((byte)(generation + 1), (byte)D.Common(ConfigGeneration, 1));
        Assert.Equal(VirtioPciTestDriver.MessageFor(2), Last);
        Assert.Equal(0x2000ul, D.DeviceConfig(0, 8));
        Assert.Equal(1, _rig.Transport.GetInfo().Counters.ConfigInterrupts);
    }

    [Fact]
    public void Config_change_before_driver_ok_counts_but_does_not_interrupt()
    {
        D.SetupMsix();
        D.Common(ConfigMsixVector, 2, 2);
        D.Status = S.Acknowledge;
        _rig.Sink.Clear();
        _rig.Device.Resize(5);
        Assert.Equal(1ul, D.Common(ConfigGeneration, 1));
        Assert.Empty(_rig.Sink.Msis);
        Assert.Empty(_rig.Sink.LineChanges);
    }

    [Fact]
    public void Device_error_sets_needs_reset_and_sends_a_config_interrupt()
    {
        _rig.Start();
        _rig.Sink.Clear();
        _rig.Device.Fail("descriptor chain loops");
        Assert.Equal(S.DeviceNeedsReset | S.DriverOk, D.Status & (S.DriverOk | S.DeviceNeedsReset));
        Assert.Equal(VirtioPciTestDriver.MessageFor(2), Last);
        var info = _rig.Transport.GetInfo();
        Assert.True(info.NeedsReset);
        Assert.Equal("descriptor chain loops", info.BrokenReason);
        // A second error keeps the first reason and does not interrupt again.
        _rig.Device.Fail("other");
        Assert.Single(_rig.Sink.Msis);
        Assert.Equal("descriptor chain loops", _rig.Transport.GetInfo().BrokenReason);
    }

    [Fact]
    public void Reset_clears_a_pending_isr_and_deasserts_intx()
    {
        _rig.Start(msix: false);
        _rig.Device.SignalUsed(0);
        Assert.True(_rig.Sink.IsAsserted(_rig.IntxGsi));
        D.Status = S.None;
        Assert.False(_rig.Sink.IsAsserted(_rig.IntxGsi));
        Assert.Equal(0, D.ReadIsr());
        Assert.Equal(0, _rig.Transport.GetInfo().Isr);
    }
}
