using PSVmm.Engine.Machine;

namespace PSVmm.Model;

/// <summary>
/// One vCPU's counters as Get-VmVcpu writes them: exits by kind and the instructions PSVmm ran
/// for the guest when KVM's emulator refused them (PVM hosts: int3, fwait, clac, stac).
/// A stopped VM reports its last run.
/// </summary>
public sealed class VmVcpu
{
    internal VmVcpu(string vmName, VcpuInfo info)
    {
        VmName = vmName;
        Index = info.Index;
        State = info.State;
        Exits = info.Exits;
        IoExits = info.IoExits;
        MmioExits = info.MmioExits;
        EmulationFixups = info.EmulationFixups;
        Int3 = info.EmulationFixups.GetValueOrDefault("Int3");
        Fwait = info.EmulationFixups.GetValueOrDefault("Fwait");
        Clac = info.EmulationFixups.GetValueOrDefault("Clac");
        Stac = info.EmulationFixups.GetValueOrDefault("Stac");
    }

    public string VmName { get; }
    public int Index { get; }
    public string State { get; }
    public long Exits { get; }
    public long IoExits { get; }
    public long MmioExits { get; }
    /// <summary>int3 instructions turned into #BP for the guest's own handler.</summary>
    public long Int3 { get; }
    /// <summary>fwait instructions skipped.</summary>
    public long Fwait { get; }
    public long Clac { get; }
    public long Stac { get; }
    /// <summary>Every kind of fix-up by name.</summary>
    public IReadOnlyDictionary<string, long> EmulationFixups { get; }
}
