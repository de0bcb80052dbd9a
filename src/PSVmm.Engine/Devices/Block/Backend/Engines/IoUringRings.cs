using PSVmm.Engine.Native;
using Tmds.Linux;

namespace PSVmm.Engine.Devices.Block.Backend.Engines;

/// <summary>An io_uring instance and its three shared mappings: SQ ring, CQ ring, SQE array.</summary>
internal sealed unsafe class IoUringRings : IDisposable
{
    private byte* _sqRing;
    private nuint _sqRingSize;
    private byte* _cqRing;
    private nuint _cqRingSize;
    private nuint _sqesSize;

    public int Fd { get; private set; } = -1;
    public uint* SqHead;
    public uint* SqTail;
    public uint SqMask;
    public uint SqEntries;
    public uint* SqArray;
    public IoUringSqe* Sqes;
    public uint* CqHead;
    public uint* CqTail;
    public uint CqMask;
    public uint CqEntries;
    public IoUringCqe* Cqes;

    public static IoUringRings Create(uint entries)
    {
        var p = default(IoUringParams);
        int fd = IoUringAbi.Setup(entries, &p);
        if (fd < 0)
            throw new IoUringUnavailableException("io_uring_setup", LibC.errno);

        var rings = new IoUringRings { Fd = fd };
        try
        {
            rings.Map(p);
            return rings;
        }
        catch
        {
            rings.Dispose();
            throw;
        }
    }

    private void Map(in IoUringParams p)
    {
        _sqRingSize = p.SqOff.Array + p.SqEntries * sizeof(uint);
        _cqRingSize = p.CqOff.Cqes + p.CqEntries * (nuint)sizeof(IoUringCqe);
        bool single = (p.Features & IoUringAbi.IORING_FEAT_SINGLE_MMAP) != 0;
        if (single)
            _sqRingSize = _cqRingSize = Math.Max(_sqRingSize, _cqRingSize);

        _sqRing = MapRegion(_sqRingSize, IoUringAbi.IORING_OFF_SQ_RING, "SQ ring");
        _cqRing = single ? _sqRing : MapRegion(_cqRingSize, IoUringAbi.IORING_OFF_CQ_RING, "CQ ring");
        _sqesSize = p.SqEntries * (nuint)sizeof(IoUringSqe);
        Sqes = (IoUringSqe*)MapRegion(_sqesSize, IoUringAbi.IORING_OFF_SQES, "SQE array");

        SqHead = (uint*)(_sqRing + p.SqOff.Head);
        SqTail = (uint*)(_sqRing + p.SqOff.Tail);
        SqMask = *(uint*)(_sqRing + p.SqOff.RingMask);
        SqEntries = *(uint*)(_sqRing + p.SqOff.RingEntries);
        SqArray = (uint*)(_sqRing + p.SqOff.Array);
        CqHead = (uint*)(_cqRing + p.CqOff.Head);
        CqTail = (uint*)(_cqRing + p.CqOff.Tail);
        CqMask = *(uint*)(_cqRing + p.CqOff.RingMask);
        CqEntries = *(uint*)(_cqRing + p.CqOff.RingEntries);
        Cqes = (IoUringCqe*)(_cqRing + p.CqOff.Cqes);
    }

    private byte* MapRegion(nuint size, long offset, string what)
    {
        void* address = LibC.mmap(null, (size_t)size, LibC.PROT_READ | LibC.PROT_WRITE,
            LibC.MAP_SHARED | LibC.MAP_POPULATE, Fd, offset);
        if (address == LibC.MAP_FAILED)
            throw new IoUringUnavailableException($"mmap of the {what}", LibC.errno);

        return (byte*)address;
    }

    public void Dispose()
    {
        if (Sqes != null)
        {
            LibC.munmap(Sqes, (size_t)_sqesSize);
            Sqes = null;
        }

        if (_cqRing != null && _cqRing != _sqRing)
            LibC.munmap(_cqRing, (size_t)_cqRingSize);

        if (_sqRing != null)
            LibC.munmap(_sqRing, (size_t)_sqRingSize);

        _sqRing = _cqRing = null;
        if (Fd >= 0)
        {
            LibC.close(Fd);
            Fd = -1;
        }
    }
}
