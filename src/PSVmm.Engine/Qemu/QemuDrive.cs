using PSVmm.Engine.Devices.Block;
using PSVmm.Engine.Devices.Block.Backend;
using PSVmm.Engine.Devices.Block.Backend.Engines;
using PSVmm.Engine.Devices.Block.Throttle;
using PSVmm.Engine.Machine;

namespace PSVmm.Engine.Qemu;

/// <summary>
/// One -drive: the image and how the host opens it. <see cref="HostDiscard"/> is discard=
/// (unmap/on true, ignore/off false, null when absent); <see cref="DetectZeroes"/> is
/// detect-zeroes= read as the disk's write-zeroes mode (null when absent).
/// </summary>
internal sealed record QemuDrive(string Text, string Path, string? Id, string? Interface)
{
    public bool ReadOnly { get; init; }
    public BlockCacheMode CacheMode { get; init; } = BlockCacheMode.Writeback;
    public BlockIoEngineKind Engine { get; init; } = BlockIoEngineKind.Auto;
    public bool? HostDiscard { get; init; }
    public VirtioBlkWriteZeroesMode? DetectZeroes { get; init; }
    public ThrottleLimits Throttle { get; init; } = ThrottleLimits.None;

    /// <summary>A drive that is a disk by itself (if=virtio), with no -device of its own.</summary>
    public bool IsVirtioInterface => Interface == "virtio";

    public static QemuDrive Parse(string text)
    {
        var keys = QemuOptionList.Parse("-drive", text, impliedKey: null);
        string path = keys.Take("file") is { Length: > 0 } file ? file
            : throw new VmException("InvalidQemuCommandLine", VmErrorCategory.InvalidArgument, $"-drive {text}: file= is missing. Name the raw disk image with file=.");
        var drive = new QemuDrive(text, path, keys.Take("id"), keys.Take("if"));
        if (drive.Interface is not (null or "none" or "virtio" or "pflash"))
            throw Unsupported(text, "if", drive.Interface, "PSVmm has virtio-blk disks only; use if=virtio, or if=none with -device virtio-blk-pci");
        if (keys.Take("format") is { } format && format != "raw")
            throw Unsupported(text, "format", format, "PSVmm reads raw images only; convert it with qemu-img convert -O raw");
        if (keys.Take("media") is { } media && media != "disk")
            throw Unsupported(text, "media", media, "PSVmm has disks only");
        if (keys.Take("cache.no-flush") is { } noFlush && QemuValues.Bool("-drive", "cache.no-flush", noFlush))
            throw Unsupported(text, "cache.no-flush", noFlush, "PSVmm always passes guest flushes to the image");

        drive = drive with
        {
            ReadOnly = ReadBool(keys, "readonly") ?? ReadBool(keys, "read-only") ?? false,
            CacheMode = ReadCacheMode(keys, text),
            Engine = ReadAio(keys, text),
            HostDiscard = keys.Take("discard") switch
            {
                null => null,
                "unmap" or "on" => true,
                "ignore" or "off" => false,
                var other => throw Unsupported(text, "discard", other, "use discard=unmap or discard=ignore"),
            },
            DetectZeroes = keys.Take("detect-zeroes") switch
            {
                null => null,
                "off" => VirtioBlkWriteZeroesMode.Off,
                "on" => VirtioBlkWriteZeroesMode.On,
                "unmap" => VirtioBlkWriteZeroesMode.Unmap,
                var other => throw Unsupported(text, "detect-zeroes", other, "use off, on or unmap"),
            },
            Throttle = QemuThrottleOptions.Read(keys, text),
        };
        if (keys.Rest.Count > 0)
        {
            throw new VmException("UnsupportedQemuOption", VmErrorCategory.InvalidArgument,
                $"-drive {text}: PSVmm cannot honour {string.Join(", ", keys.Rest)}. Remove {(keys.Rest.Count == 1 ? "it" : "them")}.");
        }
        return drive;
    }

    /// <summary>cache= (none, writeback), cache.direct= and StratoVirt's direct=; they must agree.</summary>
    private static BlockCacheMode ReadCacheMode(QemuOptionList keys, string text)
    {
        var modes = new List<(string Key, BlockCacheMode Mode)>();
        if (keys.Take("cache") is { } cache)
        {
            modes.Add(("cache=" + cache, cache switch
            {
                "none" => BlockCacheMode.None,
                "writeback" => BlockCacheMode.Writeback,
                _ => throw Unsupported(text, "cache", cache, "PSVmm has cache=none (O_DIRECT) and cache=writeback (host page cache)"),
            }));
        }
        foreach (string key in new[] { "cache.direct", "direct" })
        {
            if (ReadBool(keys, key) is bool direct)
                modes.Add(($"{key}={QemuValues.FormatBool(direct)}", direct ? BlockCacheMode.None : BlockCacheMode.Writeback));
        }
        if (modes.Select(m => m.Mode).Distinct().Count() > 1)
        {
            throw new VmException("ConflictingQemuOptions", VmErrorCategory.InvalidArgument,
                $"-drive {text}: {string.Join(" and ", modes.Select(m => m.Key))} disagree about O_DIRECT. Keep one of them.");
        }
        return modes.Count > 0 ? modes[0].Mode : BlockCacheMode.Writeback;
    }

    private static BlockIoEngineKind ReadAio(QemuOptionList keys, string text) => keys.Take("aio") switch
    {
        null => BlockIoEngineKind.Auto,
        "io_uring" => BlockIoEngineKind.IoUring,
        "threads" => BlockIoEngineKind.ThreadPool,
        var other => throw Unsupported(text, "aio", other, "PSVmm's I/O engines are io_uring and a thread pool; use aio=io_uring or aio=threads"),
    };

    private static bool? ReadBool(QemuOptionList keys, string key) =>
        keys.Take(key) is { } value ? QemuValues.Bool("-drive", key, value) : null;

    private static VmException Unsupported(string text, string key, string? value, string why) =>
        new("UnsupportedQemuOptionValue", VmErrorCategory.InvalidArgument, $"-drive {text}: {key}={value} cannot be honoured: {why}.");
}
