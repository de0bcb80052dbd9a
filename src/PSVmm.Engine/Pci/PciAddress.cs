namespace PSVmm.Engine.Pci;

/// <summary>
/// A function's address: segment 0, bus 0-255, device (slot) 0-31, function 0-7. Prints as
/// "0000:00:01.0" (<see cref="ToString"/>, as lspci -D) or "00:01.0" (<see cref="ToShortString"/>, as users write it).
/// </summary>
public readonly record struct PciAddress
{
    public const int MaxDevice = 31;
    public const int MaxFunction = 7;

    public PciAddress(int bus, int device, int function)
    {
        if ((uint)bus > 255)
            throw new ArgumentOutOfRangeException(nameof(bus), $"PCI bus {bus} is outside 0..255.");
        if ((uint)device > MaxDevice)
            throw new ArgumentOutOfRangeException(nameof(device), $"PCI device (slot) {device} is outside 0..31.");
        if ((uint)function > MaxFunction)
            throw new ArgumentOutOfRangeException(nameof(function), $"PCI function {function} is outside 0..7.");
        Bus = bus;
        Device = device;
        Function = function;
    }

    public int Bus { get; }
    public int Device { get; }
    public int Function { get; }

    public override string ToString() => $"0000:{ToShortString()}";

    /// <summary>"bb:dd.f", without the segment.</summary>
    public string ToShortString() => Format(Bus, Device, Function);

    /// <summary>"bb:dd.f" for numbers not range-checked yet (a configuration before validation).</summary>
    public static string Format(int bus, int device, int function) => $"{bus:x2}:{device:x2}.{function:x}";
}
