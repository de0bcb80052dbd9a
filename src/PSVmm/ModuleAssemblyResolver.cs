using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace PSVmm;

/// <summary>
/// Lets the runtime find the module's RID-specific dependencies (Tmds.LibC ships only under
/// runtimes/linux-&lt;arch&gt;/lib/): a module is loaded without its deps.json, so nothing else
/// would look there and the first KVM call would fail with FileNotFoundException.
/// </summary>
internal static class ModuleAssemblyResolver
{
    private static readonly string ModuleDirectory = Path.GetDirectoryName(typeof(ModuleAssemblyResolver).Assembly.Location)!;
    private static int s_registered;

    public static void Register()
    {
        if (Interlocked.Exchange(ref s_registered, 1) == 0)
            AssemblyLoadContext.Default.Resolving += Resolve;
    }

    private static Assembly? Resolve(AssemblyLoadContext context, AssemblyName name)
    {
        if (name.Name is null)
            return null;
        foreach (var dir in CandidateDirectories())
        {
            var path = Path.Combine(dir, name.Name + ".dll");
            if (File.Exists(path))
                return context.LoadFromAssemblyPath(path);
        }
        return null;
    }

    private static IEnumerable<string> CandidateDirectories()
    {
        yield return ModuleDirectory;
        string? arch = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => "x64",
            Architecture.Arm64 => "arm64",
            Architecture.Arm => "arm",
            _ => null,
        };
        if (arch is null)
            yield break;
        var lib = Path.Combine(ModuleDirectory, "runtimes", "linux-" + arch, "lib");
        if (!Directory.Exists(lib))
            yield break;
        // Newest target framework first (net8.0 before netstandard2.0).
        foreach (var tfm in Directory.GetDirectories(lib).OrderByDescending(d => Path.GetFileName(d), StringComparer.Ordinal))
            yield return tfm;
    }
}
