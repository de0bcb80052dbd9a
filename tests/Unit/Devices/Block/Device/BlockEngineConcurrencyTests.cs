using PSVmm.Engine.Devices.Block;
using PSVmm.Engine.Devices.Block.Backend;
using PSVmm.Engine.IoThreads;
using PSVmm.Tests.Devices.Block.Backend;
using Xunit;

namespace PSVmm.Tests.Devices.Block.Device;

/// <summary>Many requests in flight over several queues and devices sharing one IoThread, with real image files.</summary>
public sealed class BlockEngineConcurrencyTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Two_disks_with_two_queues_each_on_one_IoThread_serve_hundreds_of_requests(bool packed)
    {
        const int PerQueue = 48;
        const int Block = 4096;
        using var ioThread = new IoThread("blk-shared");
        var images = new[] { TempImage.CreateEmpty(4 << 20), TempImage.CreateEmpty(4 << 20) };
        var rigs = images.Select(image =>
        {
            var options = new BlockDeviceOptions(image.Path) { NumQueues = 2 };
            return new BlockRig(RawFileBackend.Open(options.ToBackendOptions()), options, packed, queueSize: 256, ioThread: ioThread);
        }).ToArray();
        try
        {
            // Writes: disk d, queue q, request i writes block (q * PerQueue + i) filled with a tag.
            static byte Tag(int d, int q, int i) => (byte)(1 + d * 100 + q * 50 + i);
            var writes = new List<(BlockRig Rig, BlockRig.Pending P)>();
            for (int d = 0; d < 2; d++)
            {
                for (int q = 0; q < 2; q++)
                {
                    for (int i = 0; i < PerQueue; i++)
                    {
                        ulong sector = (ulong)(q * PerQueue + i) * Block / 512;
                        writes.Add((rigs[d], rigs[d].AddWrite(q, sector, Enumerable.Repeat(Tag(d, q, i), Block).ToArray())));
                    }
                }
            }

            // Kick every queue from its own thread, as vCPUs would.
            Parallel.For(0, 4, n => rigs[n / 2].Kick(n % 2));
            for (int n = 0; n < 4; n++)
            {
                Assert.Equal(PerQueue, rigs[n / 2].WaitUsed(n % 2, PerQueue).Count);
            }

            Assert.All(writes, w => Assert.Equal(VirtioBlkStatus.Ok, w.Rig.ReadStatus(w.P.Status)));

            var reads = new List<(int D, int Q, int I, BlockRig.Pending P)>();
            for (int d = 0; d < 2; d++)
            {
                for (int q = 0; q < 2; q++)
                {
                    for (int i = 0; i < PerQueue; i++)
                    {
                        // Read back through the other queue.
                        ulong sector = (ulong)(q * PerQueue + i) * Block / 512;
                        reads.Add((d, q, i, rigs[d].AddRead(1 - q, sector, Block)));
                    }
                }
            }

            Parallel.For(0, 4, n => rigs[n / 2].Kick(n % 2));
            for (int n = 0; n < 4; n++)
            {
                rigs[n / 2].WaitUsed(n % 2, PerQueue);
            }

            foreach (var (d, q, i, p) in reads)
            {
                Assert.Equal(VirtioBlkStatus.Ok, rigs[d].ReadStatus(p.Status));
                Assert.All(rigs[d].Read(p.Data, Block), b => Assert.Equal(Tag(d, q, i), b));
            }

            for (int d = 0; d < 2; d++)
            {
                var file = images[d].ReadAll();
                Assert.Equal(Tag(d, 1, PerQueue - 1), file[(2 * PerQueue - 1) * Block]);
                var stats = rigs[d].Engine.GetStatistics();
                Assert.Equal(2 * PerQueue, stats.Write.Requests);
                Assert.Equal(2 * PerQueue, stats.Read.Requests);
                Assert.Equal(0, stats.InFlight);
                Assert.Contains(0, rigs[d].Signals);
                Assert.Contains(1, rigs[d].Signals);
            }
        }
        finally
        {
            foreach (var rig in rigs)
            {
                rig.Dispose();
            }

            foreach (var image in images)
            {
                image.Dispose();
            }
        }
    }
}
