namespace PSVmm.Model;

/// <summary>Names of PCI class codes (PCI Code and ID Assignment Specification 1.x, §1), the ones a VM is likely to show.</summary>
internal static class PciClassNames
{
    private static readonly Dictionary<uint, string> Subclasses = new()
    {
        [0x0100] = "SCSI storage controller",
        [0x0101] = "IDE interface",
        [0x0106] = "SATA controller",
        [0x0108] = "Non-Volatile memory controller",
        [0x0180] = "Mass storage controller",
        [0x0200] = "Ethernet controller",
        [0x0300] = "VGA compatible controller",
        [0x0380] = "Display controller",
        [0x0600] = "Host bridge",
        [0x0601] = "ISA bridge",
        [0x0604] = "PCI bridge",
        [0x0680] = "Bridge",
        [0x0780] = "Communication controller",
        [0x0880] = "System peripheral",
        [0x0980] = "Input device controller",
        [0x00FF] = "Unclassified device",
    };

    private static readonly string[] BaseClasses =
    [
        "Unclassified device", "Mass storage controller", "Network controller", "Display controller",
        "Multimedia controller", "Memory controller", "Bridge", "Communication controller",
        "Generic system peripheral", "Input device controller", "Docking station", "Processor",
        "Serial bus controller", "Wireless controller", "Intelligent controller", "Satellite communications controller",
        "Encryption controller", "Signal processing controller", "Processing accelerators",
    ];

    /// <summary>The name of a 24-bit class code (base, subclass, programming interface).</summary>
    public static string Describe(uint classCode)
    {
        uint baseAndSub = (classCode >> 8) & 0xFFFF;
        if (Subclasses.TryGetValue(baseAndSub, out var name))
            return name;
        uint baseClass = baseAndSub >> 8;
        return baseClass < BaseClasses.Length ? BaseClasses[baseClass] : $"Class {baseAndSub:x4}";
    }
}
