using PSVmm.Engine.Bus;

namespace PSVmm.Engine.Pci;

/// <summary>
/// Base for PCI functions: owns a <see cref="PciConfigSpace"/>, routes guest config accesses to
/// it and raises <see cref="MappingChanged"/> when a BAR register is written or a decode enable
/// changes. Derived devices declare BARs and capabilities on <see cref="Config"/> in their
/// constructor and return their BAR regions from <see cref="GetBarRegion"/>.
/// </summary>
public abstract class PciFunction : IPciDevice
{
    private const PciCommand DecodeBits = PciCommand.IoSpace | PciCommand.MemorySpace;

    protected PciFunction(string name, PciIdentity identity)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        Config = new PciConfigSpace(identity);
    }

    public string Name { get; }

    public PciConfigSpace Config { get; }

    public IReadOnlyList<PciBarDefinition> Bars => Config.Bars;

    public event EventHandler<PciMappingChangedEventArgs>? MappingChanged;

    public virtual void ReadConfig(int offset, Span<byte> data) => Config.Read(offset, data);

    public virtual void WriteConfig(int offset, ReadOnlySpan<byte> data)
    {
        var commandBefore = Config.CommandValue;
        Config.Write(offset, data);
        var commandAfter = Config.CommandValue;

        if (((commandBefore ^ commandAfter) & DecodeBits) != 0)
            MappingChanged?.Invoke(this, new PciMappingChangedEventArgs(-1, commandAfter));
        if (PciConfigSpace.TouchesBars(offset, data.Length))
        {
            int first = Math.Max(0, (offset - PciConfigRegisters.Bar0) / 4);
            int last = Math.Min(PciConfigRegisters.BarCount - 1, (offset + data.Length - 1 - PciConfigRegisters.Bar0) / 4);
            for (int register = first; register <= last; register++)
            {
                int index = BarIndexOfRegister(register);
                if (index >= 0)
                    MappingChanged?.Invoke(this, new PciMappingChangedEventArgs(index, commandAfter));
            }
        }
    }

    public abstract IDeviceRegion? GetBarRegion(int index);

    /// <summary>The BAR a register belongs to (the upper register of a 64-bit BAR belongs to the one below), or -1.</summary>
    private int BarIndexOfRegister(int register)
    {
        if (Config.GetBar(register) is not null)
            return register;
        return register > 0 && Config.GetBar(register - 1) is { Is64Bit: true } ? register - 1 : -1;
    }
}
