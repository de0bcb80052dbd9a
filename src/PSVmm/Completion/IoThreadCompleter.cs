using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace PSVmm.Completion;

/// <summary>Tab completion for -IoThread: the IoThread names the disks of the configurations or VMs the command works on already use.</summary>
public sealed class IoThreadCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var pattern = new WildcardPattern((wordToComplete ?? "").Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
        return CompletionTargets.Configs(commandAst, fakeBoundParameters)
            .SelectMany(config => config.BlockDevices)
            .Select(disk => disk?.Disk?.IoThread)
            .OfType<string>()
            .Where(pattern.IsMatch)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .Select(name => new CompletionResult(CompletionTargets.Quote(name), name, CompletionResultType.ParameterValue, $"IoThread '{name}'"));
    }
}
