using System.Diagnostics;
using PSVmm.Engine.IoThreads;
using PSVmm.Engine.Kvm;
using PSVmm.Engine.Kvm.Cpuid;
using PSVmm.Engine.Machine;
using PSVmm.Engine.Platform;
using Xunit;

namespace PSVmm.Tests.Machine;

[Collection("Kvm")]
public sealed class VirtualMachineKvmTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly List<string> _files = [];

    public void Dispose()
    {
        foreach (var f in _files)
            File.Delete(f);
    }

    private string Kernel(byte[] image)
    {
        var path = KvmGuests.WriteTemp(image);
        _files.Add(path);
        return path;
    }

    [KvmFact]
    public void BasicGuestDoesPortStringAndMmioIoThenExits()
    {
        var devices = new TestGuestDevices();
        using var vm = new VirtualMachine(KvmGuests.Config(Kernel(KvmGuests.Basic())), devices.Hooks());
        var states = new List<VmState>();
        vm.StateChanged += (_, s) => { lock (states) states.Add(s); };

        vm.Start();
        Assert.True(vm.WaitForExit(Timeout, CancellationToken.None), $"state {vm.State}: {vm.FailureReason}");

        Assert.Equal(VmState.Stopped, vm.State);
        Assert.Null(vm.FailureReason);
        Assert.Equal(42, vm.ExitCode);
        Assert.Equal(["OK" + KvmGuests.RepMessage], [vm.Console.Text]);
        Assert.Equal([0x2BADB002u, 0x10000u, 0x12345678u], devices.Scratch);
        Assert.Equal(0x12345678u, BitConverter.ToUInt32(devices.MmioPage, 0x10));
        Assert.Equal([VmState.Starting, VmState.Running, VmState.Stopping, VmState.Stopped], states);
        Assert.Equal("probe=1", vm.EffectiveKernelArgs);
        Assert.NotEqual(CpuProfile.Auto, vm.EffectiveCpuProfile);
        var cpu = Assert.Single(vm.GetVcpus());
        Assert.True(cpu.IoExits >= 6, $"io exits {cpu.IoExits}");
        Assert.True(cpu.MmioExits >= 2, $"mmio exits {cpu.MmioExits}");
        Assert.True(vm.StopTime >= vm.StartTime);
    }

    [KvmFact]
    public void Long64EntryRunsWithRsiAndTheLoadersPageTables()
    {
        var devices = new TestGuestDevices();
        // mov eax, esi; out 0xF0, eax; mov rax, [0x100800]; out 0xF0, eax; mov al, 64; out 0xF4, al; hlt
        byte[] code = [0x89, 0xF0, 0xE7, 0xF0, 0x48, 0x8B, 0x04, 0x25, 0x00, 0x08, 0x10, 0x00, 0xE7, 0xF0, 0xB0, 64, 0xE6, 0xF4, 0xF4];
        var hooks = new MachineHooks
        {
            RegisterDevices = devices.Hooks().RegisterDevices,
            Load = memory =>
            {
                var entry = LongModeGuest.Load(memory, code);
                memory.Write<uint>(0x100800, 0x600D);
                return entry;
            },
        };
        using var vm = new VirtualMachine(KvmGuests.Config("unused"), hooks);
        vm.Start();
        Assert.True(vm.WaitForExit(Timeout, CancellationToken.None));
        Assert.True(vm.State == VmState.Stopped, vm.FailureReason);
        Assert.Equal(64, vm.ExitCode);
        Assert.Equal([(uint)LongModeGuest.ZeroPage, 0x600Du], devices.Scratch);
    }

    /// <summary>
    /// The standard wiring: COM1 output reaches the console log and the test device's exit port
    /// stops the VM. Until the device classes replace their contract stubs there is nothing to run.
    /// </summary>
    [KvmFact]
    public void StandardDevicesCarryConsoleOutputAndExit()
    {
        if (!LegacyDevicesImplemented())
            return;
        using var vm = new VirtualMachine(KvmGuests.Config(Kernel(KvmGuests.Basic())), new MachineHooks());
        vm.Start();
        Assert.True(vm.WaitForExit(Timeout, CancellationToken.None));
        Assert.True(vm.State == VmState.Stopped, vm.FailureReason);
        Assert.NotNull(vm.ExitCode);
        Assert.StartsWith("OK" + KvmGuests.RepMessage, vm.Console.Text);
    }

    internal static bool LegacyDevicesImplemented()
    {
        try
        {
            _ = new Engine.Devices.Legacy.Serial8250(new NullSink(), 4, _ => { });
            _ = new Engine.Devices.Legacy.I8042(() => { });
            _ = new Engine.Devices.Legacy.TestDevice(new NullSink(), _ => { }).Ports;
            return true;
        }
        catch (NotImplementedException)
        {
            return false;
        }
    }

    private sealed class NullSink : Engine.Interrupts.IInterruptSink
    {
        public void SignalMsi(ulong address, uint data) { }

        public void SetIrqLine(uint gsi, bool asserted) { }
    }

    [KvmFact]
    public void Int3AtCpl0RunsTheGuestsBreakpointHandler()
    {
        var devices = new TestGuestDevices();
        var modes = new List<bool>();
        using var vm = new VirtualMachine(KvmGuests.Config(Kernel(KvmGuests.Int3AtCpl0())),
            devices.Hooks((bytes, is64) => { lock (modes) modes.Add(is64); return KvmGuests.Int3Only(bytes, is64); }));
        vm.Start();
        Assert.True(vm.WaitForExit(Timeout, CancellationToken.None));
        Assert.True(vm.State == VmState.Stopped, vm.FailureReason);
        Assert.Equal(0, vm.ExitCode);
        // The handler ran once with the trap's return address (the byte after int3), then the guest went on.
        Assert.Equal([KvmGuests.Int3Address + 1, 0xB3B3u, 0xC0DEu], devices.Scratch);
        var fixups = vm.GetVcpus()[0].EmulationFixups;
        if (CpuidProfile.IsPvmHost())
        {
            Assert.Equal(1, fixups["Int3"]);
            Assert.Equal([false], modes); // a 32-bit guest: 0x40-0x4F are not REX prefixes
        }
        else
        {
            Assert.False(fixups.ContainsKey("Int3"));
        }
    }

    [KvmFact]
    public void FwaitIsSkippedAndStacClacSetAndClearAc()
    {
        if (!CpuidProfile.IsPvmHost())
            return; // with VT these run natively (or fault by the CPU's rules): nothing of PSVmm's to observe
        // fwait; stac; pushfd; pop eax; out 0xF0, eax; clac; pushfd; pop eax; out 0xF0, eax; mov al, 9; out 0xF4, al
        byte[] code = [0x9B, 0x0F, 0x01, 0xCB, 0x9C, 0x58, 0xE7, 0xF0, 0x0F, 0x01, 0xCA, 0x9C, 0x58, 0xE7, 0xF0, 0xB0, 9, 0xE6, 0xF4, 0xF4];
        var image = new MultibootImage().Put(MultibootImage.PayloadStart, Asm32.Concat(Asm32.MovEsp(0x90000), code)).Build(MultibootImage.PayloadStart);
        var devices = new TestGuestDevices();
        using var vm = new VirtualMachine(KvmGuests.Config(Kernel(image)), devices.Hooks(KvmGuests.FwaitStacClac));
        vm.Start();
        Assert.True(vm.WaitForExit(Timeout, CancellationToken.None));
        Assert.True(vm.State == VmState.Stopped, vm.FailureReason);
        Assert.Equal(9, vm.ExitCode);
        const uint ac = 1 << 18;
        Assert.Equal([ac, 0u], devices.Scratch.Select(f => f & ac));
        var fixups = vm.GetVcpus()[0].EmulationFixups;
        Assert.Equal(1, fixups["Fwait"]);
        Assert.Equal(1, fixups["Stac"]);
        Assert.Equal(1, fixups["Clac"]);
    }

    [KvmTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void UnhandledEmulationFailureFailsTheVmNamingRipAndBytes(bool readThroughTranslate)
    {
        var devices = new TestGuestDevices();
        var hooks = new MachineHooks
        {
            RegisterDevices = devices.Hooks().RegisterDevices,
            Decode = KvmGuests.Int3Only,
            IgnoreReportedInstructionBytes = readThroughTranslate,
        };
        using var vm = new VirtualMachine(KvmGuests.Config(Kernel(KvmGuests.PopcntAtCpl0())), hooks);
        vm.Start();
        Assert.True(vm.WaitForExit(Timeout, CancellationToken.None));
        if (!CpuidProfile.IsPvmHost())
        {
            // Hardware virtualization runs popcnt natively.
            Assert.Equal(VmState.Stopped, vm.State);
            Assert.Equal(7, vm.ExitCode);
            return;
        }
        Assert.Equal(VmState.Failed, vm.State);
        Assert.Null(vm.ExitCode);
        Assert.Contains("vCPU 0", vm.FailureReason);
        // Read from guest memory, the 15 bytes run on into the next instructions (mov al, 7; out 0xF4, al).
        Assert.Contains(readThroughTranslate ? "F30FB8C3B007E6F4" : "F30FB8C3", vm.FailureReason);
        Assert.Matches("RIP 0x1001[0-9a-f]{2}", vm.FailureReason);
        Assert.Contains(vm.FailureReason!, vm.Console.Text);
    }

    [KvmFact]
    public void MsiFromADeviceReachesTheGuestThroughAnIrqfdRoute()
    {
        var devices = new TestGuestDevices();
        using var vm = new VirtualMachine(KvmGuests.Config(Kernel(KvmGuests.MsiRoundTrip())), devices.Hooks(KvmGuests.Int3Only));
        vm.Start();
        Assert.True(vm.WaitForExit(Timeout, CancellationToken.None));
        Assert.True(vm.State == VmState.Stopped, vm.FailureReason);
        Assert.Equal(0, vm.ExitCode);
        Assert.Equal([0x515u], devices.Scratch);
        var sink = Assert.IsType<KvmInterruptSink>(devices.Machine!.Interrupts);
        Assert.Equal(0, sink.FallbackMsiCount);
        var route = Assert.Single(sink.RoutingTable.MsiRoutes);
        Assert.Equal(MemoryLayout.FirstMsiGsi, route.Key);
        Assert.Equal(MemoryLayout.LapicAddress, route.Value.Address);
        Assert.Equal(16 + 24 + 1, sink.RoutingTable.ToNative().Length);
    }

    [KvmFact]
    public void MsiWithoutARouteFallsBackToSignalMsi()
    {
        var devices = new TestGuestDevices { UseDirectMsi = true };
        using var vm = new VirtualMachine(KvmGuests.Config(Kernel(KvmGuests.MsiRoundTrip())), devices.Hooks(KvmGuests.Int3Only));
        vm.Start();
        Assert.True(vm.WaitForExit(Timeout, CancellationToken.None));
        Assert.True(vm.State == VmState.Stopped, vm.FailureReason);
        Assert.Equal([0x515u], devices.Scratch);
        Assert.Equal(1, devices.DirectSink!.FallbackMsiCount);
        Assert.Empty(devices.DirectSink.RoutingTable.MsiRoutes);
    }

    [KvmFact]
    public void IoeventfdsCatchGuestWritesWithoutAnExit()
    {
        var devices = new TestGuestDevices();
        KvmIoEventFd? mmio = null, pio = null, unmatched = null;
        int released = 0;
        var hooks = devices.Hooks(more: d =>
        {
            mmio = d.ReleaseAtTeardown(d.Vm.CreateIoEventFd(MemoryLayout.TestDeviceMmioAddress + 0x100, 4, pio: false));
            pio = d.ReleaseAtTeardown(d.Vm.CreateIoEventFd(0xF8, 1, pio: true, dataMatch: 2));
            unmatched = d.ReleaseAtTeardown(d.Vm.CreateIoEventFd(0xF9, 1, pio: true, dataMatch: 3));
            d.ReleaseAtTeardown(new Released(() => Interlocked.Increment(ref released)));
        });
        using var vm = new VirtualMachine(KvmGuests.Config(Kernel(KvmGuests.IoeventfdWrites())), hooks);
        vm.Start();
        Assert.True(vm.WaitForExit(Timeout, CancellationToken.None));
        Assert.Equal(5, vm.ExitCode);
        Assert.Equal(0, devices.MmioPage[0x100]);
        Assert.Equal(0, vm.GetVcpus()[0].MmioExits);
        Assert.Equal(1, released);
        // Released with the machine: the eventfds are closed.
        Assert.Equal(-1, mmio!.Fd);
        Assert.Equal(-1, pio!.Fd);
        Assert.Equal(-1, unmatched!.Fd);
    }

    [KvmFact]
    public void IoeventfdsWakeTheIoThreadForMatchingWritesOnly()
    {
        var devices = new TestGuestDevices();
        using var io = new IoThread("ioeventfds");
        int mmioCount = 0, pioCount = 0, unmatchedCount = 0;
        var hooks = devices.Hooks(more: d =>
        {
            var mmio = d.Vm.CreateIoEventFd(MemoryLayout.TestDeviceMmioAddress + 0x100, 4, pio: false);
            var pio = d.Vm.CreateIoEventFd(0xF8, 1, pio: true, dataMatch: 2);
            var unmatched = d.Vm.CreateIoEventFd(0xF8, 1, pio: true, dataMatch: 3);
            IDisposable[] sources =
            [
                io.AddEventFd(mmio.Fd, () => mmioCount++),
                io.AddEventFd(pio.Fd, () => pioCount++),
                io.AddEventFd(unmatched.Fd, () => unmatchedCount++),
            ];
            // Read the counts just before the machine releases them: the guest's writes signalled
            // the eventfds before it exited, so their handlers run before a later Invoke returns.
            d.ReleaseAtTeardown(new Released(() =>
            {
                io.Invoke(() => { });
                foreach (var source in sources)
                    source.Dispose();
                mmio.Dispose();
                pio.Dispose();
                unmatched.Dispose();
            }));
        });
        using var vm = new VirtualMachine(KvmGuests.Config(Kernel(KvmGuests.IoeventfdWrites())), hooks);
        vm.Start();
        Assert.True(vm.WaitForExit(Timeout, CancellationToken.None));
        Assert.Equal(5, vm.ExitCode);
        Assert.Equal((1, 1, 0), (mmioCount, pioCount, unmatchedCount));
    }

    [KvmFact]
    public void SeveralCpusAreCreatedAndTheBootCpuRuns()
    {
        foreach (int cpus in new[] { 2, 8 })
        {
            var devices = new TestGuestDevices();
            using var vm = new VirtualMachine(KvmGuests.Config(Kernel(KvmGuests.Basic()), cpus), devices.Hooks());
            vm.Start();
            Assert.True(vm.WaitForExit(Timeout, CancellationToken.None));
            Assert.Equal(42, vm.ExitCode);
            var vcpus = vm.GetVcpus();
            Assert.Equal(Enumerable.Range(0, cpus), vcpus.Select(v => v.Index));
            Assert.True(vcpus[0].IoExits > 0);
            Assert.All(vcpus.Skip(1), v => Assert.Equal(0, v.IoExits));
        }
    }

    [KvmFact]
    public void ApplicationProcessorsStartOnInitSipi()
    {
        const int cpus = 4;
        var devices = new TestGuestDevices();
        using var vm = new VirtualMachine(KvmGuests.Config(Kernel(KvmGuests.StartApplicationProcessors()), cpus), devices.Hooks());
        vm.Start();
        var deadline = DateTime.UtcNow + Timeout;
        while (devices.Scratch.Count < cpus - 1 && DateTime.UtcNow < deadline && vm.State == VmState.Running)
            Thread.Sleep(20);
        var vcpus = vm.GetVcpus();
        vm.TurnOff();
        Assert.True(vm.FailureReason is null, vm.FailureReason);
        Assert.Equal(Enumerable.Repeat(0xA9u, cpus - 1), devices.Scratch);
        Assert.All(vcpus.Skip(1), v => Assert.Equal(1, v.IoExits));
    }

    [KvmTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void TurnOffStopsASpinningOrHaltedGuestPromptly(bool halted)
    {
        var devices = new TestGuestDevices();
        var vm = new VirtualMachine(KvmGuests.Config(Kernel(KvmGuests.Spin(halted)), cpus: 2), devices.Hooks());
        vm.Start();
        Assert.False(vm.WaitForExit(TimeSpan.FromMilliseconds(300), CancellationToken.None));
        Assert.Equal(VmState.Running, vm.State);
        var watch = Stopwatch.StartNew();
        vm.TurnOff();
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"TurnOff took {watch.Elapsed}");
        Assert.Equal(VmState.Stopped, vm.State);
        Assert.Null(vm.ExitCode);
        Assert.True(vm.WaitForExit(TimeSpan.Zero, CancellationToken.None));
        vm.TurnOff();
        vm.Dispose();
        Assert.Equal(VmState.Stopped, vm.State);
    }

    [KvmFact]
    public void TurnOffFromAStateChangedHandlerStopsTheRun()
    {
        var devices = new TestGuestDevices();
        using var vm = new VirtualMachine(KvmGuests.Config(Kernel(KvmGuests.Spin(false)), cpus: 2), devices.Hooks());
        vm.StateChanged += (_, s) => { if (s == VmState.Running) vm.TurnOff(); };
        vm.Start();
        Assert.True(vm.WaitForExit(Timeout, CancellationToken.None));
        Assert.Equal(VmState.Stopped, vm.State);
        Assert.Null(vm.ExitCode);
    }

    [KvmFact]
    public void StartWhileRunningIsRefusedAndAStoppedVmStartsAgain()
    {
        var devices = new TestGuestDevices();
        using var vm = new VirtualMachine(KvmGuests.Config(Kernel(KvmGuests.Spin(false))), devices.Hooks());
        vm.Start();
        var ex = Assert.Throws<VmException>(vm.Start);
        Assert.Equal("VmAlreadyRunning", ex.ErrorId);
        vm.RequestShutdown();
        Assert.Equal(1, devices.ShutdownRequests);
        vm.TurnOff();
        Assert.Throws<VmException>(vm.RequestShutdown);
        vm.Start();
        Assert.Equal(VmState.Running, vm.State);
        vm.TurnOff();
        Assert.Equal(VmState.Stopped, vm.State);
    }

    [KvmFact]
    public void DisposeWaitsForTheVcpuThatFinishedTheRun()
    {
        var kernel = Kernel(KvmGuests.Basic());
        var devices = new TestGuestDevices();
        var vm = new VirtualMachine(KvmGuests.Config(kernel), devices.Hooks());
        bool handlerDone = false;
        vm.StateChanged += (_, state) =>
        {
            if (state != VmState.Stopped)
                return;
            Thread.Sleep(300); // the finishing vCPU thread is still busy after WaitForExit returned
            Volatile.Write(ref handlerDone, true);
        };
        vm.Start();
        Assert.True(vm.WaitForExit(Timeout, CancellationToken.None));
        vm.Dispose();
        Assert.True(Volatile.Read(ref handlerDone));
    }

    [KvmFact]
    public void ImageNoLoaderAcceptsFailsTheStartAndReleasesEverything()
    {
        int fds = VmResources.KvmFds();
        var devices = new TestGuestDevices();
        var bad = new MultibootImage().Build(0x5000); // entry outside the image
        using var vm = new VirtualMachine(KvmGuests.Config(Kernel(bad)), devices.Hooks());
        var ex = Assert.Throws<VmException>(vm.Start);
        Assert.Equal("InvalidKernelImage", ex.ErrorId);
        Assert.Equal(VmState.Failed, vm.State);
        Assert.Equal(fds, VmResources.KvmFds());
    }

    [KvmFact]
    public void FiftyStartStopCyclesLeakNoFdsThreadsOrMappings()
    {
        var kernel = Kernel(KvmGuests.Basic());
        void Cycle()
        {
            var devices = new TestGuestDevices();
            using var vm = new VirtualMachine(KvmGuests.Config(kernel, cpus: 2, memoryMB: 64), devices.Hooks());
            vm.Start();
            Assert.True(vm.WaitForExit(Timeout, CancellationToken.None));
            Assert.Equal(42, vm.ExitCode);
        }
        for (int i = 0; i < 3; i++)
            Cycle();
        // Count only what a VM holds (other test classes run in parallel in this process, and the
        // JIT adds mappings of its own): KVM fds, vCPU threads, and KVM or guest-RAM mappings.
        int fds = VmResources.KvmFds(), maps = VmResources.Mappings(64UL << 20);
        int threads = VmResources.Settled(VmResources.VcpuThreads, 0); // the last cycle's vCPU thread may still be in /proc
        for (int i = 0; i < 50; i++)
            Cycle();
        Assert.Equal(fds, VmResources.Settled(VmResources.KvmFds, fds));
        Assert.Equal(threads, VmResources.Settled(VmResources.VcpuThreads, threads));
        Assert.Equal(maps, VmResources.Settled(() => VmResources.Mappings(64UL << 20), maps));
    }

    private sealed class Released(Action onDispose) : IDisposable
    {
        public void Dispose() => onDispose();
    }

}
