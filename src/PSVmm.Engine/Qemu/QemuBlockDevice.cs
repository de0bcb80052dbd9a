using PSVmm.Engine.Machine;
using PSVmm.Engine.Pci;

namespace PSVmm.Engine.Qemu;

/// <summary>
/// One -device virtio-blk-pci (also -non-transitional, -transitional, and the short virtio-blk):
/// the disk as the guest sees it, and where it sits on PCI bus 0. Null members were not given.
/// </summary>
internal sealed record QemuBlockDevice(string Text, string Drive)
{
    public string? Id { get; init; }
    public int? Slot { get; init; }
    public int Function { get; init; }
    public bool? Multifunction { get; init; }
    public int? NumQueues { get; init; }
    public int? QueueSize { get; init; }
    public string? Serial { get; init; }
    public string? IoThread { get; init; }
    public bool? Discard { get; init; }
    public bool? WriteZeroes { get; init; }
    public bool? Transitional { get; init; }

    /// <summary>bootindex= as written, reported in the warning (PSVmm boots a kernel directly).</summary>
    public string? IgnoredBootIndex { get; init; }

    /// <summary>The device an if=virtio drive stands for.</summary>
    public static QemuBlockDevice ForDrive(QemuDrive drive) => new(drive.Text, drive.Id ?? "") { InlineDrive = drive, Option = "-drive" };

    /// <summary>The option that made this disk, for messages: -device, or -drive for if=virtio.</summary>
    public string Option { get; init; } = "-device";

    /// <summary>For an if=virtio drive: the drive itself (it may have no id to look up).</summary>
    public QemuDrive? InlineDrive { get; init; }

    /// <summary>Reads a -device value; throws UnsupportedQemuDevice for a device that is not a virtio-blk-pci disk.</summary>
    public static QemuBlockDevice Parse(string text)
    {
        var keys = QemuOptionList.Parse("-device", text, impliedKey: "driver");
        string? driver = keys.Take("driver");
        bool? transitional = driver switch
        {
            "virtio-blk-pci" or "virtio-blk" => null,
            "virtio-blk-pci-non-transitional" => false,
            "virtio-blk-pci-transitional" => true,
            _ => throw new VmException("UnsupportedQemuDevice", VmErrorCategory.InvalidArgument,
                $"-device {text}: PSVmm has no device '{driver}'. Its one device type is virtio-blk-pci."),
        };
        string drive = keys.Take("drive") ?? throw new VmException("InvalidQemuCommandLine", VmErrorCategory.InvalidArgument,
            $"-device {text}: drive= is missing. Name the -drive id this disk uses with drive=.");

        if (keys.Take("bus") is { } bus && bus is not ("pci.0" or "pcie.0"))
            throw Unsupported(text, "bus", bus, "PSVmm puts every device on the root bus; use bus=pci.0 or bus=pcie.0, or leave bus= out");
        if (keys.Take("packed") is { } packed && !QemuValues.Bool("-device", "packed", packed))
            throw Unsupported(text, "packed", packed, "PSVmm always offers packed rings (VIRTIO_F_RING_PACKED) and the guest chooses; remove packed=off");
        if (keys.Take("disable-modern") is { } modern && QemuValues.Bool("-device", "disable-modern", modern))
            throw Unsupported(text, "disable-modern", modern, "PSVmm's devices are always modern (virtio 1.x); use disable-legacy=off for a transitional device");

        var device = new QemuBlockDevice(text, drive)
        {
            Id = keys.Take("id"),
            Multifunction = Bool(keys, "multifunction"),
            NumQueues = Int(keys, "num-queues"),
            QueueSize = Int(keys, "queue-size"),
            Serial = keys.Take("serial"),
            IoThread = keys.Take("iothread"),
            Discard = Bool(keys, "discard"),
            WriteZeroes = Bool(keys, "write-zeroes"),
            Transitional = keys.Take("disable-legacy") is { } legacy && legacy != "auto" ? !QemuValues.Bool("-device", "disable-legacy", legacy) : transitional,
        };
        if (keys.Take("addr") is { } addr)
        {
            var (slot, function) = QemuValues.PciSlotFunction("-device", "addr", addr);
            if (slot > PciAddress.MaxDevice || function > PciAddress.MaxFunction)
                throw QemuValues.Invalid("-device", "addr", addr, $"is not on the bus: slots go up to 0x{PciAddress.MaxDevice:x}, functions up to {PciAddress.MaxFunction}");
            device = device with { Slot = slot, Function = function };
        }
        if (transitional is not null && device.Transitional != transitional)
        {
            throw new VmException("ConflictingQemuOptions", VmErrorCategory.InvalidArgument,
                $"-device {text}: {driver} and disable-legacy= disagree. Use virtio-blk-pci with disable-legacy=on or off.");
        }

        // A boot order means nothing without firmware: it is reported, not an error.
        if (keys.Take("bootindex") is { } bootIndex)
            device = device with { IgnoredBootIndex = "bootindex=" + bootIndex };
        if (keys.Rest.Count > 0)
        {
            throw new VmException("UnsupportedQemuOption", VmErrorCategory.InvalidArgument,
                $"-device {text}: PSVmm cannot honour {string.Join(", ", keys.Rest)}. Remove {(keys.Rest.Count == 1 ? "it" : "them")}.");
        }
        return device;
    }

    private static bool? Bool(QemuOptionList keys, string key) =>
        keys.Take(key) is { } value ? QemuValues.Bool("-device", key, value) : null;

    private static int? Int(QemuOptionList keys, string key) =>
        keys.Take(key) is { } value ? QemuValues.Int("-device", key, value) : null;

    private static VmException Unsupported(string text, string key, string value, string why) =>
        new("UnsupportedQemuOptionValue", VmErrorCategory.InvalidArgument, $"-device {text}: {key}={value} cannot be honoured: {why}.");
}
