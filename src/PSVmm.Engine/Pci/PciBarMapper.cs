using PSVmm.Engine.Bus;

namespace PSVmm.Engine.Pci;

/// <summary>
/// Keeps each attached function's BAR regions on the MMIO and port I/O buses in step with its
/// configuration space: a BAR is mapped at the address in its register while the command
/// register's matching decode bit (memory space / I/O space, PCI Local Bus 3.0 §6.2.2) is set.
///
/// A placement is refused when the range leaves the PCI windows, overlaps RAM (asked through
/// the injected predicate), overlaps another mapped BAR, or cannot be registered on the bus.
/// A refused BAR keeps its previous mapping (or stays unmapped if it had none); the register
/// keeps the guest's value, so the sizing protocol (all-ones then read) works even with decode
/// on, and the guest's next valid write maps it. A move unregisters the old range, registers the
/// new one, and restores the old one if registration fails.
/// </summary>
public sealed class PciBarMapper
{
    private const int RefusalHistory = 64;

    private readonly object _lock = new();
    private readonly IoBus _mmio;
    private readonly IoBus _pio;
    private readonly Func<ulong, ulong, bool> _overlapsRam;
    private readonly Dictionary<(IPciDevice Device, int Index), PciBarMapping> _mapped = [];
    private readonly Dictionary<(IPciDevice Device, int Index), IDeviceRegion> _regions = [];
    private readonly HashSet<IPciDevice> _attached = [];
    private readonly Queue<PciBarRefusal> _refusals = new();

    /// <param name="overlapsRam">(start, length) → true when the range touches guest RAM</param>
    public PciBarMapper(IoBus mmio, IoBus pio, PciWindows windows, Func<ulong, ulong, bool> overlapsRam)
    {
        _mmio = mmio ?? throw new ArgumentNullException(nameof(mmio));
        _pio = pio ?? throw new ArgumentNullException(nameof(pio));
        Windows = windows ?? throw new ArgumentNullException(nameof(windows));
        _overlapsRam = overlapsRam ?? throw new ArgumentNullException(nameof(overlapsRam));
    }

    public PciWindows Windows { get; }

    /// <summary>Raised (outside the mapper lock) after a BAR region was mapped; ioeventfds for it can be registered here.</summary>
    public event Action<PciBarMapping>? Mapped;

    /// <summary>Raised (outside the mapper lock) after a BAR region was unmapped.</summary>
    public event Action<PciBarMapping>? Unmapped;

    /// <summary>Raised (outside the mapper lock) when a guest placement was refused.</summary>
    public event Action<PciBarRefusal>? Refused;

    public IReadOnlyList<PciBarMapping> Mappings
    {
        get { lock (_lock) return _mapped.Values.OrderBy(m => m.Address).ToArray(); }
    }

    /// <summary>The most recent refusals (at most 64), oldest first.</summary>
    public IReadOnlyList<PciBarRefusal> Refusals
    {
        get { lock (_lock) return _refusals.ToArray(); }
    }

    public ulong? MappedAddress(IPciDevice device, int barIndex)
    {
        lock (_lock) return _mapped.TryGetValue((device, barIndex), out var m) ? m.Address : null;
    }

    /// <summary>Starts following <paramref name="device"/> and maps whatever its registers already enable.</summary>
    public void Attach(IPciDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        lock (_lock)
        {
            if (!_attached.Add(device))
                return;
        }
        device.MappingChanged += OnMappingChanged;
        Reconcile(device);
    }

    /// <summary>Attaches every function on <paramref name="bus"/>.</summary>
    public void AttachAll(PciBus bus)
    {
        ArgumentNullException.ThrowIfNull(bus);
        foreach (var (_, device) in bus.Devices)
            Attach(device);
    }

    /// <summary>Stops following <paramref name="device"/> and unmaps its BARs.</summary>
    public void Detach(IPciDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        device.MappingChanged -= OnMappingChanged;
        var unmapped = new List<PciBarMapping>();
        lock (_lock)
        {
            _attached.Remove(device);
            foreach (var key in _mapped.Keys.Where(k => ReferenceEquals(k.Device, device)).ToArray())
                unmapped.Add(UnmapLocked(key));
        }
        unmapped.ForEach(m => Unmapped?.Invoke(m));
    }

    /// <summary>
    /// Firmware-style initial placement: gives every BAR of the attached functions that has no
    /// address yet one from <paramref name="allocator"/> (largest first, to limit fragmentation),
    /// turns on the decode bits the function needs and maps the regions. Calling it again with
    /// the same allocator places only functions attached since.
    /// </summary>
    public void AssignInitialAddresses(BarAllocator allocator)
    {
        ArgumentNullException.ThrowIfNull(allocator);
        IPciDevice[] devices;
        lock (_lock) devices = _attached.ToArray();

        var bars = devices.SelectMany(d => d.Bars.Select(b => (Device: d, Bar: b)))
            .Where(x => x.Device.Config.GetBarAddress(x.Bar.Index) == 0)
            .OrderByDescending(x => x.Bar.Size).ThenBy(x => x.Bar.Kind);
        foreach (var (device, bar) in bars)
            device.Config.SetBarAddress(bar.Index, allocator.Allocate(bar));

        foreach (var device in devices)
        {
            var decode = PciCommand.None;
            foreach (var bar in device.Bars)
                decode |= bar.IsMemory ? PciCommand.MemorySpace : PciCommand.IoSpace;
            if (decode != PciCommand.None)
                device.Config.UpdateWordBits(PciConfigRegisters.Command, (ushort)decode, set: true);
            Reconcile(device);
        }
    }

