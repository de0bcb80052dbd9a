using System.Buffers.Binary;
using PSVmm.Engine.Interrupts;
using PSVmm.Engine.Machine;
using PSVmm.Engine.Pci.Msix;
using PSVmm.Tests.TestDoubles;
using Xunit;

namespace PSVmm.Tests.Machine;

public sealed class MsixRouteTrackerTests
{
    private sealed class CountingRoutes : IMsiRouteCache
    {
        public Dictionary<(ulong, uint), int> Holds { get; } = [];

        public void Retain(ulong address, uint data) => Holds[(address, data)] = Holds.GetValueOrDefault((address, data)) + 1;

        public void Release(ulong address, uint data)
        {
            Assert.True(Holds.TryGetValue((address, data), out int n) && n > 0, $"release of an unheld route 0x{address:x}/0x{data:x}");
            if (n == 1)
                Holds.Remove((address, data));
            else
                Holds[(address, data)] = n - 1;
        }
    }

    // Guest writes to a table entry (PCI 3.0 §6.8.2: address low/high, data, vector control).
    private static void Program(MsixTable table, int vector, ulong address, uint data)
    {
        var dword = new byte[4];
        void Write(int offset, uint value)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(dword, value);
            table.TableRegion.Write((ulong)(vector * 16 + offset), dword);
        }
        Write(0, (uint)address);
        Write(4, (uint)(address >> 32));
        Write(8, data);
        Write(12, 0);
    }

    [Fact]
    public void RoutesFollowTableWritesAndTheEnableBit()
    {
        var table = new MsixTable(3, new RecordingInterruptSink());
        var routes = new CountingRoutes();
        using var tracker = new MsixRouteTracker(table, routes);

        Program(table, 0, 0xFEE00000, 0x41);
        Assert.Empty(routes.Holds);                      // MSI-X still disabled

        table.SetControl(enabled: true, functionMasked: false);
        Assert.Equal(1, routes.Holds[(0xFEE00000, 0x41)]);

        Program(table, 1, 0xFEE00000, 0x41);             // a second vector with the same message
        Assert.Equal(2, routes.Holds[(0xFEE00000, 0x41)]);

        Program(table, 0, 0xFEE01000, 0x42);             // reprogrammed: the old message loses a holder
        Assert.Equal(1, routes.Holds[(0xFEE00000, 0x41)]);
        Assert.Equal(1, routes.Holds[(0xFEE01000, 0x42)]);

        table.SetControl(enabled: false, functionMasked: false);
        Assert.Empty(routes.Holds);
    }

    [Fact]
    public void DisposeReleasesEveryRoute()
    {
        var table = new MsixTable(2, new RecordingInterruptSink());
        var routes = new CountingRoutes();
        var tracker = new MsixRouteTracker(table, routes);
        table.SetControl(enabled: true, functionMasked: false);
        Program(table, 0, 0xFEE00000, 0x50);
        Program(table, 1, 0xFEE00000, 0x51);
        Assert.Equal(2, routes.Holds.Count);
        tracker.Dispose();
        Assert.Empty(routes.Holds);
        Program(table, 0, 0xFEE00000, 0x52);             // no longer tracked
        Assert.Empty(routes.Holds);
    }
}
