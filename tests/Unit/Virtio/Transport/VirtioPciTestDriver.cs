using PSVmm.Engine.Bus;
using PSVmm.Engine.Pci;
using PSVmm.Engine.Pci.Msix;
using PSVmm.Engine.Platform;
using PSVmm.Engine.Virtio;
using PSVmm.Engine.Virtio.Transport;
using PSVmm.Tests.Pci;
using static PSVmm.Engine.Pci.PciConfigRegisters;
using static PSVmm.Engine.Virtio.Transport.VirtioPciCommonConfig;

namespace PSVmm.Tests.Virtio.Transport;

/// <summary>One virtio capability as a driver decodes it (virtio 1.2 §4.1.4).</summary>
internal sealed record VirtioCap(int ConfigOffset, VirtioPciCapType Type, int Bar, uint Offset, uint Length, uint NotifyOffMultiplier);

/// <summary>
/// A guest-side virtio-pci driver that uses only what a guest can: port I/O to conf1 (or MMIO to
/// ECAM) and MMIO to the BARs. It finds the function, walks the capability list, decodes the
/// virtio structures and the MSI-X table location, and offers the driver steps of virtio 1.2 §3.1.1.
/// </summary>
internal sealed class VirtioPciTestDriver
{
    private readonly IoBus _pio;
    private readonly IoBus _mmio;

    private VirtioPciTestDriver(IoBus pio, IoBus mmio, int slot)
    {
        _pio = pio;
        _mmio = mmio;
        Slot = slot;
        foreach (var (id, offset) in PciCapabilityTests.Walk(o => (byte)ConfRead(o, 1)))
        {
            if (id == PciCapabilityId.MsiX)
                MsixCapOffset = offset;
            if (id != PciCapabilityId.VendorSpecific)
                continue;
            var cap = new VirtioCap(offset, (VirtioPciCapType)ConfRead(offset + 3, 1), (int)ConfRead(offset + 4, 1),
                ConfRead(offset + 8), ConfRead(offset + 12), ConfRead(offset + 2, 1) >= 20 ? ConfRead(offset + 16) : 0);
            Caps.TryAdd(cap.Type, cap);
        }
    }

    /// <summary>Enumerates bus 0 through conf1 and binds to the first function with vendor 0x1AF4 and <paramref name="deviceId"/>.</summary>
    public static VirtioPciTestDriver Find(IoBus pio, IoBus mmio, ushort deviceId)
    {
        for (int slot = 0; slot < 32; slot++)
        {
            pio.Write(0xCF8, 4, 0x8000_0000u | (uint)slot << 11);
            uint id = (uint)pio.Read(0xCFC, 4);
            if (id == (VirtioPciTransport.VendorId | (uint)deviceId << 16))
                return new VirtioPciTestDriver(pio, mmio, slot);
        }
        throw new InvalidOperationException($"No 1af4:{deviceId:x4} on bus 0.");
    }

    public int Slot { get; }

    public Dictionary<VirtioPciCapType, VirtioCap> Caps { get; } = [];

    public int MsixCapOffset { get; }

    // ---- configuration space ------------------------------------------------------------

    public uint ConfRead(int register, int size = 4)
    {
        _pio.Write(0xCF8, 4, 0x8000_0000u | (uint)Slot << 11 | (uint)(register & 0xFC));
        return (uint)_pio.Read(0xCFCul + (ulong)(register & 3), size);
    }

    public void ConfWrite(int register, int size, uint value)
    {
        _pio.Write(0xCF8, 4, 0x8000_0000u | (uint)Slot << 11 | (uint)(register & 0xFC));
        _pio.Write(0xCFCul + (ulong)(register & 3), size, value);
    }

    public uint EcamRead(int register, int size = 4) =>
        (uint)_mmio.Read(MemoryLayout.EcamAddress + ((ulong)Slot << 15) + (ulong)register, size);

    public ulong BarAddress(int bar)
    {
        ulong low = ConfRead(BarOffset(bar));
        ulong address = low & ~0xFUL;
        if ((low & 0x6) == 0x4)
            address |= (ulong)ConfRead(BarOffset(bar + 1)) << 32;
        return address;
    }

    public ulong StructureAddress(VirtioPciCapType type) => BarAddress(Caps[type].Bar) + Caps[type].Offset;

    // ---- common configuration -----------------------------------------------------------

    public ulong Common(int field, int size) => _mmio.Read(StructureAddress(VirtioPciCapType.CommonConfig) + (ulong)field, size);

    public void Common(int field, int size, ulong value) => _mmio.Write(StructureAddress(VirtioPciCapType.CommonConfig) + (ulong)field, size, value);

    public VirtioDeviceStatus Status
    {
        get => (VirtioDeviceStatus)Common(DeviceStatus, 1);
        set => Common(DeviceStatus, 1, (byte)value);
    }

    public void AddStatus(VirtioDeviceStatus bits) => Status = Status | bits;

    public ulong ReadDeviceFeatures()
    {
        Common(DeviceFeatureSelect, 4, 0);
        ulong low = Common(DeviceFeature, 4);
        Common(DeviceFeatureSelect, 4, 1);
        return low | Common(DeviceFeature, 4) << 32;
    }

    public void WriteDriverFeatures(ulong features)
    {
        Common(DriverFeatureSelect, 4, 0);
        Common(DriverFeature, 4, (uint)features);
        Common(DriverFeatureSelect, 4, 1);
        Common(DriverFeature, 4, (uint)(features >> 32));
    }