    /// <summary>Brings <paramref name="device"/>'s mappings in line with its registers.</summary>
    public void Reconcile(IPciDevice device)
    {
        var mapped = new List<PciBarMapping>();
        var unmapped = new List<PciBarMapping>();
        var refused = new List<PciBarRefusal>();
        lock (_lock)
        {
            if (!_attached.Contains(device))
                return;
            var command = device.Config.CommandValue;
            foreach (var bar in device.Bars)
                ReconcileBar(device, bar, command, mapped, unmapped, refused);
            foreach (var r in refused)
            {
                if (_refusals.Count == RefusalHistory)
                    _refusals.Dequeue();
                _refusals.Enqueue(r);
            }
        }
        unmapped.ForEach(m => Unmapped?.Invoke(m));
        mapped.ForEach(m => Mapped?.Invoke(m));
        refused.ForEach(r => Refused?.Invoke(r));
    }

    private void OnMappingChanged(object? sender, PciMappingChangedEventArgs e)
    {
        if (sender is IPciDevice device)
            Reconcile(device);
    }

    private void ReconcileBar(IPciDevice device, PciBarDefinition bar, PciCommand command,
        List<PciBarMapping> mapped, List<PciBarMapping> unmapped, List<PciBarRefusal> refused)
    {
        var key = (device, bar.Index);
        var region = device.GetBarRegion(bar.Index);
        _mapped.TryGetValue(key, out var current);
        var decodeBit = bar.IsMemory ? PciCommand.MemorySpace : PciCommand.IoSpace;

        if (region is null || (command & decodeBit) == 0)
        {
            if (current is not null)
                unmapped.Add(UnmapLocked(key));
            return;
        }

        ulong address = device.Config.GetBarAddress(bar.Index);
        if (current is not null && current.Address == address)
            return;

        if (RefusalReason(device, bar, address) is { } reason)
        {
            refused.Add(new PciBarRefusal(device.Name, bar.Index, address, current?.Address, reason));
            return;
        }

        var bus = BusFor(bar.Kind);
        if (current is not null)
            unmapped.Add(UnmapLocked(key));
        if (bus.TryRegister(address, bar.Size, region, RangeName(device, bar.Index)))
        {
            var mapping = new PciBarMapping(device, bar.Index, bar.Kind, address, bar.Size);
            _mapped[key] = mapping;
            _regions[key] = region;
            mapped.Add(mapping);
            return;
        }

        // Something else (a platform device) holds the range: put the old mapping back.
        ulong? kept = null;
        if (current is not null && bus.TryRegister(current.Address, current.Size, region, RangeName(device, bar.Index)))
        {
            _mapped[key] = current;
            _regions[key] = region;
            unmapped.Remove(current);
            kept = current.Address;
        }
        refused.Add(new PciBarRefusal(device.Name, bar.Index, address, kept, $"{bus.Name} already has a range at 0x{address:x}"));
    }

    private string? RefusalReason(IPciDevice device, PciBarDefinition bar, ulong address)
    {
        if (!Windows.Contains(bar.Kind, address, bar.Size))
            return $"[0x{address:x}, +0x{bar.Size:x}) is outside the PCI {(bar.IsMemory ? "memory" : "I/O")} windows";
        if (bar.IsMemory && _overlapsRam(address, bar.Size))
            return $"[0x{address:x}, +0x{bar.Size:x}) overlaps guest RAM";
        foreach (var other in _mapped.Values)
        {
            if (ReferenceEquals(other.Device, device) && other.BarIndex == bar.Index)
                continue;
            if ((other.Kind == PciBarKind.Io) != (bar.Kind == PciBarKind.Io))
                continue;
            if (address < other.End && other.Address < address + bar.Size)
                return $"[0x{address:x}, +0x{bar.Size:x}) overlaps {other.Device.Name} BAR{other.BarIndex} at 0x{other.Address:x}";
        }
        return null;
    }

    private PciBarMapping UnmapLocked((IPciDevice Device, int Index) key)
    {
        var mapping = _mapped[key];
        BusFor(mapping.Kind).Unregister(mapping.Address, _regions[key]);
        _mapped.Remove(key);
        _regions.Remove(key);
        return mapping;
    }

    private IoBus BusFor(PciBarKind kind) => kind == PciBarKind.Io ? _pio : _mmio;

    private static string RangeName(IPciDevice device, int index) => $"{device.Name} BAR{index}";
}
