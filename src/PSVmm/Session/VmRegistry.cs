using PSVmm.Engine.Machine;

namespace PSVmm.Session;

/// <summary>
/// The VMs of this PowerShell process, by name (case-insensitive). The cmdlets are the only writers.
/// A name belongs to at most one VM; a VM that is Stopped or Failed gives its name up to a new one.
/// </summary>
/// <remarks>
/// Process-wide on purpose: the module assembly cannot be unloaded, so a re-import (or another
/// runspace) must see the VMs that are still running rather than lose track of them.
/// </remarks>
internal static class VmRegistry
{
    private static readonly object Gate = new();
    private static readonly Dictionary<string, RegisteredVm> ByName = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>True while the VM holds resources or may still start: every state but Stopped and Failed.</summary>
    public static bool IsLive(VirtualMachine vm) => vm.State is not (VmState.Stopped or VmState.Failed);

    public static IReadOnlyList<RegisteredVm> All()
    {
        lock (Gate)
            return ByName.Values.OrderBy(vm => vm.Name, StringComparer.OrdinalIgnoreCase).ToList();
    }

    public static RegisteredVm? Find(string name)
    {
        lock (Gate)
            return ByName.GetValueOrDefault(name);
    }

    /// <summary>Whether <paramref name="vm"/> is still the registered VM of its name (Remove-Vm takes it out).</summary>
    public static bool Contains(RegisteredVm vm)
    {
        lock (Gate)
            return ByName.TryGetValue(vm.Name, out var entry) && ReferenceEquals(entry, vm);
    }

    /// <summary>The registered VM whose current machine is <paramref name="machine"/>, or null.</summary>
    public static RegisteredVm? Of(VirtualMachine machine)
    {
        lock (Gate)
            return ByName.TryGetValue(machine.Name, out var entry) && ReferenceEquals(entry.Machine, machine) ? entry : null;
    }

    /// <summary>
    /// Registers <paramref name="machine"/> as a new VM (a new Id). Fails with VmNameInUse when a live VM has
    /// the name; a dead VM of that name is replaced and returned in <paramref name="previous"/> (the caller
    /// disposes its machine, or puts it back with <see cref="Revert"/>).
    /// </summary>
    public static RegisteredVm Register(VirtualMachine machine, out RegisteredVm? previous)
    {
        lock (Gate)
        {
            if (ByName.TryGetValue(machine.Name, out previous) && IsLive(previous.Machine))
                throw NameInUse(previous.Machine);
            var vm = new RegisteredVm(machine);
            ByName[machine.Name] = vm;
            return vm;
        }
    }

    /// <summary>Undoes <see cref="Register"/>: <paramref name="previous"/> gets its name back, or no one has it.</summary>
    public static void Revert(RegisteredVm vm, RegisteredVm? previous)
    {
        lock (Gate)
        {
            if (!ByName.TryGetValue(vm.Name, out var entry) || !ReferenceEquals(entry, vm))
                return;
            if (previous is null)
                ByName.Remove(vm.Name);
            else
                ByName[vm.Name] = previous;
        }
    }

    public static VmException NameInUse(VirtualMachine existing) =>
        new("VmNameInUse", VmErrorCategory.ResourceExists,
            $"A VM named '{existing.Name}' is already {existing.State}. Choose another name, or stop and remove that VM first.");

    /// <summary>
    /// Gives <paramref name="vm"/> the machine <paramref name="replacement"/> in place of <paramref name="current"/>;
    /// false if the VM was removed or its machine is no longer <paramref name="current"/>.
    /// </summary>
    public static bool ReplaceMachine(RegisteredVm vm, VirtualMachine current, VirtualMachine replacement)
    {
        lock (Gate)
        {
            if (!ByName.TryGetValue(vm.Name, out var entry) || !ReferenceEquals(entry, vm) || !ReferenceEquals(vm.Machine, current))
                return false;
            vm.SetMachine(replacement);
            return true;
        }
    }

    /// <summary>Removes <paramref name="vm"/> if it is the registered VM of its name.</summary>
    public static bool Unregister(RegisteredVm vm)
    {
        lock (Gate)
        {
            if (!ByName.TryGetValue(vm.Name, out var entry) || !ReferenceEquals(entry, vm))
                return false;
            return ByName.Remove(vm.Name);
        }
    }
}
