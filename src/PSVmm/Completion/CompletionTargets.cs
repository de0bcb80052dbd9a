using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using PSVmm.Engine.Machine;
using PSVmm.Session;

namespace PSVmm.Completion;

/// <summary>
/// The configurations a command line being completed works on: -Config, -Vm or -Name as typed so
/// far, or a variable piped into the command ($config | Set-VirtioBlkPci -Id &lt;Tab&gt;). Nothing is
/// run to find them: only variables are read and VMs looked up by name.
/// </summary>
internal static class CompletionTargets
{
    public static IEnumerable<VmConfig> Configs(CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        foreach (var value in Values(fakeBoundParameters, "Config").Concat(Values(fakeBoundParameters, "Vm")).Concat(PipedVariable(commandAst)))
        {
            switch (value)
            {
                case VmConfig config:
                    yield return config;
                    break;
                case Model.Vm vm:
                    yield return vm.Config;
                    break;
            }
        }

        foreach (var name in Values(fakeBoundParameters, "Name").OfType<string>())
        {
            var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
            foreach (var vm in VmRegistry.All().Where(vm => pattern.IsMatch(vm.Name)))
                yield return vm.Machine.Config;
        }
    }

    /// <summary>The text to insert for <paramref name="value"/>, quoted when PowerShell would read it otherwise.</summary>
    public static string Quote(string value) =>
        value.Any(c => char.IsWhiteSpace(c) || "'\"$`;,(){}[]&|<>#@".Contains(c)) ? "'" + value.Replace("'", "''") + "'" : value;

    private static IEnumerable<object?> Values(IDictionary bound, string parameter)
    {
        if (!bound.Contains(parameter))
            return [];
        return bound[parameter] switch
        {
            PSObject { BaseObject: var inner } when inner is not IEnumerable or string => [inner],
            IEnumerable items and not string => items.Cast<object?>().Select(v => v is PSObject p ? p.BaseObject : v),
            var single => [single is PSObject p ? p.BaseObject : single],
        };
    }

    private static IEnumerable<object?> PipedVariable(CommandAst commandAst)
    {
        if (commandAst.Parent is not PipelineAst pipeline)
            return [];
        int index = pipeline.PipelineElements.IndexOf(commandAst);
        if (index < 1 || pipeline.PipelineElements[index - 1] is not CommandExpressionAst { Expression: VariableExpressionAst variable })
            return [];
        var value = ScriptBlock.Create("$ExecutionContext.SessionState.PSVariable.GetValue($args[0])").Invoke(variable.VariablePath.UserPath);
        return value.Select(v => v?.BaseObject).SelectMany(v => v is IEnumerable items and not string ? items.Cast<object?>() : [v]);
    }
}
