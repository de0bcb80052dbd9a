namespace PSVmm.Tests.Machine;

/// <summary>What running VMs hold in this process, read from /proc/self: for leak tests that must not be disturbed by unrelated tests running in parallel.</summary>
internal static class VmResources
{
    /// <summary>Open fds on /dev/kvm or KVM anonymous inodes (kvm-vm, kvm-vcpu:N).</summary>
    public static int KvmFds() => Directory.GetFiles("/proc/self/fd").Count(fd =>
    {
        try { return (new FileInfo(fd).LinkTarget ?? "").Contains("kvm", StringComparison.Ordinal); }
        catch (IOException) { return false; }
    });

    /// <summary>vCPU threads: their names start with "vCPU" (comm keeps the first 15 characters).</summary>
    public static int VcpuThreads() => Directory.GetDirectories("/proc/self/task").Count(task =>
    {
        try { return File.ReadAllText(Path.Combine(task, "comm")).StartsWith("vCPU", StringComparison.Ordinal); }
        catch (IOException) { return false; }
    });

    /// <summary>Mappings of KVM objects (kvm_run pages) plus anonymous mappings exactly <paramref name="ramBytes"/> long (guest RAM).</summary>
    public static int Mappings(ulong ramBytes) => File.ReadLines("/proc/self/maps").Count(line =>
    {
        if (line.Contains("kvm", StringComparison.Ordinal))
            return true;
        var range = line.Split(' ', 2)[0].Split('-');
        ulong start = Convert.ToUInt64(range[0], 16), end = Convert.ToUInt64(range[1], 16);
        return end - start == ramBytes;
    });

    /// <summary>
    /// The count once it is back at <paramref name="expected"/>, or after 5 s: a thread Join has
    /// returned for may still be in /proc for a moment while the kernel tears it down.
    /// </summary>
    public static int Settled(Func<int> count, int expected)
    {
        var deadline = Environment.TickCount64 + 5000;
        int now;
        while ((now = count()) != expected && Environment.TickCount64 < deadline)
            Thread.Sleep(20);
        return now;
    }
}
