using PSVmm.Engine.Bus;

namespace PSVmm.Engine.Devices.Legacy;

/// <summary>The port I/O face of <see cref="TestDevice"/> (map in its summary).</summary>
internal sealed class TestDevicePortRegion(TestDevice device) : IDeviceRegion
{
    private const int ScratchPorts = 4;
    private const int ExitPort = 4;

    public void Read(ulong offset, Span<byte> data)
    {
        uint scratch = device.PortScratch;
        for (int i = 0; i < data.Length; i++)
        {
            ulong port = offset + (ulong)i;
            if (port < offset || port >= TestDevice.PortCount)
                data[i] = 0xFF; // outside the device
            else if (port < ScratchPorts)
                data[i] = (byte)(scratch >> (8 * (int)port));
            else if (port == ExitPort)
                data[i] = device.ShutdownRequested ? (byte)1 : (byte)0;
            else
                data[i] = 0;
        }
    }

    public void Write(ulong offset, ReadOnlySpan<byte> data)
    {
        int exitStatus = -1;
        for (int i = 0; i < data.Length; i++)
        {
            ulong port = offset + (ulong)i;
            if (port < offset || port >= TestDevice.PortCount)
                continue;
            if (port < ScratchPorts)
                device.WritePortScratchByte((int)port, data[i]);
            else if (port == ExitPort)
                exitStatus = data[i];
        }
        if (exitStatus >= 0)
            device.RequestExit((byte)exitStatus);
    }
}
