namespace PSVmm.Engine.Pci.Msix;

/// <summary>MSI data register delivery mode, bits 10:8 (Intel SDM Vol. 3, "Message Data Register Format" in the APIC chapter's MSI section).</summary>
public enum MsiDeliveryMode
{
    Fixed = 0,
    LowestPriority = 1,
    Smi = 2,
    Reserved3 = 3,
    Nmi = 4,
    Init = 5,
    Reserved6 = 6,
    ExtInt = 7,
}

/// <summary>
/// One MSI-X table entry as the guest programmed it, with the x86 fields decoded: destination
/// APIC ID from address bits 19:12 and vector from data bits 7:0 (Intel SDM Vol. 3, "Message Address Register Format" and "Message Data Register Format").
/// </summary>
public sealed record MsixEntryInfo(
    int Vector,
    ulong Address,
    uint Data,
    bool Masked,
    bool Pending,
    byte DestinationApicId,
    byte InterruptVector,
    MsiDeliveryMode DeliveryMode)
{
    public static MsixEntryInfo Decode(int vector, ulong address, uint data, bool masked, bool pending) =>
        new(vector, address, data, masked, pending,
            DestinationApicId: (byte)(address >> 12),
            InterruptVector: (byte)data,
            DeliveryMode: (MsiDeliveryMode)((data >> 8) & 0x7));
}

/// <summary>A copy of a function's MSI-X state taken under its lock.</summary>
public sealed record MsixState(bool Enabled, bool FunctionMasked, IReadOnlyList<MsixEntryInfo> Entries);

public enum MsixChangeKind
{
    /// <summary>A table entry's address or data changed.</summary>
    Entry,
    /// <summary>A table entry's mask bit changed.</summary>
    VectorMask,
    /// <summary>The capability's enable or function mask changed (<see cref="MsixChange.Vector"/> is -1).</summary>
    Control,
}

/// <summary>What the guest changed; the machine turns it into route changes (KVM GSI routes and irqfds) through IMsiRouteCache.</summary>
public sealed record MsixChange(int Vector, MsixChangeKind Kind);
