using System.Buffers.Binary;
using PSVmm.Engine.Memory;
using PSVmm.Engine.Virtio.Queues;

namespace PSVmm.Engine.Devices.Block.Device;

/// <summary>
/// Turns a descriptor chain into a <see cref="BlockRequest"/> (virtio 1.2 §5.2.6): the 16-byte
/// header {le32 type, le32 reserved, le64 sector} at the start of the device-readable part, the
/// data, and the status byte as the last device-writable byte. Every guest value is checked
/// here; a request that is well-framed but wrong gets IOERR or UNSUPP, a chain without room for
/// header or status throws <see cref="BlockRequestException"/>.
/// </summary>
internal static class BlockRequestParser
{
    public const int HeaderSize = 16;
    public const int DiscardSegmentSize = 16;       // le64 sector, le32 num_sectors, le32 flags
    public const uint UnmapFlag = 1;
    public const int SectorShift = 9;

    public static BlockRequest Parse(DescriptorChain chain, IGuestMemory memory, BlockRequestRules rules)
    {
        if (chain.ReadableLength < HeaderSize)
            throw new BlockRequestException($"{chain}: the device-readable part is shorter than the 16-byte request header");

        if (chain.WritableLength < 1)
            throw new BlockRequestException($"{chain}: no device-writable byte for the status");

        Span<byte> header = stackalloc byte[HeaderSize];
        ChainBytes.Read(memory, chain.Readable, 0, header);
        uint type = BinaryPrimitives.ReadUInt32LittleEndian(header);
        ulong sector = BinaryPrimitives.ReadUInt64LittleEndian(header[8..]);
        var status = ChainBytes.Slice(chain.Writable, chain.WritableLength - 1, 1)[0];

        ulong readableData = chain.ReadableLength - (ulong)HeaderSize;
        ulong writableData = chain.WritableLength - 1UL;
        var parsed = new Parsed(chain, type, sector, status.Address);

        switch ((VirtioBlkRequestType)type)
        {
            case VirtioBlkRequestType.In:
                if (readableData != 0)
                    return parsed.Refuse(VirtioBlkStatus.IoError, "IN request with device-readable data after the header");

                return CheckTransfer(parsed, rules, ChainBytes.Slice(chain.Writable, 0, writableData), writableData, write: false);

            case VirtioBlkRequestType.Out:
                if (writableData != 0)
                    return parsed.Refuse(VirtioBlkStatus.IoError, "OUT request with device-writable data before the status");

                return CheckTransfer(parsed, rules, ChainBytes.Slice(chain.Readable, HeaderSize, readableData), readableData, write: true);

            case VirtioBlkRequestType.Flush:
                return parsed.Ready();

            case VirtioBlkRequestType.GetId:
                return parsed.Ready(ChainBytes.Slice(chain.Writable, 0, Math.Min(writableData, (ulong)BlockDeviceOptions.MaxSerialBytes)), 0);

            case VirtioBlkRequestType.Discard when rules.DiscardNegotiated:
            case VirtioBlkRequestType.WriteZeroes when rules.WriteZeroesNegotiated:
                if (writableData != 0)
                    return parsed.Refuse(VirtioBlkStatus.IoError, "discard/write-zeroes request with device-writable data before the status");

                return ParseRanges(parsed, memory, chain, readableData, rules);

            default:
                return parsed.Refuse(VirtioBlkStatus.Unsupported, $"request type {type} is not supported");
        }
    }

    private static BlockRequest CheckTransfer(Parsed parsed, BlockRequestRules rules, List<BufferSegment> data, ulong length, bool write)
    {
        if (write && rules.ReadOnly)
            return parsed.Refuse(VirtioBlkStatus.IoError, "write to a read-only disk");

        if ((length & ((1UL << SectorShift) - 1)) != 0)
            return parsed.Refuse(VirtioBlkStatus.IoError, $"data length {length} is not a multiple of 512");

        if (!InsideDisk(parsed.Sector, length >> SectorShift, rules.CapacitySectors))
        {
            return parsed.Refuse(VirtioBlkStatus.IoError,
                $"sectors [{parsed.Sector}, +{length >> SectorShift}) run past the capacity of {rules.CapacitySectors}");
        }

        return parsed.Ready(data, length);
    }

