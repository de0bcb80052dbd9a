using PSVmm.Engine.Bus;
using PSVmm.Engine.Pci;
using PSVmm.Engine.Virtio;
using PSVmm.Engine.Virtio.Transport;
using PSVmm.Tests.TestDoubles;

namespace PSVmm.Tests.Virtio.Transport;

/// <summary>A machine without CPUs: buses, a PCI root, test RAM, one recording interrupt sink, a transport at slot 4 and a driver bound to it.</summary>
internal sealed class TransportRig
{
    public const int Slot = 4;
    public const ulong RingBase = 0x1_0000;

    public TransportRig(FakeVirtioDevice? device = null, ulong transportFeatures = VirtioPciTransport.DefaultTransportFeatures, PciWindows? windows = null, bool transitional = false)
    {
        Memory = new TransportTestMemory();
        Root = new PciRoot(Mmio, Pio, windows ?? PciWindows.Default(), (start, length) => start < (ulong)Memory.Regions[0].End);
        Device = device ?? new FakeVirtioDevice();
        Transport = new VirtioPciTransport("virtio-test0", Device, Memory, Sink, transportFeatures, transitional);
        Transport.AttachTo(Root, Sink, Slot);
        Root.AssignBars();
        Driver = VirtioPciTestDriver.Find(Pio, Mmio, (ushort)(transitional ? 0x1000 + (int)Device.DeviceType - 1 : 0x1040 + (int)Device.DeviceType));
    }

    public IoBus Mmio { get; } = new("mmio");
    public IoBus Pio { get; } = new("pio");
    public RecordingInterruptSink Sink { get; } = new();
    public TransportTestMemory Memory { get; }
    public PciRoot Root { get; }
    public FakeVirtioDevice Device { get; }
    public VirtioPciTransport Transport { get; }
    public VirtioPciTestDriver Driver { get; }

    public uint IntxGsi => Transport.Intx!.Gsi;

    public const ulong AcceptedFeatures = VirtioFeatures.Version1 | FakeVirtioDevice.Features;

    /// <summary>Negotiates <paramref name="features"/>, sets both queues up with valid split rings (vectors 0 and 1) and sets DRIVER_OK.</summary>
    public void Start(ulong features = AcceptedFeatures, ushort size = 16, bool msix = true)
    {
        if (msix)
            Driver.SetupMsix();
        if (!Driver.Negotiate(features))
            throw new InvalidOperationException("FEATURES_OK refused");
        for (int q = 0; q < Device.QueueCount; q++)
        {
            var (desc, drv, dev) = VirtioPciTestDriver.SplitRings(RingBase + (ulong)q * 0x1_0000, size);
            Driver.SetupQueue(q, size, desc, drv, dev, vector: (ushort)q);
        }
        Driver.Common(VirtioPciCommonConfig.ConfigMsixVector, 2, (ushort)Device.QueueCount);
        Driver.AddStatus(VirtioDeviceStatus.DriverOk);
    }
}
