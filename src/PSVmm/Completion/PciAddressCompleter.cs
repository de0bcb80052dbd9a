using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using PSVmm.Engine.Machine;

namespace PSVmm.Completion;

/// <summary>
/// Tab completion for -PciAddress: the slots of PCI bus 0 (00:01.0 to 00:1f.0) that no disk of the
/// configurations or VMs the command works on takes, counting the slot each disk without an
/// address will get at start (disks take the first free slot in their order).
/// </summary>
public sealed class PciAddressCompleter : IArgumentCompleter
{
    private const int FirstSlot = 1;
    private const int LastSlot = 0x1f;

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var typed = (wordToComplete ?? "").Trim('\'', '"');
        var used = new HashSet<int>();
        foreach (var config in CompletionTargets.Configs(commandAst, fakeBoundParameters))
            used.UnionWith(UsedSlots(config));

        for (int slot = FirstSlot; slot <= LastSlot; slot++)
        {
            string text = $"00:{slot:x2}.0";
            if (!used.Contains(slot) && text.StartsWith(typed, StringComparison.OrdinalIgnoreCase))
                yield return new CompletionResult(text, text, CompletionResultType.ParameterValue, $"slot {slot} (0x{slot:x2}), function 0: free");
        }
    }

    private static HashSet<int> UsedSlots(VmConfig config)
    {
        var used = new HashSet<int>();
        foreach (var disk in config.BlockDevices.Where(d => d is not null))
        {
            if (disk.Slot is int slot)
                used.Add(slot);
            else if (Enumerable.Range(FirstSlot, LastSlot).FirstOrDefault(s => !used.Contains(s)) is int free and > 0)
                used.Add(free);
        }
        return used;
    }
}