    /// <summary>§5.2.6.2: the data is an array of {le64 sector, le32 num_sectors, le32 flags}.</summary>
    private static BlockRequest ParseRanges(Parsed parsed, IGuestMemory memory, DescriptorChain chain, ulong length, BlockRequestRules rules)
    {
        bool discard = (VirtioBlkRequestType)parsed.Type == VirtioBlkRequestType.Discard;
        uint maxSegments = discard ? rules.Limits.MaxDiscardSegments : rules.Limits.MaxWriteZeroesSegments;
        uint maxSectors = discard ? rules.Limits.MaxDiscardSectors : rules.Limits.MaxWriteZeroesSectors;
        if (rules.ReadOnly)
            return parsed.Refuse(VirtioBlkStatus.IoError, "discard/write-zeroes on a read-only disk");

        if (length == 0 || length % DiscardSegmentSize != 0)
            return parsed.Refuse(VirtioBlkStatus.IoError, $"range data of {length} bytes is not a whole number of 16-byte segments");

        ulong count = length / DiscardSegmentSize;
        if (count > maxSegments)
            return parsed.Refuse(VirtioBlkStatus.Unsupported, $"{count} segments exceed the limit of {maxSegments}");

        var raw = new byte[(int)length];
        ChainBytes.Read(memory, chain.Readable, HeaderSize, raw);
        var ranges = new List<BlockRange>((int)count);
        for (int i = 0; i < (int)count; i++)
        {
            var entry = raw.AsSpan(i * DiscardSegmentSize, DiscardSegmentSize);
            ulong sector = BinaryPrimitives.ReadUInt64LittleEndian(entry);
            uint sectors = BinaryPrimitives.ReadUInt32LittleEndian(entry[8..]);
            uint flags = BinaryPrimitives.ReadUInt32LittleEndian(entry[12..]);

            // §5.2.6.2: unknown flags are UNSUPP for both; UNMAP is UNSUPP for discard.
            if ((flags & ~UnmapFlag) != 0 || (discard && flags != 0))
                return parsed.Refuse(VirtioBlkStatus.Unsupported, $"segment {i} has unsupported flags 0x{flags:x}");

            if (sectors > maxSectors)
                return parsed.Refuse(VirtioBlkStatus.IoError, $"segment {i} covers {sectors} sectors, above the limit of {maxSectors}");

            if (!InsideDisk(sector, sectors, rules.CapacitySectors))
            {
                return parsed.Refuse(VirtioBlkStatus.IoError,
                    $"segment {i} [{sector}, +{sectors}) runs past the capacity of {rules.CapacitySectors}");
            }

            bool unmap = !discard && (flags & UnmapFlag) != 0 && rules.Limits.WriteZeroesMayUnmap;
            ranges.Add(new BlockRange((long)(sector << SectorShift), (long)sectors << SectorShift, unmap));
        }

        return parsed.Ready(ranges);
    }

    private static bool InsideDisk(ulong sector, ulong sectors, ulong capacity) =>
        sector <= capacity && sectors <= capacity - sector;

    private readonly record struct Parsed(DescriptorChain Chain, uint Type, ulong Sector, ulong StatusAddress)
    {
        public BlockRequest Refuse(byte status, string why) => new()
        {
            Chain = Chain, RawType = Type, Sector = Sector, StatusAddress = StatusAddress,
            ImmediateStatus = status, Refusal = why,
        };

        public BlockRequest Ready(IReadOnlyList<BufferSegment>? data = null, ulong length = 0) => new()
        {
            Chain = Chain, RawType = Type, Sector = Sector, StatusAddress = StatusAddress,
            Data = data ?? [], DataLength = length,
        };

        public BlockRequest Ready(IReadOnlyList<BlockRange> ranges) => new()
        {
            Chain = Chain, RawType = Type, Sector = Sector, StatusAddress = StatusAddress, Ranges = ranges,
        };
    }
}
