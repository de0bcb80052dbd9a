using PSVmm.Engine.Boot;
using PSVmm.Engine.Kvm;
using PSVmm.Engine.Kvm.Cpuid;
using PSVmm.Engine.Kvm.Emulation;
using PSVmm.Engine.Kvm.Native;
using PSVmm.Engine.Memory;
using PSVmm.Engine.Platform;

namespace PSVmm.Engine.Machine;

/// <summary>
/// Builds a <see cref="RunningMachine"/> from a configuration: the KVM VM with in-kernel
/// irqchip and PIT, guest RAM as memory slots, the buses and devices, and the vCPUs with CPUID,
/// MSRs, FPU and LAPIC set up. On failure everything already created is released.
/// </summary>
internal static class MachineBuilder
{
    private const ulong MiB = 1024 * 1024;

    private static readonly (int Cap, string Name)[] RequiredCaps =
    [
        (KvmCap.Irqchip, "KVM_CAP_IRQCHIP"),
        (KvmCap.UserMemory, "KVM_CAP_USER_MEMORY"),
        (KvmCap.SetTssAddr, "KVM_CAP_SET_TSS_ADDR"),
        (KvmCap.Pit2, "KVM_CAP_PIT2"),
        (KvmCap.IrqRouting, "KVM_CAP_IRQ_ROUTING"),
        (KvmCap.Irqfd, "KVM_CAP_IRQFD"),
        (KvmCap.Ioeventfd, "KVM_CAP_IOEVENTFD"),
        (KvmCap.SignalMsi, "KVM_CAP_SIGNAL_MSI"),
    ];

    /// <param name="kvm">an open /dev/kvm; the machine owns it from here on, also on failure</param>
    public static RunningMachine Build(KvmSystem kvm, VmConfig config, CpuProfile profile, ConsoleLog console, VmEventLog events,
        MachineHooks? hooks, Action<VcpuStopRequest> stop, Action vcpuExited)
    {
        var m = new RunningMachine(kvm);
        try
        {
            foreach (var (cap, name) in RequiredCaps)
            {
                if (kvm.CheckExtension(cap) <= 0)
                    throw new VmException("KvmFeatureMissing", VmErrorCategory.ResourceUnavailable, $"KVM lacks {name}, which PSVmm needs.");
            }

            int maxVcpus = Math.Max(kvm.CheckExtension(KvmCap.MaxVcpus), kvm.CheckExtension(KvmCap.NrVcpus));
            if (maxVcpus > 0 && config.CpuCount > maxVcpus)
                throw new VmException("InvalidCpuCount", VmErrorCategory.InvalidArgument, $"KVM supports at most {maxVcpus} vCPUs here.");

            // Owned in this order so that release goes vCPUs, interrupt sink, VM, then the RAM the VM mapped.
            m.Memory = m.Own(new GuestMemory(MemoryLayout.RamRegions((ulong)config.MemoryMB * MiB)));
            m.Vm = m.Own(kvm.CreateVm());
            CreatePlatform(m.Vm);
            for (int i = 0; i < m.Memory.Regions.Count; i++)
                m.Vm.SetUserMemoryRegion((uint)i, m.Memory.Regions[i].GuestAddress, m.Memory.Regions[i].Size, m.Memory.HostAddress(i));
            m.Interrupts = m.Own(new KvmInterruptSink(m.Vm));

            m.Devices = new MachineDevices(m.Vm, m.Pio, m.Mmio, m.Memory, m.Interrupts, console, events,
                status => stop(new VcpuStopRequest(VmState.Stopped, status, null)),
                () => stop(new VcpuStopRequest(VmState.Stopped, null, null)),
                m.Own);
            (hooks?.RegisterDevices ?? LegacyDevices.Register)(m.Devices);
            if (hooks?.RegisterDevices is null)
                m.Pci = m.Own(PciPlatform.Create(m.Devices, config));

            var supported = kvm.GetSupportedCpuid();
            int runSize = kvm.VcpuMmapSize;
            var decode = hooks?.Decode ?? ((bytes, is64BitMode) => InstructionDecoder.Decode(bytes, is64BitMode));
            for (int i = 0; i < config.CpuCount; i++)
            {
                var vcpu = m.Own(m.Vm.CreateVcpu(i, runSize));
                m.Vcpus.Add(vcpu);
                ConfigureVcpu(vcpu, CpuidProfile.ForVcpu(supported, (uint)i, config.CpuCount, profile));
                var emulation = new EmulationFailureHandler(m.Memory, decode, useReportedBytes: !(hooks?.IgnoreReportedInstructionBytes ?? false));
                m.Threads.Add(new VcpuThread(vcpu, m.Pio, m.Mmio, emulation, stop, vcpuExited, config.Name));
            }
            return m;
        }
        catch
        {
            m.Dispose();
            throw;
        }
    }

    /// <summary>Puts the boot vCPU in the loader's entry state.</summary>
    public static void SetBootState(KvmVcpu vcpu, EntryState entry)
    {
        vcpu.SetSregs(BootCpuState.Sregs(entry, vcpu.GetSregs()));
        vcpu.SetRegs(BootCpuState.Regs(entry));
    }

    // api.rst: KVM_SET_TSS_ADDR and KVM_SET_IDENTITY_MAP_ADDR before the first vCPU; the irqchip before vCPUs too.
    private static void CreatePlatform(KvmVm vm)
    {
        vm.SetTssAddress(MemoryLayout.KvmTssAddress);
        if (vm.CheckExtension(KvmCap.SetIdentityMapAddr) > 0)
            vm.SetIdentityMapAddress(MemoryLayout.KvmIdentityMapAddress);
        vm.CreateIrqchip();
        vm.CreatePit2();
    }

    // CPUID before MSRs: KVM checks MSR writes against the guest's CPUID.
    private static void ConfigureVcpu(KvmVcpu vcpu, IReadOnlyList<CpuidEntry> cpuid)
    {
        vcpu.SetCpuid(cpuid);
        foreach (var (index, value, required) in BootMsrs.Values)
        {
            if (!vcpu.TrySetMsr(index, value) && required)
                throw new KvmException($"KVM_SET_MSRS(0x{index:x})", 0);
        }

        vcpu.SetFpu(BootCpuState.Fpu());
        var lapic = vcpu.GetLapic();
        LapicSetup.SetVirtualWire(lapic);
        vcpu.SetLapic(lapic);
        // Application processors wait for INIT-SIPI-SIPI, which the in-kernel LAPIC handles (Intel SDM Vol. 3A §9.4.4).
        vcpu.SetMpState(vcpu.Index == 0 ? KvmVcpu.MpStateRunnable : KvmVcpu.MpStateUninitialized);
    }
}
