using System.Text.RegularExpressions;
using Mono.Cecil;
using Mono.Cecil.Cil;

namespace PSVmm.Tests.Architecture;

/// <summary>
/// Which engine namespace uses which, from two sources: every type the compiled code references
/// (signatures, fields, locals, calls, casts), and every <c>using</c> directive and qualified
/// name in the sources, which also catches constants (the compiler inlines them, so the IL does
/// not name their type).
/// </summary>
internal sealed partial class NamespaceGraph
{
    private readonly Dictionary<string, Dictionary<string, SortedSet<string>>> _edges = new(StringComparer.Ordinal);

    public IEnumerable<string> Namespaces => _edges.Keys.Concat(_edges.Values.SelectMany(e => e.Keys)).Distinct().Order(StringComparer.Ordinal);

    /// <summary>Namespaces <paramref name="from"/> uses, each with the evidence ("Type -> Type" or "file: using").</summary>
    public IReadOnlyDictionary<string, SortedSet<string>> UsesOf(string from) =>
        _edges.TryGetValue(from, out var uses) ? uses : new Dictionary<string, SortedSet<string>>();

    public static NamespaceGraph Build(string assemblyPath, string sourceFolder, string root)
    {
        var graph = new NamespaceGraph();
        graph.AddCompiledReferences(assemblyPath, root);
        graph.AddSourceReferences(sourceFolder, root);
        return graph;
    }

    /// <summary>Every set of namespaces that reach each other (strongly connected components of more than one).</summary>
    public IReadOnlyList<IReadOnlyList<string>> Cycles()
    {
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var onStack = new HashSet<string>();
        var cycles = new List<IReadOnlyList<string>>();
        int next = 0;

        void Visit(string v)
        {
            index[v] = low[v] = next++;
            stack.Push(v);
            onStack.Add(v);
            foreach (var w in UsesOf(v).Keys)
            {
                if (!index.ContainsKey(w))
                {
                    Visit(w);
                    low[v] = Math.Min(low[v], low[w]);
                }
                else if (onStack.Contains(w))
                {
                    low[v] = Math.Min(low[v], index[w]);
                }
            }
            if (low[v] != index[v])
                return;
            var component = new List<string>();
            string member;
            do
            {
                member = stack.Pop();
                onStack.Remove(member);
                component.Add(member);
            } while (member != v);
            if (component.Count > 1)
                cycles.Add(component.Order(StringComparer.Ordinal).ToList());
        }

        foreach (var n in Namespaces)
        {
            if (!index.ContainsKey(n))
                Visit(n);
        }

        return cycles;
    }

    private void Add(string from, string to, string evidence)
    {
        if (from == to)
            return;
        if (!_edges.TryGetValue(from, out var uses))
            _edges[from] = uses = new(StringComparer.Ordinal);
        if (!uses.TryGetValue(to, out var why))
            uses[to] = why = new(StringComparer.Ordinal);
        why.Add(evidence);
    }

    // ---- compiled references ------------------------------------------------------------

    private void AddCompiledReferences(string assemblyPath, string root)
    {
        using var assembly = AssemblyDefinition.ReadAssembly(assemblyPath);
        foreach (var type in assembly.MainModule.GetTypes())
        {
            void Use(TypeReference? target) => AddTypeUse(type, target, root);
            Use(type.BaseType);
            foreach (var i in type.Interfaces)
                Use(i.InterfaceType);
            foreach (var f in type.Fields)
                Use(f.FieldType);
            foreach (var p in type.Properties)
                Use(p.PropertyType);
            foreach (var e in type.Events)
                Use(e.EventType);
            foreach (var m in type.Methods)
            {
                Use(m.ReturnType);
                foreach (var p in m.Parameters)
                    Use(p.ParameterType);
                if (!m.HasBody)
                    continue;
                foreach (var v in m.Body.Variables)
                    Use(v.VariableType);
                foreach (var instruction in m.Body.Instructions)
                    UseOperand(instruction, Use);
            }
        }
    }

    private static void UseOperand(Instruction instruction, Action<TypeReference?> use)
    {
        switch (instruction.Operand)
        {
            case TypeReference t:
                use(t);
                break;
            case MethodReference m:
                use(m.DeclaringType);
                use(m.ReturnType);
                foreach (var p in m.Parameters)
                    use(p.ParameterType);
                break;
            case FieldReference f:
                use(f.DeclaringType);
                use(f.FieldType);
                break;
        }
    }

    private void AddTypeUse(TypeDefinition from, TypeReference? target, string root)
    {
        switch (target)
        {
            case null or GenericParameter:
                return;
            case GenericInstanceType generic:
                foreach (var argument in generic.GenericArguments)
                    AddTypeUse(from, argument, root);
                AddTypeUse(from, generic.ElementType, root);
                return;
            case TypeSpecification specification:
                AddTypeUse(from, specification.ElementType, root);
                return;
        }
        var source = Outermost(from);
        var used = Outermost(target);
        if (IsUnder(source.Namespace, root) && IsUnder(used.Namespace, root))
            Add(source.Namespace, used.Namespace, $"{source.Name} -> {used.Name}");
    }

    private static TypeReference Outermost(TypeReference type)
    {
        while (type.DeclaringType is not null)
            type = type.DeclaringType;
        return type;
    }

    // ---- source references --------------------------------------------------------------

    [GeneratedRegex(@"^namespace\s+([\w.]+)\s*;", RegexOptions.Multiline)]
    private static partial Regex FileNamespace();

    [GeneratedRegex(@"^\s*using\s+(?:static\s+)?(?:\w+\s*=\s*)?([\w.]+)\s*;", RegexOptions.Multiline)]
    private static partial Regex UsingDirective();

    private void AddSourceReferences(string folder, string root)
    {
        foreach (var file in Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories))
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") || file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
                continue;
            string text = File.ReadAllText(file);
            var declared = FileNamespace().Match(text);
            if (!declared.Success || !IsUnder(declared.Groups[1].Value, root))
                continue;
            string name = Path.GetRelativePath(folder, file);
            foreach (Match u in UsingDirective().Matches(text))
            {
                string used = u.Groups[1].Value;
                // `using static PSVmm.Engine.X.Type;` names a type: its namespace is the part before it.
                if (u.Value.Contains("static") && used.LastIndexOf('.') is var dot and > 0)
                    used = used[..dot];
                if (IsUnder(used, root))
                    Add(declared.Groups[1].Value, used, $"{name}: using {used}");
            }
        }
    }

    private static bool IsUnder(string ns, string root) =>
        ns == root || ns.StartsWith(root + ".", StringComparison.Ordinal);
}
