using PSVmm.Engine.Bus;
using PSVmm.Engine.Kvm;
using PSVmm.Engine.Memory;

namespace PSVmm.Engine.Machine;

/// <summary>Everything one started VM owns: KVM handles, guest RAM, buses, devices, vCPUs. Dispose releases all of it.</summary>
internal sealed class RunningMachine : IDisposable
{
    private readonly List<IDisposable> _owned = [];
    private int _disposed;

    public RunningMachine(KvmSystem kvm)
    {
        Kvm = kvm;
    }

    public KvmSystem Kvm { get; }
    public KvmVm Vm { get; set; } = null!;
    public GuestMemory Memory { get; set; } = null!;
    public KvmInterruptSink Interrupts { get; set; } = null!;
    public IoBus Pio { get; } = new("pio");
    public IoBus Mmio { get; } = new("mmio");
    public MachineDevices Devices { get; set; } = null!;
    /// <summary>PCI bus 0 and its devices; null on test machines with their own devices.</summary>
    public PciPlatform? Pci { get; set; }
    public List<KvmVcpu> Vcpus { get; } = [];
    public List<VcpuThread> Threads { get; } = [];

    /// <summary>Registers something to release, in reverse order of ownership, on Dispose.</summary>
    public T Own<T>(T resource) where T : IDisposable
    {
        _owned.Add(resource);
        return resource;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        // Reverse order of creation (see MachineBuilder).
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            try
            {
                _owned[i].Dispose();
            }
            catch (Exception)
            {
                // Releasing must go on for the rest.
            }
        }
        _owned.Clear();
        Kvm.Dispose();
    }
}
