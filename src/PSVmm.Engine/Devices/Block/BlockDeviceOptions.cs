using System.Text;
using PSVmm.Engine.Devices.Block.Backend;
using PSVmm.Engine.Devices.Block.Throttle;
using PSVmm.Engine.IoThreads;
using PSVmm.Engine.Devices.Block.Backend.Engines;

namespace PSVmm.Engine.Devices.Block;

/// <summary>
/// How a virtio-blk disk is configured (the model of QEMU's -drive/-device virtio-blk-pci
/// options). Plain data; <see cref="Validate"/> lists everything wrong with it.
/// </summary>
public sealed record BlockDeviceOptions(string Path)
{
    /// <summary>VIRTIO_BLK_ID_BYTES (virtio 1.2 §5.2.6): a GET_ID answer is at most 20 bytes.</summary>
    public const int MaxSerialBytes = 20;

    public const int MaxQueues = 64;

    /// <summary>Largest queue size offered (QEMU's VIRTQUEUE_MAX_SIZE); Linux caps its own at 1024 too.</summary>
    public const int MaxQueueSize = 1024;

    public const int DefaultQueueSize = 256;

    /// <summary>The disk's name inside the VM (e.g. "disk0"); used in messages and statistics.</summary>
    public string? Id { get; init; }

    public bool ReadOnly { get; init; }

    /// <summary>The answer to VIRTIO_BLK_T_GET_ID: at most 20 bytes of UTF-8 (ASCII in practice), zero-padded.</summary>
    public string? Serial { get; init; }

    /// <summary>Request queues (VIRTIO_BLK_F_MQ when more than one); default: the host's CPU count, capped at <see cref="MaxQueues"/>.</summary>
    public int NumQueues { get; init; } = DefaultNumQueues;

    /// <summary>Largest size of each queue; a power of two in 2..<see cref="MaxQueueSize"/>.</summary>
    public int QueueSize { get; init; } = DefaultQueueSize;

    /// <summary>O_DIRECT: the same as <see cref="CacheMode"/> = <see cref="BlockCacheMode.None"/>.</summary>
    public bool Direct { get; init; }

    public BlockCacheMode CacheMode { get; init; } = BlockCacheMode.Writeback;

    public BlockIoEngineKind Engine { get; init; } = BlockIoEngineKind.Auto;

    /// <summary>The IoThread that serves the disk (by name); null: the machine's default one.</summary>
    public string? IoThread { get; init; }

    /// <summary>Offer VIRTIO_BLK_F_DISCARD and pass discards on to the image.</summary>
    public bool Discard { get; init; } = true;

    public VirtioBlkWriteZeroesMode WriteZeroes { get; init; } = VirtioBlkWriteZeroesMode.Unmap;

    public ThrottleLimits Throttle { get; init; } = ThrottleLimits.None;

    public static int DefaultNumQueues => Math.Clamp(Environment.ProcessorCount, 1, MaxQueues);

    public BlockCacheMode EffectiveCacheMode => Direct ? BlockCacheMode.None : CacheMode;

    /// <summary>The serial as GET_ID returns it (empty when unset).</summary>
    public byte[] SerialBytes => Encoding.UTF8.GetBytes(Serial ?? string.Empty);

    /// <summary>Every problem with these options, as sentences for the user; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        string name = Id ?? Path;
        if (string.IsNullOrWhiteSpace(Path))
        {
            errors.Add("A disk needs an image path.");
        }

        if (Serial is not null && Encoding.UTF8.GetByteCount(Serial) is var n && n > MaxSerialBytes)
        {
            errors.Add($"Disk '{name}': serial '{Serial}' is {n} bytes long; a virtio-blk serial is at most {MaxSerialBytes} bytes.");
        }

        if (NumQueues < 1 || NumQueues > MaxQueues)
        {
            errors.Add($"Disk '{name}': NumQueues {NumQueues} is out of range; use 1..{MaxQueues}.");
        }

        if (QueueSize < 2 || QueueSize > MaxQueueSize || (QueueSize & (QueueSize - 1)) != 0)
        {
            errors.Add($"Disk '{name}': QueueSize {QueueSize} must be a power of two from 2 to {MaxQueueSize}.");
        }

        if (Direct && CacheMode != BlockCacheMode.Writeback && CacheMode != BlockCacheMode.None)
        {
            errors.Add($"Disk '{name}': Direct conflicts with CacheMode {CacheMode}.");
        }

        if (Throttle is null)
        {
            errors.Add($"Disk '{name}': Throttle must not be null (use ThrottleLimits.None).");
        }

        return errors;
    }

    /// <summary>Throws <see cref="ArgumentException"/> carrying every message of <see cref="Validate"/>.</summary>
    public void EnsureValid()
    {
        var errors = Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors));
        }
    }

    /// <summary>How to open the image for these options.</summary>
    public BlockBackendOptions ToBackendOptions() => new(Path)
    {
        ReadOnly = ReadOnly,
        CacheMode = EffectiveCacheMode,
        Engine = Engine,
        AllowDiscard = Discard || WriteZeroes == VirtioBlkWriteZeroesMode.Unmap,
    };
}
