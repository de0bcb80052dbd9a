using System.Globalization;
using PSVmm.Engine.Machine;

namespace PSVmm.Engine.Qemu;

/// <summary>Values as QEMU reads them: booleans, integers (decimal or 0x hex), sizes with suffixes, PCI slot.function.</summary>
public static class QemuValues
{
    /// <summary>on/yes/true/y and off/no/false/n, in any case (QEMU's qapi_bool_parse).</summary>
    public static bool Bool(string option, string key, string value) => value.ToLowerInvariant() switch
    {
        "on" or "yes" or "true" or "y" => true,
        "off" or "no" or "false" or "n" => false,
        _ => throw Invalid(option, key, value, "is not a boolean; write on or off (yes/no and true/false work too)"),
    };

    public static int Int(string option, string key, string value)
    {
        bool hex = value.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
        if (int.TryParse(hex ? value[2..] : value, hex ? NumberStyles.AllowHexSpecifier : NumberStyles.None, CultureInfo.InvariantCulture, out int n))
            return n;
        throw Invalid(option, key, value, "is not a whole number");
    }

    /// <summary>A non-negative rate or length (throttling.*): decimal, fractions allowed.</summary>
    public static double Number(string option, string key, string value)
    {
        if (double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double n) && double.IsFinite(n))
            return n;
        throw Invalid(option, key, value, "is not a non-negative number");
    }

    /// <summary>
    /// A memory size in MiB: a plain number means MiB (QEMU's -m), a suffix B, K, M, G, T (powers of
    /// 1024, case-insensitive) gives the unit. The size must be a whole number of MiB.
    /// </summary>
    public static int MemoryMB(string option, string key, string value)
    {
        string digits = value;
        double unit = 1 << 20;
        if (value.Length > 0 && char.IsLetter(value[^1]))
        {
            digits = value[..^1];
            unit = char.ToUpperInvariant(value[^1]) switch
            {
                'B' => 1,
                'K' => 1L << 10,
                'M' => 1L << 20,
                'G' => 1L << 30,
                'T' => 1L << 40,
                _ => throw Invalid(option, key, value, "has an unknown size suffix; use K, M, G or T"),
            };
        }
        if (!double.TryParse(digits, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double n) || !double.IsFinite(n))
            throw Invalid(option, key, value, "is not a size; write e.g. 256, 256M or 1G");
        double mb = n * unit / (1 << 20);
        if (mb != Math.Floor(mb) || mb > int.MaxValue)
            throw Invalid(option, key, value, "is not a whole number of MiB that PSVmm can give a VM");
        return (int)mb;
    }

    /// <summary>addr= as QEMU and StratoVirt write it: slot[.function], each hexadecimal with an optional 0x.</summary>
    public static (int Slot, int Function) PciSlotFunction(string option, string key, string value)
    {
        string[] parts = value.Split('.');
        int function = 0;
        if (parts.Length is 1 or 2 && TryHex(parts[0], out int slot) && (parts.Length == 1 || TryHex(parts[1], out function)))
            return (slot, function);
        throw Invalid(option, key, value, "is not a PCI slot.function; write e.g. addr=0x3 or addr=0x3.0x1");
    }

    public static string FormatNumber(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    public static string FormatBool(bool value) => value ? "on" : "off";

    public static VmException Invalid(string option, string key, string value, string problem) =>
        new("InvalidQemuCommandLine", VmErrorCategory.InvalidArgument, $"{option} {key}={value}: '{value}' {problem}.");

    private static bool TryHex(string text, out int value)
    {
        string digits = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        return int.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value) && digits.Length is > 0 and <= 2;
    }
}
