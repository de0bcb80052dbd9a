using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using PSVmm.Commands;

namespace PSVmm.Completion;

/// <summary>
/// Tab completion for Wait-Vm -For: each condition once. PowerShell's own enum completion lists
/// every name of every value, so Exit would come twice (Shutdown is another name for it).
/// </summary>
public sealed class WaitConditionCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var typed = (wordToComplete ?? "").Trim('\'', '"');
        var pattern = new WildcardPattern(typed + "*", WildcardOptions.IgnoreCase);
        (string Name, string Tip)[] conditions =
        [
            (nameof(WaitVmCondition.ConsolePattern), "The console output matches -Pattern"),
            (nameof(WaitVmCondition.Exit), "The VM is Stopped or Failed (also named Shutdown)"),
        ];
        foreach (var (name, tip) in conditions)
        {
            if (pattern.IsMatch(name))
                yield return new CompletionResult(name, name, CompletionResultType.ParameterValue, tip);
        }
        if (!pattern.IsMatch(nameof(WaitVmCondition.Exit)) && pattern.IsMatch(nameof(WaitVmCondition.Shutdown)))
            yield return new CompletionResult(nameof(WaitVmCondition.Shutdown), nameof(WaitVmCondition.Shutdown), CompletionResultType.ParameterValue, "Another name for Exit");
    }
}
