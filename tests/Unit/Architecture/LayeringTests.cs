using System.Text;
using NetArchTest.Rules;
using Xunit;

namespace PSVmm.Tests.Architecture;

/// <summary>
/// The engine's dependency direction as docs/architecture.md draws it: each layer uses only the
/// layers below it (and its own), no two namespaces use each other, the devices never reach the
/// hypervisor or the machine, and the cmdlets see the engine only through the machine, its
/// configuration and immutable snapshots.
/// </summary>
public sealed class LayeringTests
{
    /// <summary>Bottom first. A namespace belongs to the first entry it starts with.</summary>
    private static readonly string[][] Layers =
    [
        ["Native"],
        ["Memory", "Bus", "Interrupts", "Platform", "IoThreads"],
        ["Pci", "Boot"],
        ["Virtio"],
        ["Devices"],
        ["Kvm"],
        ["Machine"],
        ["Qemu"],
    ];

    private static readonly Lazy<NamespaceGraph> Graph = new(() =>
        NamespaceGraph.Build(EngineAssemblies.Engine.Location, EngineAssemblies.EngineSourceFolder, EngineAssemblies.EngineRoot));

    [Fact]
    public void EngineNamespacesFormNoCycle()
    {
        var cycles = Graph.Value.Cycles();
        Assert.True(cycles.Count == 0, "Namespaces that use each other:\n" + string.Join("\n", cycles.Select(Explain)));
    }

    [Fact]
    public void EveryEngineNamespaceHasALayer()
    {
        var orphans = Graph.Value.Namespaces.Where(n => n != EngineAssemblies.EngineRoot && LayerOf(n) < 0).ToList();
        Assert.True(orphans.Count == 0, "Give these namespaces a layer in docs/architecture.md and here: " + string.Join(", ", orphans));
    }

    [Fact]
    public void EachLayerUsesOnlyTheLayersBelowIt()
    {
        var upward = new StringBuilder();
        foreach (var from in Graph.Value.Namespaces)
        {
            foreach (var (to, evidence) in Graph.Value.UsesOf(from))
            {
                if (LayerOf(to) > LayerOf(from))
                    upward.AppendLine($"{from} -> {to}: {string.Join("; ", evidence.Take(4))}");
            }
        }
        Assert.True(upward.Length == 0, "Uses of a higher layer:\n" + upward);
    }

    [Theory]
    [InlineData("Virtio")]
    [InlineData("Pci")]
    [InlineData("Devices")]
    public void DeviceModelNeverReferencesKvmOrMachine(string layer)
    {
        var result = Types.InAssembly(EngineAssemblies.Engine).That().ResideInNamespace($"PSVmm.Engine.{layer}")
            .ShouldNot().HaveDependencyOnAny("PSVmm.Engine.Kvm", "PSVmm.Engine.Machine").GetResult();
        Assert.True(result.IsSuccessful, Failing(result));
        Assert.Empty(SourceUses(layer, "Kvm", "Machine"));
    }

    [Fact]
    public void MemoryReferencesNothingAboveIt()
    {
        string[] above = ["Bus", "Interrupts", "Platform", "IoThreads", "Pci", "Boot", "Virtio", "Devices", "Kvm", "Machine"];
        var result = Types.InAssembly(EngineAssemblies.Engine).That().ResideInNamespace("PSVmm.Engine.Memory")
            .ShouldNot().HaveDependencyOnAny(above.Select(a => $"PSVmm.Engine.{a}").ToArray()).GetResult();
        Assert.True(result.IsSuccessful, Failing(result));
        Assert.Empty(SourceUses("Memory", above));
    }

    [Fact]
    public void EngineNeverReferencesPowerShell()
    {
        Assert.DoesNotContain(EngineAssemblies.Engine.GetReferencedAssemblies(), a => a.Name!.StartsWith("System.Management.Automation", StringComparison.Ordinal));
        var result = Types.InAssembly(EngineAssemblies.Engine).ShouldNot().HaveDependencyOn("System.Management.Automation").GetResult();
        Assert.True(result.IsSuccessful, Failing(result));
    }

    /// <summary>
    /// Cmdlets hold no device logic: of the engine they name only the machine and its
    /// configuration (Machine, Platform, and Qemu, which converts configurations to and from
    /// QEMU command lines) and plain data: enums, records, value types, exceptions
    /// and static tables (feature names). No device, transport, queue, bus, backend, KVM or
    /// memory object.
    /// </summary>
    [Fact]
    public void CmdletsUseOnlyTheMachineAndPlainData()
    {
        using var cmdlets = Mono.Cecil.AssemblyDefinition.ReadAssembly(EngineAssemblies.CmdletAssemblyPath);
        var engine = EngineAssemblies.Engine;
        var offending = cmdlets.MainModule.GetTypeReferences()
            .Where(r => r.Namespace.StartsWith(EngineAssemblies.EngineRoot + ".", StringComparison.Ordinal))
            .Select(r => engine.GetType(r.FullName.Replace('/', '+'), throwOnError: true)!)
            .Where(t => !IsMachineFacing(t) && !IsPlainData(t))
            .Select(t => t.FullName)
            .Distinct()
            .Order()
            .ToList();
        Assert.True(offending.Count == 0, "The cmdlets reach into the device model through: " + string.Join(", ", offending));
    }

    private static bool IsMachineFacing(Type t) =>
        t.Namespace is "PSVmm.Engine.Machine" or "PSVmm.Engine.Platform" or "PSVmm.Engine.Qemu";

    private static bool IsPlainData(Type t) =>
        t.IsEnum || t.IsValueType || typeof(Exception).IsAssignableFrom(t)
        || t.GetMethod("<Clone>$") is not null                 // a record
        || t.IsAbstract && t.IsSealed;                          // a static table

    private static int LayerOf(string ns)
    {
        string relative = ns.StartsWith(EngineAssemblies.EngineRoot + ".", StringComparison.Ordinal) ? ns[(EngineAssemblies.EngineRoot.Length + 1)..] : ns;
        string top = relative.Split('.')[0];
        for (int i = 0; i < Layers.Length; i++)
        {
            if (Layers[i].Contains(top))
                return i;
        }
        return -1;
    }

    private static List<string> SourceUses(string layer, params string[] forbidden) =>
        Graph.Value.Namespaces
            .Where(n => n.StartsWith($"PSVmm.Engine.{layer}", StringComparison.Ordinal))
            .SelectMany(n => Graph.Value.UsesOf(n).Where(u => forbidden.Any(f => u.Key.StartsWith($"PSVmm.Engine.{f}", StringComparison.Ordinal)))
                .Select(u => $"{n} -> {u.Key}: {string.Join("; ", u.Value.Take(4))}"))
            .ToList();

    private static string Explain(IReadOnlyList<string> cycle) =>
        string.Join("\n", cycle.SelectMany(from => Graph.Value.UsesOf(from).Where(u => cycle.Contains(u.Key))
            .Select(u => $"  {from} -> {u.Key}: {string.Join("; ", u.Value.Take(4))}")));

    private static string Failing(TestResult result) =>
        "Offending types: " + string.Join(", ", result.FailingTypeNames ?? []);
}
