using PSVmm.Engine.Kvm.Native;

namespace PSVmm.Engine.Kvm;

/// <summary>
/// The whole KVM GSI routing table. KVM_SET_GSI_ROUTING replaces every route, so the table
/// always starts with the routes KVM installs with KVM_CREATE_IRQCHIP (virt/kvm/irqchip.c
/// default routing): GSIs 0-15 to the 8259 pair, GSIs 0-23 to the IOAPIC pin of the same number.
/// MSI routes are added on top.
/// </summary>
internal sealed class GsiRoutingTable
{
    public const uint IrqchipPicMaster = 0;
    public const uint IrqchipPicSlave = 1;
    public const uint IrqchipIoApic = 2;

    private readonly SortedDictionary<uint, MsiRoute> _msi = new();

    public GsiRoutingTable(uint ioApicPins = 24)
    {
        if (ioApicPins > 256)
            throw new ArgumentOutOfRangeException(nameof(ioApicPins));
        IoApicPins = ioApicPins;
    }

    public uint IoApicPins { get; }

    public IReadOnlyDictionary<uint, MsiRoute> MsiRoutes => _msi;

    /// <summary>Routes <paramref name="gsi"/> to an MSI message; the GSI may not be an irqchip pin.</summary>
    public void SetMsi(uint gsi, ulong address, uint data)
    {
        if (gsi < IoApicPins)
            throw new ArgumentOutOfRangeException(nameof(gsi), $"GSI {gsi} is an IOAPIC pin.");
        _msi[gsi] = new MsiRoute(address, data);
    }

    public bool RemoveMsi(uint gsi) => _msi.Remove(gsi);

    public KvmIrqRoutingEntry[] ToNative()
    {
        var list = new List<KvmIrqRoutingEntry>();
        for (uint gsi = 0; gsi < 16; gsi++)
            list.Add(Irqchip(gsi, gsi < 8 ? IrqchipPicMaster : IrqchipPicSlave, gsi % 8));
        for (uint gsi = 0; gsi < IoApicPins; gsi++)
            list.Add(Irqchip(gsi, IrqchipIoApic, gsi));
        foreach (var (gsi, route) in _msi)
        {
            list.Add(new KvmIrqRoutingEntry
            {
                Gsi = gsi,
                Type = KvmIrqRoutingEntry.TypeMsi,
                U0 = (uint)route.Address,
                U1 = (uint)(route.Address >> 32),
                U2 = route.Data,
            });
        }
        return list.ToArray();
    }

    private static KvmIrqRoutingEntry Irqchip(uint gsi, uint chip, uint pin) =>
        new() { Gsi = gsi, Type = KvmIrqRoutingEntry.TypeIrqchip, U0 = chip, U1 = pin };
}

internal readonly record struct MsiRoute(ulong Address, uint Data);
