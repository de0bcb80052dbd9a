using System.Management.Automation;
using PSVmm.Model;
using PSVmm.Session;

namespace PSVmm;

/// <summary>
/// What importing the module sets up, once per process: the resolver for its RID-specific
/// dependencies, enum names in ConvertTo-Json, and the shutdown of running VMs when pwsh exits.
/// (The assembly stays loaded after Remove-Module, so all of this stays too.)
/// </summary>
public sealed class ModuleLifecycle : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    public void OnImport()
    {
        ModuleAssemblyResolver.Register();
        JsonEnumNames.Install();
        ExitShutdown.HookProcessExit();
    }

    /// <summary>
    /// Import-Module -Force removes the module before it imports it again, and the VMs must survive
    /// that (VmRegistry), so removing the module does not stop them: it says that they still run.
    /// </summary>
    public void OnRemove(PSModuleInfo psModuleInfo) => ExitShutdown.WarnStillRunning(Console.Error);
}
