using System.Management.Automation;

namespace PSVmm.Commands;

/// <summary>
/// Lets Wait-Vm -For take Shutdown, the name the Hyper-V habit suggests, for Exit. It is not a
/// second enum name: PowerShell's tab completion would then offer Exit twice.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class WaitConditionNameAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData) =>
        (inputData is PSObject pso ? pso.BaseObject : inputData) is string name && name.Trim().Equals("Shutdown", StringComparison.OrdinalIgnoreCase)
            ? WaitVmCondition.Exit
            : inputData;
}
