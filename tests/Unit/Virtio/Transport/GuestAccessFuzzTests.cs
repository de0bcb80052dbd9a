using PSVmm.Engine.Virtio.Transport;
using Xunit;

namespace PSVmm.Tests.Virtio.Transport;

/// <summary>No guest access, at any offset, width or value, may throw out of the device (random but seeded).</summary>
public sealed class GuestAccessFuzzTests
{
    private static readonly int[] Widths = [1, 2, 3, 4, 8];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Random_bar_accesses_never_throw(int seed)
    {
        var rig = new TransportRig(new EchoVirtioDevice());
        rig.Start();
        var random = new Random(seed);
        ulong bar = rig.Driver.BarAddress(VirtioPciLayout.Bar);
        ulong size = rig.Transport.Config.GetBar(VirtioPciLayout.Bar)!.Size;
        var buffer = new byte[8];
        for (int i = 0; i < 20_000; i++)
        {
            // Bias towards the structures so status, queue and notify writes happen often.
            ulong offset = random.Next(3) switch
            {
                0 => (ulong)random.Next(0x40),
                1 => VirtioPciLayout.NotifyOffset + (ulong)random.Next(16),
                _ => (ulong)random.NextInt64((long)size + 16),
            };
            var data = buffer.AsSpan(0, Widths[random.Next(Widths.Length)]);
            random.NextBytes(data);
            if (random.Next(2) == 0)
                rig.Mmio.Read(bar + offset, data);
            else
                rig.Mmio.Write(bar + offset, data);
        }
        var info = rig.Transport.GetInfo();
        Assert.True(info.Counters.IgnoredRegisterWrites > 0);
    }

    [Fact]
    public void Random_legacy_io_accesses_never_throw()
    {
        var rig = new TransportRig(new EchoVirtioDevice(), transitional: true);
        var random = new Random(11);
        ulong io = rig.Driver.ConfRead(PSVmm.Engine.Pci.PciConfigRegisters.BarOffset(0)) & ~3ul;
        ulong size = rig.Transport.Config.GetBar(0)!.Size;
        var buffer = new byte[4];
        for (int i = 0; i < 20_000; i++)
        {
            var data = buffer.AsSpan(0, random.Next(1, 5));
            random.NextBytes(data);
            ulong offset = (ulong)random.NextInt64((long)size);
            if (random.Next(2) == 0)
                rig.Pio.Read(io + offset, data);
            else
                rig.Pio.Write(io + offset, data);
        }
        Assert.True(rig.Transport.GetInfo().Counters.IgnoredRegisterWrites > 0);
    }

    [Fact]
    public void Random_config_space_accesses_never_throw()
    {
        var rig = new TransportRig();
        var random = new Random(7);
        var buffer = new byte[4];
        for (int i = 0; i < 20_000; i++)
        {
            int offset = random.Next(-8, 0x1008);
            var data = buffer.AsSpan(0, random.Next(1, 5));
            random.NextBytes(data);
            if (random.Next(2) == 0)
                rig.Transport.ReadConfig(offset, data);
            else
                rig.Transport.WriteConfig(offset, data);
        }
        Assert.Equal(VirtioPciTransport.VendorId, rig.Transport.Config.VendorIdValue);
    }
}
