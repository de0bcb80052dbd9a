using System.Text;
using PSVmm.Engine.Devices.Block.Backend;
using PSVmm.Engine.Devices.Block.Backend.Engines;
using PSVmm.Engine.Devices.Block.Throttle;

namespace PSVmm.Engine.Devices.Block;

/// <summary>
/// The one description of a virtio-blk disk (the model of QEMU's -drive/-device virtio-blk-pci
/// options), with the one set of defaults. Immutable. <see cref="Validate"/> is the one list of
/// rules; from a valid record <see cref="ToBackendOptions"/> says how to open the image and
/// <see cref="VirtioBlkSetup"/> derives the features, limits and configuration space.
/// </summary>
public sealed record BlockDeviceOptions(string Path)
{
    /// <summary>VIRTIO_BLK_ID_BYTES (virtio 1.2 §5.2.6): a GET_ID answer is at most 20 bytes.</summary>
    public const int MaxSerialBytes = 20;

    public const int MaxQueues = 64;

    /// <summary>
    /// The largest queue size a disk offers (QEMU's VIRTQUEUE_MAX_SIZE; Linux caps its own at 1024
    /// too). Not the specification's limit, <see cref="Virtio.Queues.Virtqueue.SpecMaxQueueSize"/>.
    /// </summary>
    public const int MaxOfferedQueueSize = 1024;

    public const int DefaultQueueSize = 256;

    /// <summary>The disk's name inside the VM (e.g. "disk0"), used in messages and statistics; default: the image's file name.</summary>
    public string Id { get; init; } = System.IO.Path.GetFileName(Path);

    public bool ReadOnly { get; init; }

    /// <summary>The answer to VIRTIO_BLK_T_GET_ID: at most 20 bytes of UTF-8 (ASCII in practice), zero-padded.</summary>
    public string? Serial { get; init; }

    /// <summary>
    /// Request queues (VIRTIO_BLK_F_MQ when more than one). Null: a queue per vCPU of the VM,
    /// like QEMU, filled in by <see cref="ForVcpus"/> when the machine builds the disk.
    /// </summary>
    public int? NumQueues { get; init; }

    /// <summary>Largest size of each queue; a power of two in 2..<see cref="MaxOfferedQueueSize"/>.</summary>
    public int QueueSize { get; init; } = DefaultQueueSize;

    /// <summary>How the host caches image data; <see cref="BlockCacheMode.None"/> opens the image with O_DIRECT.</summary>
    public BlockCacheMode CacheMode { get; init; } = BlockCacheMode.Writeback;

    public BlockIoEngineKind Engine { get; init; } = BlockIoEngineKind.Auto;

    /// <summary>The IoThread that serves the disk (by name); null: the machine's default one.</summary>
    public string? IoThread { get; init; }

    /// <summary>Offer VIRTIO_BLK_F_DISCARD; the guest's discards punch holes in the image.</summary>
    public bool Discard { get; init; } = true;

    /// <summary>Whether VIRTIO_BLK_F_WRITE_ZEROES is offered and whether it may unmap (punch holes).</summary>
    public VirtioBlkWriteZeroesMode WriteZeroes { get; init; } = VirtioBlkWriteZeroesMode.Unmap;

    public ThrottleLimits Throttle { get; init; } = ThrottleLimits.None;

    /// <summary>The queue count the device is built with; set once <see cref="ForVcpus"/> has run or NumQueues was given.</summary>
    public int QueueCount => NumQueues
        ?? throw new InvalidOperationException($"Disk '{Id}': NumQueues is unset; ForVcpus sets it from the VM's vCPU count.");

    /// <summary>The serial as GET_ID returns it (empty when unset).</summary>
    public byte[] SerialBytes => Encoding.UTF8.GetBytes(Serial ?? string.Empty);

    /// <summary>A queue per vCPU, at most <see cref="MaxQueues"/>: the default queue count of a disk of a VM with <paramref name="vcpuCount"/> vCPUs.</summary>
    public static int DefaultNumQueues(int vcpuCount) => Math.Clamp(vcpuCount, 1, MaxQueues);

    /// <summary>This disk in a VM with <paramref name="vcpuCount"/> vCPUs: an unset <see cref="NumQueues"/> becomes <see cref="DefaultNumQueues"/>.</summary>
    public BlockDeviceOptions ForVcpus(int vcpuCount) =>
        NumQueues is null ? this with { NumQueues = DefaultNumQueues(vcpuCount) } : this;

    /// <summary>Every problem with this disk, as sentences for the user; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Path))
            errors.Add("A disk needs an image path.");

        if (Serial is not null && Encoding.UTF8.GetByteCount(Serial) is var n && n > MaxSerialBytes)
            errors.Add($"Disk '{Id}': serial '{Serial}' is {n} bytes long; a virtio-blk serial is at most {MaxSerialBytes} bytes.");

        if (NumQueues is < 1 or > MaxQueues)
            errors.Add($"Disk '{Id}': NumQueues {NumQueues} is out of range; use 1..{MaxQueues}.");

        if (QueueSize < 2 || QueueSize > MaxOfferedQueueSize || (QueueSize & (QueueSize - 1)) != 0)
            errors.Add($"Disk '{Id}': QueueSize {QueueSize} must be a power of two from 2 to {MaxOfferedQueueSize}.");

        if (Throttle is null)
            errors.Add($"Disk '{Id}': Throttle must not be null (use ThrottleLimits.None).");
        else
            errors.AddRange(Throttle.Validate(Id));

        return errors;
    }

    /// <summary>Throws <see cref="ArgumentException"/> carrying every message of <see cref="Validate"/>.</summary>
    public void EnsureValid()
    {
        var errors = Validate();
        if (errors.Count > 0)
            throw new ArgumentException(string.Join(" ", errors));
    }

    /// <summary>How to open the image of this disk.</summary>
    public BlockBackendOptions ToBackendOptions() => new(Path)
    {
        ReadOnly = ReadOnly,
        CacheMode = CacheMode,
        Engine = Engine,
    };

    /// <summary>"disk0: /images/root.img" (", read-only"). The generated text would read QueueCount, which throws until ForVcpus ran.</summary>
    public override string ToString() => $"{Id}: {Path}{(ReadOnly ? ", read-only" : "")}";
}
