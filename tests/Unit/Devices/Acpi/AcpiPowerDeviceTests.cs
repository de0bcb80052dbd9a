using PSVmm.Engine.Boot.Acpi;
using PSVmm.Engine.Devices.Acpi;
using PSVmm.Tests.TestDoubles;
using Xunit;

namespace PSVmm.Tests.Devices.Acpi;

public sealed class AcpiPowerDeviceTests
{
    private readonly RecordingInterruptSink _sink = new();
    private readonly List<string> _log = [];
    private int _powerOffs;
    private int _resets;
    private readonly AcpiPowerDevice _device;

    public AcpiPowerDeviceTests() =>
        _device = new AcpiPowerDevice(_sink, () => _powerOffs++, () => _resets++, _log.Add);

    private void Write(int offset, byte value) => _device.Write((ulong)offset, [value]);

    private byte Read(int offset)
    {
        var data = new byte[1];
        _device.Read((ulong)offset, data);
        return data[0];
    }

    [Fact]
    public void S5WithSleepEnablePowersOff()
    {
        Write(AcpiPowerRegisters.SleepControlOffset, (AcpiPowerRegisters.S5SleepType << AcpiPowerRegisters.SleepTypeShift) | AcpiPowerRegisters.SleepEnable);
        Assert.Equal(1, _powerOffs);
        Assert.Equal(0, _resets);
        Assert.Contains(_log, m => m.Contains("powered off (ACPI S5)"));
    }

    [Theory]
    [InlineData(5 << 2)]            // SLP_TYP without SLP_EN
    [InlineData((3 << 2) | 0x20)]   // S3: not offered
    [InlineData(0x20)]              // S0
    public void OtherSleepControlWritesDoNotPowerOff(byte value)
    {
        Write(AcpiPowerRegisters.SleepControlOffset, value);
        Assert.Equal(0, _powerOffs);
    }

    [Fact]
    public void TheResetValueResetsAndOtherValuesDoNot()
    {
        Write(AcpiPowerRegisters.ResetOffset, 0x06);
        Assert.Equal(0, _resets);
        Write(AcpiPowerRegisters.ResetOffset, AcpiPowerRegisters.ResetValue);
        Assert.Equal(1, _resets);
        Assert.Contains(_log, m => m.Contains("ACPI reset register"));
    }

    [Fact]
    public void PowerButtonRaisesTheGedLineUntilTheEventSelectorIsRead()
    {
        _device.PressPowerButton();
        Assert.True(_sink.IsAsserted(AcpiPowerRegisters.GedGsi));
        Assert.Equal(AcpiPowerRegisters.GedPowerButton, _device.PendingEvents);

        Assert.Equal(AcpiPowerRegisters.GedPowerButton, Read(AcpiPowerRegisters.GedEventOffset));
        Assert.False(_sink.IsAsserted(AcpiPowerRegisters.GedGsi));
        Assert.Equal(0, _device.PendingEvents);
        Assert.Equal(0, Read(AcpiPowerRegisters.GedEventOffset));
        Assert.Equal(["power button pressed (ACPI GED interrupt)", "the guest took the power-button event (its ACPI _EVT read the GED event selector)"], _log);
    }

    [Fact]
    public void TwoPressesBeforeTheGuestReadsAreOneEvent()
    {
        _device.PressPowerButton();
        _device.PressPowerButton();
        Assert.Equal(1, _sink.AssertionCount(AcpiPowerRegisters.GedGsi));
        Assert.Equal(AcpiPowerRegisters.GedPowerButton, Read(AcpiPowerRegisters.GedEventOffset));
    }

    [Fact]
    public void WriteOnlyRegistersReadZeroAndUnknownOffsetsAllOnes()
    {
        Assert.Equal(0, Read(AcpiPowerRegisters.SleepControlOffset));
        Assert.Equal(0, Read(AcpiPowerRegisters.SleepStatusOffset));
        Assert.Equal(0, Read(AcpiPowerRegisters.ResetOffset));
        Assert.Equal(0xFF, Read(7));
        var wide = new byte[4];
        _device.Read(AcpiPowerRegisters.GedEventOffset, wide);
        Assert.Equal(new byte[4], wide);
    }

    [Fact]
    public void EmptyAndUnknownAccessesAreIgnored()
    {
        _device.Write(AcpiPowerRegisters.SleepControlOffset, []);
        _device.Read(AcpiPowerRegisters.GedEventOffset, []);
        Write(AcpiPowerRegisters.SleepStatusOffset, 0xFF);
        Write(AcpiPowerRegisters.GedEventOffset, 0xFF);
        Write(9, 0xFF);
        Assert.Equal(0, _powerOffs + _resets);
        Assert.Empty(_log);
    }
}
