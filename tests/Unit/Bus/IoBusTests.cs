using PSVmm.Engine.Bus;
using Xunit;

namespace PSVmm.Tests.Bus;

public sealed class IoBusTests
{
    /// <summary>Records accesses; reads return the offset's low byte plus a tag in each byte.</summary>
    private sealed class RecordingRegion(byte tag) : IDeviceRegion
    {
        public List<(string Kind, ulong Offset, byte[] Data)> Accesses { get; } = [];

        public void Read(ulong offset, Span<byte> data)
        {
            for (int i = 0; i < data.Length; i++)
                data[i] = (byte)(tag + (byte)offset + i);
            Accesses.Add(("read", offset, data.ToArray()));
        }

        public void Write(ulong offset, ReadOnlySpan<byte> data) => Accesses.Add(("write", offset, data.ToArray()));
    }

    [Fact]
    public void Dispatches_reads_and_writes_with_offsets_relative_to_the_range()
    {
        var bus = new IoBus("pio");
        var uart = new RecordingRegion(0x10);
        bus.Register(0x3F8, 8, uart, "uart");

        var data = new byte[2];
        Assert.True(bus.Read(0x3FA, data));
        Assert.Equal(new byte[] { 0x12, 0x13 }, data);
        Assert.True(bus.Write(0x3FF, [0x41]));

        Assert.Equal(2, uart.Accesses.Count);
        Assert.Equal(("read", 2UL), (uart.Accesses[0].Kind, uart.Accesses[0].Offset));
        Assert.Equal(("write", 7UL), (uart.Accesses[1].Kind, uart.Accesses[1].Offset));
        Assert.Equal(new byte[] { 0x41 }, uart.Accesses[1].Data);
    }

    [Fact]
    public void Unmapped_reads_are_all_ones_and_writes_are_dropped()
    {
        var bus = new IoBus("pio");
        var region = new RecordingRegion(0);
        bus.Register(0x60, 5, region, "i8042");

        var data = new byte[4];
        Assert.False(bus.Read(0x80, data));
        Assert.Equal(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF }, data);
        Assert.False(bus.Write(0x80, [1]));
        Assert.False(bus.Read(0x5F, data));
        Assert.False(bus.Read(0x65, data.AsSpan(0, 1)));
        Assert.Empty(region.Accesses);
    }

    [Fact]
    public void Access_crossing_the_end_of_a_range_is_unmapped()
    {
        var bus = new IoBus("mmio");
        var region = new RecordingRegion(0);
        bus.Register(0x1000, 0x10, region, "dev");

        var data = new byte[4];
        Assert.True(bus.Read(0x100C, data));        // ends exactly at the end
        Assert.False(bus.Read(0x100D, data));       // one byte past
        Assert.Equal(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF }, data);
        Assert.False(bus.Write(0x100E, [1, 2, 3, 4]));
        Assert.False(bus.Read(0x0FFE, data));       // starts before
        Assert.Single(region.Accesses);
    }

    [Fact]
    public void Overlapping_empty_and_wrapping_ranges_are_refused()
    {
        var bus = new IoBus("mmio");
        var a = new RecordingRegion(0);
        Assert.True(bus.TryRegister(0x1000, 0x100, a, "a"));

        Assert.False(bus.TryRegister(0x1000, 0x100, new RecordingRegion(0), "same"));
        Assert.False(bus.TryRegister(0x10FF, 0x10, new RecordingRegion(0), "tail"));
        Assert.False(bus.TryRegister(0x0F00, 0x101, new RecordingRegion(0), "head"));
        Assert.False(bus.TryRegister(0x0800, 0x1000, new RecordingRegion(0), "around"));
        Assert.False(bus.TryRegister(0x1080, 0x10, new RecordingRegion(0), "inside"));
        Assert.False(bus.TryRegister(0x5000, 0, new RecordingRegion(0), "empty"));
        Assert.False(bus.TryRegister(ulong.MaxValue - 1, 4, new RecordingRegion(0), "wraps"));
        Assert.Throws<InvalidOperationException>(() => bus.Register(0x1010, 1, new RecordingRegion(0), "x"));

        Assert.True(bus.TryRegister(0x1100, 0x10, new RecordingRegion(0), "adjacent above"));
        Assert.True(bus.TryRegister(0x0F00, 0x100, new RecordingRegion(0), "adjacent below"));
        Assert.Equal(new ulong[] { 0x0F00, 0x1000, 0x1100 }, bus.Ranges.Select(r => r.Start));
    }

    [Fact]
    public void Find_locates_the_right_range_among_many()
    {
        var bus = new IoBus("pio");
        var regions = Enumerable.Range(0, 10).Select(i => new RecordingRegion((byte)(i * 16))).ToArray();
        foreach (int i in new[] { 7, 2, 9, 0, 5, 3, 8, 1, 6, 4 })
            bus.Register((ulong)(i * 0x100), 0x10, regions[i], $"r{i}");

        for (int i = 0; i < 10; i++)
        {
            var range = bus.Find((ulong)(i * 0x100 + 4), 4);
            Assert.NotNull(range);
            Assert.Same(regions[i], range.Region);
            Assert.Equal($"r{i}", range.Name);
            Assert.Null(bus.Find((ulong)(i * 0x100 + 0x10), 1));
        }
    }

    [Fact]
    public void Unregister_removes_only_the_matching_range()
    {
        var bus = new IoBus("mmio");
        var a = new RecordingRegion(0);
        var b = new RecordingRegion(0);
        bus.Register(0x1000, 0x10, a, "a");
        bus.Register(0x2000, 0x10, b, "b");

        Assert.False(bus.Unregister(0x1000, b)); // wrong region
        Assert.False(bus.Unregister(0x1004, a)); // not the start
        Assert.True(bus.Unregister(0x1000, a));
        Assert.False(bus.Unregister(0x1000, a));

        Assert.False(bus.Read(0x1000, new byte[1]));
        Assert.True(bus.Read(0x2000, new byte[1]));
        Assert.True(bus.TryRegister(0x1000, 0x10, b, "b again")); // the space is free again
        Assert.Equal(2, bus.Ranges.Count);
    }

    [Fact]
    public async Task Lookups_during_concurrent_registration_stay_consistent()
    {
        var bus = new IoBus("mmio");
        var fixedRegion = new RecordingRegion(0);
        bus.Register(0x0, 0x10, fixedRegion, "fixed");
        using var stop = new CancellationTokenSource();
        var mover = Task.Run(() =>
        {
            try
            {
                var moving = new RecordingRegion(0);
                for (int i = 0; i < 2000; i++)
                {
                    ulong start = 0x1000 + (ulong)(i % 16) * 0x100;
                    Assert.True(bus.TryRegister(start, 0x10, moving, "moving"));
                    Assert.True(bus.Unregister(start, moving));
                }
            }
            finally
            {
                stop.Cancel();
            }
        });
        while (!stop.IsCancellationRequested)
            Assert.Same(fixedRegion, bus.Find(0x8, 1)?.Region);
        await mover;
        Assert.Single(bus.Ranges);
    }
}
