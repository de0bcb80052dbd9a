using System.Globalization;
using System.Text.RegularExpressions;

namespace PSVmm.Model;

/// <summary>PCI addresses as users write them: "00:05.0", "0000:00:05.0", "5", "5.1", "0x1f" (hexadecimal, as lspci and QEMU's addr= use).</summary>
public static partial class PciAddressText
{
    [GeneratedRegex(@"^\s*(?:(?<domain>[0-9a-fA-F]{1,4}):(?=[0-9a-fA-F]{1,2}:))?(?:(?<bus>[0-9a-fA-F]{1,2}):)?(?:0[xX])?(?<slot>[0-9a-fA-F]{1,2})(?:\.(?<function>[0-9]))?\s*$")]
    private static partial Regex Pattern();

    /// <summary>
    /// Parses <paramref name="text"/> into a slot and function of bus 0. False with a reason when the
    /// text is not an address or names another bus or segment; the ranges (slot 1-31, function 0-7)
    /// are the validator's to check.
    /// </summary>
    public static bool TryParse(string? text, out int slot, out int function, out string? problem)
    {
        slot = 0;
        function = 0;
        problem = null;
        var match = Pattern().Match(text ?? "");
        if (!match.Success)
        {
            problem = $"'{text}' is not a PCI address. Write it as slot.function in hexadecimal, e.g. '00:05.0', '5' or '5.1'.";
            return false;
        }
        if (match.Groups["domain"].Success && Hex(match.Groups["domain"].Value) != 0
            || match.Groups["bus"].Success && Hex(match.Groups["bus"].Value) != 0)
        {
            problem = $"'{text}' is not on bus 0: PSVmm puts every device on PCI bus 0 of segment 0.";
            return false;
        }
        slot = Hex(match.Groups["slot"].Value);
        function = match.Groups["function"].Success ? int.Parse(match.Groups["function"].Value, CultureInfo.InvariantCulture) : 0;
        return true;
    }

    private static int Hex(string digits) => int.Parse(digits, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
