namespace PSVmm.Engine.Pci;

/// <summary>Type 0 configuration header offsets (PCI Local Bus 3.0 §6.1, figure 6-1).</summary>
public static class PciConfigRegisters
{
    public const int VendorId = 0x00;
    public const int DeviceId = 0x02;
    public const int Command = 0x04;
    public const int Status = 0x06;
    public const int RevisionId = 0x08;
    public const int ClassCode = 0x09;          // 3 bytes: programming interface, subclass, base class
    public const int CacheLineSize = 0x0C;
    public const int LatencyTimer = 0x0D;
    public const int HeaderType = 0x0E;
    public const int Bist = 0x0F;
    public const int Bar0 = 0x10;
    public const int BarCount = 6;
    public const int CardbusCisPointer = 0x28;
    public const int SubsystemVendorId = 0x2C;
    public const int SubsystemId = 0x2E;
    public const int ExpansionRomBar = 0x30;
    public const int CapabilitiesPointer = 0x34;
    public const int InterruptLine = 0x3C;
    public const int InterruptPin = 0x3D;
    public const int MinGrant = 0x3E;
    public const int MaxLatency = 0x3F;

    /// <summary>First byte after the standard header: capabilities live in [0x40, 0x100).</summary>
    public const int FirstCapabilityOffset = 0x40;

    /// <summary>Conventional configuration space (what conf1 reaches).</summary>
    public const int ConventionalSize = 0x100;

    /// <summary>PCI Express extended configuration space per function (what ECAM reaches).</summary>
    public const int ExtendedSize = 0x1000;

    /// <summary>Header type bit 7: the device has more than one function (§6.2.1).</summary>
    public const byte HeaderTypeMultifunction = 0x80;

    public static int BarOffset(int index) => Bar0 + 4 * index;
}

/// <summary>Command register bits (PCI Local Bus 3.0 §6.2.2). Only these four are writable here.</summary>
[Flags]
public enum PciCommand : ushort
{
    None = 0,
    IoSpace = 1 << 0,
    MemorySpace = 1 << 1,
    BusMaster = 1 << 2,
    InterruptDisable = 1 << 10,
}

/// <summary>Status register bits (PCI Local Bus 3.0 §6.2.3).</summary>
[Flags]
public enum PciStatus : ushort
{
    None = 0,
    InterruptStatus = 1 << 3,           // read-only: the function's INTx state
    CapabilitiesList = 1 << 4,          // read-only
    MasterDataParityError = 1 << 8,     // write-1-to-clear from here down
    SignaledTargetAbort = 1 << 11,
    ReceivedTargetAbort = 1 << 12,
    ReceivedMasterAbort = 1 << 13,
    SignaledSystemError = 1 << 14,
    DetectedParityError = 1 << 15,

    ErrorBits = MasterDataParityError | SignaledTargetAbort | ReceivedTargetAbort
        | ReceivedMasterAbort | SignaledSystemError | DetectedParityError,
}
