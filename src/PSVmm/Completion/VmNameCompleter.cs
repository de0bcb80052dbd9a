using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using PSVmm.Session;

namespace PSVmm.Completion;

/// <summary>Tab completion for -Name: the names of the VMs in this session.</summary>
public sealed class VmNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var typed = (wordToComplete ?? "").Trim('\'', '"');
        var pattern = new WildcardPattern(typed + "*", WildcardOptions.IgnoreCase);
        foreach (var vm in VmRegistry.All())
        {
            if (!pattern.IsMatch(vm.Name))
                continue;
            yield return new CompletionResult(CompletionTargets.Quote(vm.Name), vm.Name, CompletionResultType.ParameterValue, $"{vm.Name} ({vm.Machine.State})");
        }
    }
}
