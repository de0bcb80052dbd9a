using System.Collections;
using System.Management.Automation;
using PSVmm.Model;

namespace PSVmm.Commands;

/// <summary>
/// Lets a VM object given where a name is expected (-Name $vm) stand for its name (VM names have no
/// wildcard characters, so the name means that one VM). Anything else passes unchanged.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class VmNameTransformationAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        object? unwrapped = inputData is PSObject pso ? pso.BaseObject : inputData;
        return unwrapped switch
        {
            Vm vm => vm.Name,
            string => inputData,
            IEnumerable items => items.Cast<object?>().Select(item => item is null ? null : Transform(engineIntrinsics, item)).ToArray(),
            _ => inputData,
        };
    }
}
