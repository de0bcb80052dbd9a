using PSVmm.Engine.Boot.Acpi;
using PSVmm.Engine.Devices.Acpi;
using PSVmm.Engine.Devices.Legacy;
using PSVmm.Engine.Platform;

namespace PSVmm.Engine.Machine;

/// <summary>
/// The standard platform devices every machine has: COM1, the i8042 reset line, the ACPI power
/// registers with the power button, and the test device.
/// </summary>
internal static class LegacyDevices
{
    public const ulong I8042PortCount = 5;
    public const ulong Com1PortCount = 8;

    public static void Register(MachineDevices d)
    {
        var serial = new Serial8250(d.Interrupts, MemoryLayout.Com1Irq, d.Console.Append);
        d.Pio.Register(MemoryLayout.Com1Port, Com1PortCount, serial, "COM1");
        d.ConsoleInput = serial.EnqueueInput;

        var i8042 = new I8042(() =>
        {
            d.Events.Add("i8042", "the guest reset the machine (keyboard controller reset line)");
            d.PowerOffRequested();
        });
        d.Pio.Register(MemoryLayout.I8042DataPort, I8042PortCount, i8042, "i8042");

        var power = new AcpiPowerDevice(d.Interrupts, d.PowerOffRequested, d.PowerOffRequested, message => d.Events.Add("acpi", message));
        d.Pio.Register(AcpiPowerRegisters.Port, AcpiPowerRegisters.Length, power, "acpi-power");

        var test = new TestDevice(d.Interrupts, d.ExitRequested);
        d.Pio.Register(MemoryLayout.TestDevicePort, TestDevice.PortCount, test.Ports, "test-device");
        d.Mmio.Register(MemoryLayout.TestDeviceMmioAddress, MemoryLayout.TestDeviceMmioSize, test.Mmio, "test-device");
        // A guest-visible shutdown request: the probe watches the test device, an ACPI OS the power button.
        d.ShutdownRequest = () =>
        {
            test.RequestShutdown();
            power.PressPowerButton();
        };
    }
}
