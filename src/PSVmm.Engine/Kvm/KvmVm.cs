using PSVmm.Engine.Kvm.Native;
using Tmds.Linux;

namespace PSVmm.Engine.Kvm;

/// <summary>One KVM VM file descriptor and the VM-wide ioctls.</summary>
internal sealed unsafe class KvmVm : IDisposable
{
    private int _fd;

    internal KvmVm(int fd) => _fd = fd;

    public int Fd => _fd;

    public void SetTssAddress(ulong address) => Sys.Ioctl(_fd, KvmIoctls.SetTssAddr, address, "KVM_SET_TSS_ADDR");

    public void SetIdentityMapAddress(ulong address) =>
        Sys.Ioctl(_fd, KvmIoctls.SetIdentityMapAddr, &address, "KVM_SET_IDENTITY_MAP_ADDR");

    /// <summary>In-kernel PIC, IOAPIC and per-vCPU LAPICs; installs KVM's default GSI routes.</summary>
    public void CreateIrqchip() => Sys.Ioctl(_fd, KvmIoctls.CreateIrqchip, 0UL, "KVM_CREATE_IRQCHIP");

    /// <summary>In-kernel i8254 PIT with the dummy speaker port (0x61) handled in the kernel too.</summary>
    public void CreatePit2()
    {
        var config = new KvmPitConfig { Flags = KvmPitConfig.SpeakerDummy };
        Sys.Ioctl(_fd, KvmIoctls.CreatePit2, &config, "KVM_CREATE_PIT2");
    }

    public int CheckExtension(int capability)
    {
        int rc = LibC.ioctl(_fd, unchecked((int)KvmIoctls.CheckExtension), capability);
        return rc < 0 ? 0 : rc;
    }

    public void SetUserMemoryRegion(uint slot, ulong guestAddress, ulong size, ulong hostAddress)
    {
        var region = new KvmUserspaceMemoryRegion
        {
            Slot = slot,
            GuestPhysAddr = guestAddress,
            MemorySize = size,
            UserspaceAddr = hostAddress,
        };
        Sys.Ioctl(_fd, KvmIoctls.SetUserMemoryRegion, &region, "KVM_SET_USER_MEMORY_REGION");
    }

    public void SetIrqLine(uint gsi, bool level)
    {
        var irq = new KvmIrqLevel { Irq = gsi, Level = level ? 1u : 0u };
        Sys.Ioctl(_fd, KvmIoctls.IrqLine, &irq, "KVM_IRQ_LINE");
    }

    /// <summary>KVM_SIGNAL_MSI; returns false when the guest has not enabled the target (rc 0) or the call failed.</summary>
    public bool SignalMsi(ulong address, uint data)
    {
        var msi = new KvmMsi { AddressLo = (uint)address, AddressHi = (uint)(address >> 32), Data = data };
        return LibC.ioctl(_fd, unchecked((int)KvmIoctls.SignalMsi), &msi) > 0;
    }

    /// <summary>KVM_SET_GSI_ROUTING: replaces the whole routing table with <paramref name="table"/>.</summary>
    public void SetGsiRouting(GsiRoutingTable table)
    {
        var entries = table.ToNative();
        var buffer = new byte[8 + entries.Length * sizeof(KvmIrqRoutingEntry)];
        fixed (byte* p = buffer)
        {
            *(uint*)p = (uint)entries.Length;
            var dst = (KvmIrqRoutingEntry*)(p + 8);
            for (int i = 0; i < entries.Length; i++)
                dst[i] = entries[i];
            Sys.Ioctl(_fd, KvmIoctls.SetGsiRouting, p, "KVM_SET_GSI_ROUTING");
        }
    }

    public void AssignIrqfd(int eventFd, uint gsi)
    {
        var irqfd = new KvmIrqfd { Fd = (uint)eventFd, Gsi = gsi };
        Sys.Ioctl(_fd, KvmIoctls.Irqfd, &irqfd, "KVM_IRQFD");
    }

    public void DeassignIrqfd(int eventFd, uint gsi)
    {
        var irqfd = new KvmIrqfd { Fd = (uint)eventFd, Gsi = gsi, Flags = KvmIrqfd.FlagDeassign };
        LibC.ioctl(_fd, unchecked((int)KvmIoctls.Irqfd), &irqfd);
    }

    /// <summary>
    /// KVM_IOEVENTFD: a guest write of <paramref name="length"/> bytes (0 = any length, needs
    /// KVM_CAP_IOEVENTFD_ANY_LENGTH) to <paramref name="address"/> signals <paramref name="eventFd"/>
    /// without leaving the kernel.
    /// </summary>
    public void SetIoeventfd(int eventFd, ulong address, uint length, bool pio, ulong? dataMatch, bool deassign = false)
    {
        var io = new KvmIoeventfd
        {
            Addr = address,
            Len = length,
            Fd = eventFd,
            Datamatch = dataMatch ?? 0,
            Flags = (pio ? KvmIoeventfd.FlagPio : 0) | (dataMatch.HasValue ? KvmIoeventfd.FlagDatamatch : 0) | (deassign ? KvmIoeventfd.FlagDeassign : 0),
        };
        Sys.Ioctl(_fd, KvmIoctls.Ioeventfd, &io, "KVM_IOEVENTFD");
    }

    /// <summary>An eventfd bound to guest writes at <paramref name="address"/>; disposing it unbinds and closes it.</summary>
    public KvmIoEventFd CreateIoEventFd(ulong address, uint length, bool pio, ulong? dataMatch = null)
    {
        var eventFd = Sys.CreateEventFd("eventfd(ioeventfd)");
        try
        {
            SetIoeventfd(eventFd.Fd, address, length, pio, dataMatch);
        }
        catch
        {
            eventFd.Dispose();
            throw;
        }
        return new KvmIoEventFd(this, eventFd, address, length, pio, dataMatch);
    }

    public KvmVcpu CreateVcpu(int index, int runMmapSize)
    {
        int fd = Sys.Ioctl(_fd, KvmIoctls.CreateVcpu, (ulong)index, "KVM_CREATE_VCPU");
        try
        {
            return new KvmVcpu(index, fd, runMmapSize);
        }
        catch
        {
            Sys.Close(fd);
            throw;
        }
    }

    public void Dispose()
    {
        Sys.Close(_fd);
        _fd = -1;
    }
}
