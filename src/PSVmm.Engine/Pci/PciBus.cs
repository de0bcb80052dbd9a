namespace PSVmm.Engine.Pci;

/// <summary>
/// PCI bus 0 (the root bus): up to 32 slots of 8 functions each, with the host bridge at
/// 00:00.0. Routes configuration accesses by address; an absent function reads all-ones and
/// ignores writes (PCI Local Bus 3.0 §3.2.2.3.2, master abort on config reads). A function
/// other than 0 is visible only while function 0 of its slot is present and has the
/// multifunction bit (§6.2.1), which is set automatically when such a function is added.
/// Lookups are lock-free on an immutable table; adds are serialised.
/// </summary>
public sealed class PciBus
{
    private const int Slots = PciAddress.MaxDevice + 1;
    private const int Functions = PciAddress.MaxFunction + 1;

    private readonly object _addLock = new();
    private IPciDevice?[] _functions = new IPciDevice?[Slots * Functions];

    public PciBus()
    {
        HostBridge = new PciHostBridge();
        Add(HostBridge, 0, 0);
    }

    public PciHostBridge HostBridge { get; }

    /// <summary>
    /// Adds <paramref name="device"/> at <paramref name="slot"/>/<paramref name="function"/>, or at
    /// function 0 of the lowest free slot when <paramref name="slot"/> is null.
    /// Throws <see cref="PciAddressInUseException"/> when the address is taken or no slot is free.
    /// </summary>
    public PciAddress Add(IPciDevice device, int? slot = null, int function = 0)
    {
        ArgumentNullException.ThrowIfNull(device);
        lock (_addLock)
        {
            var table = (IPciDevice?[])_functions.Clone();
            if (table.Contains(device))
                throw new InvalidOperationException($"Device '{device.Name}' is already on the bus.");
            int chosen = slot ?? FindFreeSlot(table, device.Name);
            var address = new PciAddress(0, chosen, function);
            if (table[Index(chosen, function)] is { } existing)
                throw new PciAddressInUseException(address, device.Name, existing.Name);
            table[Index(chosen, function)] = device;

            if (function > 0 && table[Index(chosen, 0)] is { } functionZero)
                functionZero.Config.IsMultifunction = true;
            if (function == 0 && Enumerable.Range(1, Functions - 1).Any(f => table[Index(chosen, f)] is not null))
                device.Config.IsMultifunction = true;
            Volatile.Write(ref _functions, table);
            return address;
        }
    }

    /// <summary>The function visible at an address (null when absent or hidden because function 0 is not multifunction).</summary>
    public IPciDevice? Find(int bus, int device, int function)
    {
        if (bus != 0 || (uint)device >= Slots || (uint)function >= Functions)
            return null;
        var table = Volatile.Read(ref _functions);
        var found = table[Index(device, function)];
        if (found is null || function == 0)
            return found;
        return table[Index(device, 0)] is { } zero && zero.Config.IsMultifunction ? found : null;
    }

    /// <summary>Every function on the bus with its address, in address order (hidden functions included).</summary>
    public IReadOnlyList<(PciAddress Address, IPciDevice Device)> Devices
    {
        get
        {
            var table = Volatile.Read(ref _functions);
            var list = new List<(PciAddress, IPciDevice)>();
            for (int i = 0; i < table.Length; i++)
            {
                if (table[i] is { } d)
                    list.Add((new PciAddress(0, i / Functions, i % Functions), d));
            }

            return list;
        }
    }

    /// <summary>Snapshots of every function on the bus, in address order.</summary>
    public IReadOnlyList<PciDeviceInfo> GetDeviceInfos(PciBarMapper? mapper = null) =>
        Devices.Select(d => PciDeviceInfo.Capture(d.Address, d.Device, mapper)).ToArray();

    public PciAddress? AddressOf(IPciDevice device)
    {
        var table = Volatile.Read(ref _functions);
        int i = Array.IndexOf(table, device);
        return i < 0 ? null : new PciAddress(0, i / Functions, i % Functions);
    }

    /// <summary>A guest configuration read; all-ones for absent functions.</summary>
    public void ReadConfig(int bus, int device, int function, int register, Span<byte> data)
    {
        var target = Find(bus, device, function);
        if (target is null)
        {
            data.Fill(0xFF);
            return;
        }
        try
        {
            target.ReadConfig(register, data);
        }
        catch (Exception e)
        {
            data.Fill(0xFF);
            DeviceFault?.Invoke(target, e);
        }
    }

    /// <summary>A guest configuration write; dropped for absent functions.</summary>
    public void WriteConfig(int bus, int device, int function, int register, ReadOnlySpan<byte> data)
    {
        var target = Find(bus, device, function);
        if (target is null)
            return;
        try
        {
            target.WriteConfig(register, data);
        }
        catch (Exception e)
        {
            DeviceFault?.Invoke(target, e);
        }
    }

    /// <summary>Raised when a device threw from a guest config access (the access is then treated as a master abort); the vCPU goes on.</summary>
    public event Action<IPciDevice, Exception>? DeviceFault;

    private static int FindFreeSlot(IPciDevice?[] table, string name) =>
        PciSlotPlacement.FirstFreeSlot(s => Enumerable.Range(0, Functions).Any(f => table[Index(s, f)] is not null))
        ?? throw new PciAddressInUseException($"No free PCI slot left on bus 0 for '{name}'.");

    private static int Index(int device, int function) => device * Functions + function;
}