    /// <summary>§3.1.1 steps 1-6: reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK; true when FEATURES_OK stuck.</summary>
    public bool Negotiate(ulong features)
    {
        Status = VirtioDeviceStatus.None;
        AddStatus(VirtioDeviceStatus.Acknowledge);
        AddStatus(VirtioDeviceStatus.Driver);
        WriteDriverFeatures(features);
        AddStatus(VirtioDeviceStatus.FeaturesOk);
        return (Status & VirtioDeviceStatus.FeaturesOk) != 0;
    }

    /// <summary>§4.1.5.1.3: select, size, vector, ring addresses (as two 32-bit halves, like Linux), enable.</summary>
    public void SetupQueue(int queue, ushort size, ulong desc, ulong driver, ulong device, ushort vector = VirtioQueueConfig.NoVector, bool enable = true)
    {
        Common(QueueSelect, 2, (ushort)queue);
        Common(QueueSize, 2, size);
        Common(QueueMsixVector, 2, vector);
        Write64(QueueDesc, desc);
        Write64(QueueDriver, driver);
        Write64(QueueDevice, device);
        if (enable)
            Common(QueueEnable, 2, 1);
    }

    /// <summary>Rings for a split queue of <paramref name="size"/> entries, placed from <paramref name="baseAddress"/> (descriptors, then available ring, then the used ring 4 KiB aligned).</summary>
    public static (ulong Desc, ulong Driver, ulong Device) SplitRings(ulong baseAddress, ushort size)
    {
        ulong desc = baseAddress;
        ulong avail = desc + 16UL * size;
        ulong used = (avail + 6 + 2UL * size + 0xFFF) & ~0xFFFUL;
        return (desc, avail, used);
    }

    public void Write64(int field, ulong value)
    {
        Common(field, 4, (uint)value);
        Common(field + 4, 4, (uint)(value >> 32));
    }

    public ulong Read64(int field) => Common(field, 4) | Common(field + 4, 4) << 32;

    // ---- ISR, device configuration, notify ----------------------------------------------

    public byte ReadIsr() => (byte)_mmio.Read(StructureAddress(VirtioPciCapType.IsrConfig), 1);

    public ulong DeviceConfig(int offset, int size) => _mmio.Read(StructureAddress(VirtioPciCapType.DeviceConfig) + (ulong)offset, size);

    public void DeviceConfig(int offset, int size, ulong value) => _mmio.Write(StructureAddress(VirtioPciCapType.DeviceConfig) + (ulong)offset, size, value);

    public ulong NotifyAddress(int queue)
    {
        Common(QueueSelect, 2, (ushort)queue);
        ulong notifyOff = Common(QueueNotifyOff, 2);
        return StructureAddress(VirtioPciCapType.NotifyConfig) + notifyOff * Caps[VirtioPciCapType.NotifyConfig].NotifyOffMultiplier;
    }

    /// <summary>§4.1.5.2: a 16-bit write of the queue index to the queue's notify address.</summary>
    public void Notify(int queue) => _mmio.Write(NotifyAddress(queue), 2, (ushort)queue);

    // ---- MSI-X (PCI Local Bus 3.0 §6.8.2) -------------------------------------------------

    public ulong MsixTable => BarAddress((int)(ConfRead(MsixCapOffset + 4) & 7)) + (ConfRead(MsixCapOffset + 4) & ~7u);

    public ulong MsixPba => BarAddress((int)(ConfRead(MsixCapOffset + 8) & 7)) + (ConfRead(MsixCapOffset + 8) & ~7u);

    public int MsixVectors => (int)(ConfRead(MsixCapOffset + 2, 2) & 0x7FF) + 1;

    public void SetMsixControl(bool enable, bool functionMask = false) =>
        ConfWrite(MsixCapOffset + 2, 2, (enable ? MsixCapability.EnableBit : 0u) | (functionMask ? MsixCapability.FunctionMaskBit : 0u));

    public void ProgramVector(int vector, ulong address, uint data, bool masked = false)
    {
        ulong entry = MsixTable + (ulong)vector * 16;
        _mmio.Write(entry, 4, (uint)address);
        _mmio.Write(entry + 4, 4, (uint)(address >> 32));
        _mmio.Write(entry + 8, 4, data);
        _mmio.Write(entry + 12, 4, masked ? 1u : 0u);
    }

    public void MaskVector(int vector, bool masked) => _mmio.Write(MsixTable + (ulong)vector * 16 + 12, 4, masked ? 1u : 0u);

    public bool PbaPending(int vector) => (_mmio.Read(MsixPba + (ulong)(vector / 64 * 8), 8) >> (vector % 64) & 1) != 0;

    /// <summary>The x86 message for vector <paramref name="vector"/>: LAPIC address of CPU 0, interrupt vector 0x40 + <paramref name="vector"/>.</summary>
    public static (ulong Address, uint Data) MessageFor(int vector) => (MemoryLayout.LapicAddress, 0x40u + (uint)vector);

    /// <summary>Enables MSI-X and programs every vector with <see cref="MessageFor"/>, unmasked.</summary>
    public void SetupMsix()
    {
        SetMsixControl(enable: true, functionMask: true);
        for (int v = 0; v < MsixVectors; v++)
        {
            var (address, data) = MessageFor(v);
            ProgramVector(v, address, data);
        }
        SetMsixControl(enable: true);
    }
}
