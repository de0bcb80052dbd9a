using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace PSVmm.Completion;

/// <summary>Tab completion for a disk -Id: the disk ids of the configurations or VMs the command works on.</summary>
public sealed class DiskIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var pattern = new WildcardPattern((wordToComplete ?? "").Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var config in CompletionTargets.Configs(commandAst, fakeBoundParameters))
        {
            foreach (var disk in config.BlockDevices.Where(d => d?.Disk is not null && pattern.IsMatch(d.Id) && seen.Add(d.Id)))
                yield return new CompletionResult(CompletionTargets.Quote(disk.Id), disk.Id, CompletionResultType.ParameterValue, $"{disk.Id}: {disk.Disk.Path}");
        }
    }
}
