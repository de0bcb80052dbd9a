using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PSVmm.Engine.Kvm.Native;
using Tmds.Linux;

namespace PSVmm.Engine.Kvm;

/// <summary>
/// Kicks a vCPU thread out of KVM_RUN with a real-time signal (api.rst KVM_RUN, immediate_exit,
/// KVM_SET_SIGNAL_MASK). The signal stays blocked on the vCPU thread except while it is inside
/// KVM_RUN (KVM_SET_SIGNAL_MASK), so it only ever interrupts KVM_RUN and no handler runs while the
/// thread executes managed code. A pending kick is consumed with sigtimedwait. The handler, an
/// empty function installed without SA_RESTART, exists so that a stray delivery cannot kill the
/// process with the default action.
/// </summary>
internal static unsafe class VcpuKick
{
    private const int SysGettid = 186;
    private const int SysTgkill = 234;
    private static readonly object Gate = new();
    private static int _signal;

    /// <summary>The signal used for kicks; chosen once per process among real-time signals nobody handles yet.</summary>
    public static int Signal
    {
        get
        {
            lock (Gate)
            {
                if (_signal == 0)
                    _signal = Install();
                return _signal;
            }
        }
    }

    /// <summary>The kernel thread id of the calling thread.</summary>
    public static int CurrentThreadId() => (int)(long)LibC.syscall(SysGettid);

    /// <summary>
    /// Blocks the kick signal on the calling thread and gives <paramref name="vcpu"/> a KVM_RUN
    /// signal mask equal to the thread's mask without it. Call on the vCPU thread before KVM_RUN.
    /// </summary>
    public static void PrepareCurrentThread(KvmVcpu vcpu)
    {
        int signal = Signal;
        sigset_t block, old;
        LibC.sigemptyset(&block);
        LibC.sigaddset(&block, signal);
        if (LibC.pthread_sigmask(LibC.SIG_BLOCK, &block, &old) != 0)
            throw new KvmException("pthread_sigmask", LibC.errno);
        // glibc's sigset_t starts with the kernel's 64-bit mask: bit n-1 is signal n.
        ulong kernelMask = *(ulong*)&old & ~(1UL << (signal - 1));
        vcpu.SetSignalMask(kernelMask);
    }

    /// <summary>Consumes a pending kick on the calling thread (after KVM_RUN returned EINTR).</summary>
    public static void DrainPending()
    {
        sigset_t set;
        LibC.sigemptyset(&set);
        LibC.sigaddset(&set, Signal);
        var zero = new timespec();
        while (LibC.sigtimedwait(&set, null, &zero) > 0)
        {
        }
    }

    /// <summary>Sends the kick to thread <paramref name="tid"/> of this process.</summary>
    public static void Kick(int tid)
    {
        int pid = LibC.getpid();
        LibC.syscall(SysTgkill, pid, tid, Signal);
    }

    private static int Install()
    {
        for (int signal = LibC.SIGRTMIN + 4; signal < LibC.SIGRTMAX; signal++)
        {
            sigaction current;
            if (LibC.sigaction(signal, null, &current) != 0 || current.sa_handler != LibC.SIG_DFL)
                continue;
            sigaction action = default;
            action.sa_handler = (void*)(delegate* unmanaged[Cdecl]<int, void>)&OnSignal;
            action.sa_flags = 0; // no SA_RESTART: KVM_RUN must return EINTR.
            LibC.sigemptyset(&action.sa_mask);
            if (LibC.sigaction(signal, &action, null) == 0)
                return signal;
        }
        throw new KvmException("no free real-time signal for vCPU kicks", 0);
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnSignal(int signal)
    {
    }
}
