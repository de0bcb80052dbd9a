using PSVmm.Engine.Machine;

namespace PSVmm.Session;

/// <summary>
/// A VM of this session: its Id and name, and the machine that runs it now. A machine runs once,
/// so Start-Vm of a stopped VM puts a fresh machine (from the same configuration) in its place;
/// the Id stays the VM's for as long as it is registered.
/// </summary>
internal sealed class RegisteredVm
{
    private VirtualMachine _machine;

    public RegisteredVm(VirtualMachine machine)
    {
        _machine = machine;
        Id = machine.Id;
        Name = machine.Name;
    }

    public Guid Id { get; }

    public string Name { get; }

    public VirtualMachine Machine => Volatile.Read(ref _machine);

    /// <summary>Only <see cref="VmRegistry"/> calls this, under its lock.</summary>
    internal void SetMachine(VirtualMachine machine) => Volatile.Write(ref _machine, machine);
}
