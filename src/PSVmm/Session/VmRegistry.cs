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
    private static readonly Dictionary<string, VirtualMachine> ByName = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>True while the VM holds resources or may still start: every state but Stopped and Failed.</summary>
    public static bool IsLive(VirtualMachine vm) => vm.State is not (VmState.Stopped or VmState.Failed);

    public static IReadOnlyList<VirtualMachine> All()
    {
        lock (Gate)
            return ByName.Values.OrderBy(vm => vm.Name, StringComparer.OrdinalIgnoreCase).ToList();
    }

    public static VirtualMachine? Find(string name)
    {
        lock (Gate)
            return ByName.GetValueOrDefault(name);
    }

    /// <summary>
    /// Adds <paramref name="vm"/> under its name. Fails with VmNameInUse when a live VM has the name;
    /// a dead VM of that name is replaced and returned (the caller disposes it or puts it back).
    /// </summary>
    public static VirtualMachine? Register(VirtualMachine vm)
    {
        lock (Gate)
        {
            if (ByName.TryGetValue(vm.Name, out var existing) && IsLive(existing))
                throw NameInUse(existing);
            ByName[vm.Name] = vm;
            return existing;
        }
    }

    public static VmException NameInUse(VirtualMachine existing) =>
        new("VmNameInUse", VmErrorCategory.ResourceExists,
            $"A VM named '{existing.Name}' is already {existing.State}. Choose another name, or stop and remove that VM first.");

    /// <summary>Puts <paramref name="replacement"/> in the place of <paramref name="current"/>; false if <paramref name="current"/> is no longer registered.</summary>
    public static bool Replace(VirtualMachine current, VirtualMachine replacement)
    {
        lock (Gate)
        {
            if (!ByName.TryGetValue(current.Name, out var entry) || !ReferenceEquals(entry, current))
                return false;
            ByName.Remove(current.Name);
            ByName[replacement.Name] = replacement;
            return true;
        }
    }

    /// <summary>Removes <paramref name="vm"/> if it is the registered VM of its name.</summary>
    public static bool Unregister(VirtualMachine vm)
    {
        lock (Gate)
        {
            if (!ByName.TryGetValue(vm.Name, out var entry) || !ReferenceEquals(entry, vm))
                return false;
            return ByName.Remove(vm.Name);
        }
    }
}
