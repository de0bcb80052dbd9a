using PSVmm.Engine.Kvm;
using PSVmm.Engine.Platform;
using PSVmm.Tests.Machine;
using Xunit;

namespace PSVmm.Tests.Kvm;

/// <summary>MSI routes that MSI-X tables retain and release (KVM_SET_GSI_ROUTING + KVM_IRQFD on a real VM).</summary>
public sealed class KvmMsiRouteTests
{
    [KvmFact]
    public void RetainedRoutesAreMadeAtOnceSharedAndRemovedWithTheLastHolder()
    {
        using var kvm = KvmSystem.Open(KvmSystem.DevicePath);
        using var vm = kvm.CreateVm();
        vm.CreateIrqchip();
        using var sink = new KvmInterruptSink(vm);

        sink.Retain(0xFEE00000, 0x41);
        sink.Retain(0xFEE00000, 0x41);
        sink.Retain(0xFEE00000, 0x42);
        Assert.Equal(2, sink.MsiRouteCount);
        Assert.Equal(2, sink.RoutingTable.MsiRoutes.Count);

        sink.Release(0xFEE00000, 0x41);
        Assert.Equal(2, sink.MsiRouteCount);            // still held once
        sink.Release(0xFEE00000, 0x41);
        Assert.Equal(1, sink.MsiRouteCount);
        var left = Assert.Single(sink.RoutingTable.MsiRoutes);
        Assert.Equal(0x42u, left.Value.Data);
        // The IOAPIC and PIC routes are still in the table KVM was given (it replaces the whole table).
        Assert.Equal(16 + 24 + 1, sink.RoutingTable.ToNative().Length);

        // A new message reuses the released GSI instead of growing the table.
        uint freedGsi = MemoryLayout.FirstMsiGsi;
        sink.Retain(0xFEE01000, 0x43);
        Assert.Contains(sink.RoutingTable.MsiRoutes, r => r.Key == freedGsi && r.Value.Data == 0x43);
        sink.SignalMsi(0xFEE01000, 0x43);                // goes through the irqfd
        Assert.Equal(0, sink.FallbackMsiCount);
    }
}
