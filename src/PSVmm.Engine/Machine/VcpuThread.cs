using System.Collections.Concurrent;
using PSVmm.Engine.Bus;
using PSVmm.Engine.Kvm;
using PSVmm.Engine.Kvm.Emulation;
using PSVmm.Engine.Kvm.Native;

namespace PSVmm.Engine.Machine;

/// <summary>
/// The thread that runs one vCPU: KVM_RUN in a loop, dispatching port I/O and MMIO exits to the
/// buses and turning every other exit into a machine stop. No exception leaves the thread.
/// </summary>
internal sealed unsafe class VcpuThread
{
    private readonly KvmVcpu _vcpu;
    private readonly IoBus _pio;
    private readonly IoBus _mmio;
    private readonly EmulationFailureHandler _emulation;
    private readonly Action<VcpuStopRequest> _stop;
    private readonly Action _exited;
    private readonly Thread _thread;
    private readonly object _kickLock = new();
    private readonly ConcurrentDictionary<string, long> _fixups = new();
    private int _tid;
    private bool _running;
    private volatile bool _stopRequested;
    private volatile string _state = "Created";
    private long _exits, _ioExits, _mmioExits;

    public VcpuThread(KvmVcpu vcpu, IoBus pio, IoBus mmio, EmulationFailureHandler emulation,
        Action<VcpuStopRequest> stop, Action exited, string vmName)
    {
        _vcpu = vcpu;
        _pio = pio;
        _mmio = mmio;
        _emulation = emulation;
        _stop = stop;
        _exited = exited;
        _thread = new Thread(Body, 1024 * 1024) { IsBackground = true, Name = $"{vmName} vCPU {vcpu.Index}" };
    }

    public int Index => _vcpu.Index;

    public Thread Thread => _thread;

    public void Start() => _thread.Start();

    /// <summary>Makes the thread leave KVM_RUN and its loop; safe from any thread, any number of times.</summary>
    public void RequestStop()
    {
        _stopRequested = true;
        lock (_kickLock)
        {
            if (!_running)
                return;
            _vcpu.SetImmediateExit(true);
            VcpuKick.Kick(_tid);
        }
    }

    public VcpuInfo Snapshot() => new(
        Index,
        _state,
        Interlocked.Read(ref _exits),
        Interlocked.Read(ref _ioExits),
        Interlocked.Read(ref _mmioExits),
        new Dictionary<string, long>(_fixups));

    private void Body()
    {
        try
        {
            VcpuKick.PrepareCurrentThread(_vcpu);
            lock (_kickLock)
            {
                _tid = VcpuKick.CurrentThreadId();
                _running = true;
            }
            _state = "Running";
            while (!_stopRequested)
            {
                if (_vcpu.RunOnce() != 0)
                {
                    VcpuKick.DrainPending();
                    continue;
                }
                Interlocked.Increment(ref _exits);
                var stop = HandleExit();
                if (stop is not null)
                {
                    _state = stop.FinalState == VmState.Failed ? "Failed" : "Stopped";
                    _stop(stop);
                    break;
                }
            }
            if (_state == "Running")
                _state = "Stopped";
        }
        catch (Exception e)
        {
            _state = "Failed";
            SafeStop(VcpuStopRequest.Failed($"vCPU {Index}: {e.GetType().Name}: {e.Message}"));
        }
        finally
        {
            lock (_kickLock)
                _running = false;
            try
            {
                _exited();
            }
            catch (Exception)
            {
                // The machine's own teardown records its failures; nothing may escape this thread.
            }
        }
    }

    private void SafeStop(VcpuStopRequest request)
    {
        try
        {
            _stop(request);
        }
        catch (Exception)
        {
        }
    }

