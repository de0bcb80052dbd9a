using PSVmm.Engine.Virtio;
using PSVmm.Engine.Virtio.Queues;
using Xunit;
using static PSVmm.Tests.Virtio.Queues.QueueFixtures;

namespace PSVmm.Tests.Virtio.Queues;

/// <summary>
/// A driver thread, a device thread and a snapshot reader share one queue, as the vCPU, the
/// IoThread and a cmdlet do. Every buffer must come back once and snapshots must stay coherent.
/// </summary>
public class ConcurrentQueueTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void DriverDeviceAndSnapshotsRunConcurrently(bool packed)
    {
        const int total = 3000;
        const ushort size = 8;
        var features = (packed ? PackedFeatures : SplitFeatures) | VirtioFeatures.EventIdx;
        IVirtqueue queue;
        Func<ushort?> tryAdd;
        Func<bool> tryReap;
        if (packed)
        {
            var (_, q, d) = Packed(size: size, features: features);
            queue = q;
            int outstanding = 0;
            tryAdd = () => outstanding < size ? (ushort?)Inc(ref outstanding, d.AddChain(DriverBuffer.In(Data, 4))) : null;
            tryReap = () => d.TryReadUsed(out _, out _) && Dec(ref outstanding);
        }
        else
        {
            var (_, q, d) = Split(size: size, features: features);
            queue = q;
            tryAdd = () => d.FreeDescriptors > 0 ? d.AddChain(DriverBuffer.In(Data, 4)) : null;
            tryReap = () => d.TryReadUsed(out _);
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        Exception? failure = null;
        int reaped = 0;
        var driverThread = new Thread(() =>
        {
            try
            {
                int added = 0;
                while (reaped < total && !cts.IsCancellationRequested)
                {
                    bool progress = false;
                    if (added < total && tryAdd() is not null)
                    {
                        added++;
                        queue.RecordDriverNotification();
                        progress = true;
                    }

                    while (tryReap())
                    {
                        reaped++;
                        progress = true;
                    }

                    if (!progress)
                    {
                        Thread.Yield();
                    }
                }
            }
            catch (Exception e)
            {
                failure = e;
                cts.Cancel();
            }
        });

        var deviceThread = new Thread(() =>
        {
            try
            {
                int completed = 0;
                while (completed < total && !cts.IsCancellationRequested)
                {
                    if (queue.TryPop(out var chain))
                    {
                        queue.AddUsed(chain, 4);
                        completed++;
                        queue.NeedsNotification();
                    }
                    else
                    {
                        Thread.Yield();
                    }
                }
            }
            catch (Exception e)
            {
                failure = e;
                cts.Cancel();
            }
        });

        driverThread.Start();
        deviceThread.Start();
        while (driverThread.IsAlive || deviceThread.IsAlive)
        {
            var s = queue.Snapshot();
            Assert.True(s.Completed <= s.Popped, $"completed {s.Completed} > popped {s.Popped}");
            Assert.True(s.Popped - s.Completed <= size);
            Thread.Sleep(1);
        }

        Assert.Null(failure);
        Assert.False(cts.IsCancellationRequested, "timed out");
        var final = queue.Snapshot();
        Assert.Equal((ulong)total, final.Popped);
        Assert.Equal((ulong)total, final.Completed);
        Assert.Equal((ulong)total, final.Notifications);
        Assert.Equal(total, reaped);
    }

    private static ushort Inc(ref int counter, ushort value)
    {
        counter++;
        return value;
    }

    private static bool Dec(ref int counter)
    {
        counter--;
        return true;
    }
}
