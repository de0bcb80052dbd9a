using System.Reflection;

namespace PSVmm.Tests.Architecture;

/// <summary>Where the built assemblies and sources the architecture tests read are.</summary>
internal static class EngineAssemblies
{
    public const string EngineRoot = "PSVmm.Engine";

    public static Assembly Engine => typeof(PSVmm.Engine.Machine.VirtualMachine).Assembly;

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string EngineSourceFolder => Path.Combine(RepositoryRoot, "src", "PSVmm.Engine");

    /// <summary>The cmdlet assembly, built beside the engine in the same configuration (the test project does not load it: it needs PowerShell).</summary>
    public static string CmdletAssemblyPath
    {
        get
        {
            string configuration = Engine.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
            string framework = new DirectoryInfo(Path.GetDirectoryName(Engine.Location)!).Name;
            return Path.Combine(RepositoryRoot, "src", "PSVmm", "bin", configuration, framework, "PSVmm.dll");
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PSVmm.sln")))
                return dir.FullName;
        }
        throw new DirectoryNotFoundException($"No PSVmm.sln above {AppContext.BaseDirectory}.");
    }
}
