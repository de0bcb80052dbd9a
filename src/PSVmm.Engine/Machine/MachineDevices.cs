using PSVmm.Engine.Bus;
using PSVmm.Engine.Interrupts;
using PSVmm.Engine.Kvm;
using PSVmm.Engine.Memory;

namespace PSVmm.Engine.Machine;

internal delegate void ConsoleInputSink(ReadOnlySpan<byte> data);

/// <summary>What device registration gets from the machine, and the hooks it hands back.</summary>
internal sealed class MachineDevices
{
    private readonly Func<IDisposable, IDisposable> _own;

    public MachineDevices(KvmVm vm, IoBus pio, IoBus mmio, IGuestMemory memory, IInterruptSink interrupts, ConsoleLog console, VmEventLog events,
        Action<int> exitRequested, Action powerOffRequested, Func<IDisposable, IDisposable> own)
    {
        _own = own;
        Vm = vm;
        Pio = pio;
        Mmio = mmio;
        Memory = memory;
        Interrupts = interrupts;
        Console = console;
        Events = events;
        ExitRequested = exitRequested;
        PowerOffRequested = powerOffRequested;
    }

    /// <summary>The KVM VM, for devices that bind ioeventfds (KVM_IOEVENTFD) or irqfds themselves.</summary>
    public KvmVm Vm { get; }
    public IoBus Pio { get; }
    public IoBus Mmio { get; }
    public IGuestMemory Memory { get; }
    public IInterruptSink Interrupts { get; }
    public ConsoleLog Console { get; }
    /// <summary>Where devices report what they noticed (not the guest's console).</summary>
    public VmEventLog Events { get; }

    /// <summary>Stops the VM as Stopped with the given exit code (the debug-exit port).</summary>
    public Action<int> ExitRequested { get; }

    /// <summary>
    /// Stops the VM as Stopped without an exit code: the guest powered the machine off or reset it
    /// (a VM does not reboot: Start-Vm starts it again).
    /// </summary>
    public Action PowerOffRequested { get; }

    /// <summary>
    /// Releases <paramref name="resource"/> when the run ends: after the vCPU threads have stopped
    /// and their vCPUs are closed, before the interrupt sink, the VM and guest RAM (IoThreads,
    /// ioeventfds, block backends belong here).
    /// </summary>
    public T ReleaseAtTeardown<T>(T resource) where T : IDisposable
    {
        _own(resource);
        return resource;
    }

    /// <summary>Set by registration: raises the guest-visible shutdown request.</summary>
    public Action? ShutdownRequest { get; set; }

    /// <summary>Set by registration: feeds the console UART's receiver.</summary>
    public ConsoleInputSink? ConsoleInput { get; set; }
}