    /// <summary>Handles one exit; a non-null result stops the machine.</summary>
    private VcpuStopRequest? HandleExit()
    {
        byte* run = _vcpu.Run;
        uint reason = *(uint*)(run + KvmRunLayout.ExitReason);
        switch (reason)
        {
            case KvmExit.Io:
                Interlocked.Increment(ref _ioExits);
                return HandleIo(run);
            case KvmExit.Mmio:
                Interlocked.Increment(ref _mmioExits);
                return HandleMmio(run);
            case KvmExit.Hlt:
                // Only without an in-kernel LAPIC does HLT reach userspace; give the CPU away and resume.
                Thread.Sleep(1);
                return null;
            case KvmExit.Intr:
            case KvmExit.IrqWindowOpen:
                return null;
            case KvmExit.Shutdown:
                return VcpuStopRequest.Failed($"vCPU {Index}: the guest shut down the CPU (triple fault) at RIP 0x{SafeRip():x}.");
            case KvmExit.SystemEvent:
                return HandleSystemEvent(run);
            case KvmExit.FailEntry:
                return VcpuStopRequest.Failed($"vCPU {Index}: KVM could not enter the guest (hardware entry failure reason 0x{*(ulong*)(run + KvmRunLayout.FailEntryReason):x}).");
            case KvmExit.InternalError:
                return HandleInternalError(run);
            default:
                return VcpuStopRequest.Failed($"vCPU {Index}: unexpected KVM exit reason {reason} at RIP 0x{SafeRip():x}.");
        }
    }

    // KVM_EXIT_IO: `count` accesses of `size` bytes each, data at kvm_run + data_offset (string I/O repeats).
    private VcpuStopRequest? HandleIo(byte* run)
    {
        byte direction = run[KvmRunLayout.IoDirection];
        int size = run[KvmRunLayout.IoSize];
        ushort port = *(ushort*)(run + KvmRunLayout.IoPort);
        uint count = *(uint*)(run + KvmRunLayout.IoCount);
        ulong offset = *(ulong*)(run + KvmRunLayout.IoDataOffset);
        if (size is not (1 or 2 or 4) || offset > _vcpu.RunSize || (ulong)count * (ulong)size > _vcpu.RunSize - offset)
            return VcpuStopRequest.Failed($"vCPU {Index}: malformed port I/O exit (port 0x{port:x}, size {size}, count {count}).");
        for (uint i = 0; i < count; i++)
        {
            var data = new Span<byte>(run + offset + i * (ulong)size, size);
            if (direction == KvmRunLayout.IoDirectionIn)
                _pio.Read(port, data);
            else
                _pio.Write(port, data);
            if (_stopRequested)
                break;
        }
        return null;
    }

    private VcpuStopRequest? HandleMmio(byte* run)
    {
        ulong address = *(ulong*)(run + KvmRunLayout.MmioPhysAddr);
        uint length = *(uint*)(run + KvmRunLayout.MmioLen);
        bool isWrite = run[KvmRunLayout.MmioIsWrite] != 0;
        if (length is 0 or > 8)
            return VcpuStopRequest.Failed($"vCPU {Index}: malformed MMIO exit (address 0x{address:x}, length {length}).");
        var data = new Span<byte>(run + KvmRunLayout.MmioData, (int)length);
        if (isWrite)
            _mmio.Write(address, data);
        else
            _mmio.Read(address, data);
        return null;
    }

    private VcpuStopRequest? HandleSystemEvent(byte* run)
    {
        uint type = *(uint*)(run + KvmRunLayout.SystemEventType);
        return type switch
        {
            KvmExit.SystemEventShutdown or KvmExit.SystemEventReset => new VcpuStopRequest(VmState.Stopped, null, null),
            KvmExit.SystemEventCrash => VcpuStopRequest.Failed($"vCPU {Index}: the guest reported a crash."),
            _ => VcpuStopRequest.Failed($"vCPU {Index}: unexpected system event {type}."),
        };
    }

    private VcpuStopRequest? HandleInternalError(byte* run)
    {
        uint suberror = *(uint*)(run + KvmRunLayout.InternalSuberror);
        if (suberror != KvmExit.InternalErrorEmulation)
            return VcpuStopRequest.Failed($"vCPU {Index}: KVM internal error {suberror} at RIP 0x{SafeRip():x}.");
        var outcome = _emulation.Handle(_vcpu);
        if (!outcome.IsHandled)
            return VcpuStopRequest.Failed(outcome.Failure!);
        _fixups.AddOrUpdate(outcome.Handled.ToString(), 1, (_, n) => n + 1);
        return null;
    }

    private ulong SafeRip()
    {
        try
        {
            return _vcpu.GetRegs().Rip;
        }
        catch (KvmException)
        {
            return 0;
        }
    }
}
