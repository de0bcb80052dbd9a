using PSVmm.Engine.Virtio;
using PSVmm.Engine.Virtio.Queues;
using Xunit;
using static PSVmm.Tests.Virtio.Queues.QueueFixtures;

namespace PSVmm.Tests.Virtio.Queues;

/// <summary>Used buffer notification decisions (§2.7.7, §2.7.10, §2.8.10) and kick suppression.</summary>
public class NotificationTests
{
    private const ulong SplitEventIdx = SplitFeatures | VirtioFeatures.EventIdx;
    private const ulong PackedEventIdx = PackedFeatures | VirtioFeatures.EventIdx;

    /// <summary>The meaning of EVENT_IDX spelled out: event is one of old, old+1, ..., new-1.</summary>
    private static bool NaiveNeedsEvent(ushort eventIdx, ushort newIdx, ushort oldIdx)
    {
        for (ushort i = oldIdx; i != newIdx; i++)
        {
            if (i == eventIdx)
            {
                return true;
            }
        }

        return false;
    }

    [Fact]
    public void EventIdxFormulaMatchesItsMeaningAroundEveryBoundary()
    {
        ushort[] olds = { 0, 1, 2, 100, 32767, 32768, 65533, 65534, 65535 };
        int checkedCases = 0;
        foreach (ushort old in olds)
        {
            for (int advance = 0; advance <= 40; advance++)
            {
                ushort newIdx = (ushort)(old + advance);
                for (int e = -45; e <= 45; e++)
                {
                    ushort eventIdx = (ushort)(old + e);
                    Assert.True(NaiveNeedsEvent(eventIdx, newIdx, old) == EventIndex.NeedsEvent(eventIdx, newIdx, old),
                        $"event {eventIdx} new {newIdx} old {old}");
                    checkedCases++;
                }

                // Far away events never fire for a small advance.
                Assert.False(EventIndex.NeedsEvent((ushort)(old + 30000), newIdx, old));
            }
        }

        Assert.Equal(olds.Length * 41 * 91, checkedCases);
    }

    [Fact]
    public void EventIdxFormulaIsExactForEveryEventOnASmallSpace()
    {
        // All (event, advance) pairs for a handful of starting points, including a full 2^16 sweep of event.
        foreach (ushort old in new ushort[] { 0, 65535, 65500 })
        {
            foreach (int advance in new[] { 0, 1, 2, 7, 64 })
            {
                ushort newIdx = (ushort)(old + advance);
                for (int e = 0; e <= ushort.MaxValue; e++)
                {
                    bool expected = (ushort)(e - old) < advance;
                    Assert.Equal(expected, EventIndex.NeedsEvent((ushort)e, newIdx, old));
                }
            }
        }
    }

    private static void Complete(Virtqueue queue, SplitRingDriver driver, int count)
    {
        for (int i = 0; i < count; i++)
        {
            driver.AddChain(DriverBuffer.Out(Data, 1));
            queue.AddUsed(Pop(queue), 0);
            Assert.True(driver.TryReadUsed(out _));
        }
    }

    [Theory]
    [InlineData(0, 1, true)]   // first completion, event 0: fire
    [InlineData(1, 1, false)]  // event at index 1 not reached by 0 -> 1
    [InlineData(2, 3, true)]   // batch 0..2 covers event 2
    [InlineData(3, 3, false)]  // batch 0..2 stops just before event 3
    [InlineData(65535, 5, false)]
    public void SplitEventIdxDecidesFromUsedEvent(int usedEvent, int completions, bool expected)
    {
        var (_, queue, driver) = Split(features: SplitEventIdx);
        driver.SetUsedEvent((ushort)usedEvent);
        Complete(queue, driver, completions);
        Assert.Equal(expected, queue.NeedsNotification());
        var s = queue.Snapshot();
        Assert.Equal(expected ? 1ul : 0ul, s.Interrupts);
        Assert.Equal(expected ? 0ul : 1ul, s.Suppressed);
    }

    [Fact]
    public void SplitEventIdxTracksTheLastDecisionAcrossTheWrap()
    {
        var (_, queue, driver) = Split(size: 4, features: SplitEventIdx);
        int sent = 0;
        ushort used = 0;
        for (int round = 0; round < 70_000; round += 3)
        {
            // Ask for an interrupt 2 entries after the current used index, like Linux's delayed callback.
            ushort old = used;
            driver.SetUsedEvent((ushort)(used + 1));
            Complete(queue, driver, 3);
            used += 3;
            bool expected = NaiveNeedsEvent((ushort)(old + 1), used, old);
            Assert.True(expected);
            Assert.Equal(expected, queue.NeedsNotification());
            sent++;

            // Nothing new: no decision, nothing counted.
            Assert.False(queue.NeedsNotification());
        }

        Assert.Equal((ulong)sent, queue.Snapshot().Interrupts);
    }

    [Fact]
    public void NoInterruptFlagSuppressesWithoutEventIdx()
    {
        var (_, queue, driver) = Split();
        driver.SetAvailFlags(1);
        Complete(queue, driver, 1);
        Assert.False(queue.NeedsNotification());

        driver.SetAvailFlags(0);
        Complete(queue, driver, 1);
        Assert.True(queue.NeedsNotification());
        Assert.Equal((1ul, 1ul), (queue.Snapshot().Interrupts, queue.Snapshot().Suppressed));
    }

    [Fact]
    public void NoInterruptFlagIsIgnoredWithEventIdx()
    {
        var (_, queue, driver) = Split(features: SplitEventIdx);
        driver.SetAvailFlags(1);
        driver.SetUsedEvent(0);
        Complete(queue, driver, 1);
        Assert.True(queue.NeedsNotification());
    }

    [Fact]
    public void NothingUsedMeansNoNotification()
    {
        var (_, queue, driver) = Split();
        driver.AddChain(DriverBuffer.Out(Data, 1));
        Pop(queue);
        Assert.False(queue.NeedsNotification());
        Assert.Equal((0ul, 0ul), (queue.Snapshot().Interrupts, queue.Snapshot().Suppressed));
    }

    [Fact]
    public void SplitEventIdxPublishesAvailEventOnPopAndEnable()
    {
        var (_, queue, driver) = Split(features: SplitEventIdx);
        driver.AddChain(DriverBuffer.Out(Data, 1));
        driver.AddChain(DriverBuffer.Out(Data, 1));
        Pop(queue);
        Assert.Equal(1, driver.AvailEvent);

        // Disabled: avail_event stays behind, so the driver does not kick (used.flags unused).
        queue.DisableGuestNotifications();
        Pop(queue);
        Assert.Equal(1, driver.AvailEvent);
        Assert.Equal(0, driver.UsedFlags);

        Assert.False(queue.EnableGuestNotifications());
        Assert.Equal(2, driver.AvailEvent);
    }

    [Fact]
    public void PackedEnableAndDisableModes()
    {
        var (_, queue, driver) = Packed(features: PackedEventIdx);
        driver.SetDriverEvent(0);
        driver.AddChain(DriverBuffer.Out(Data, 1));
        queue.AddUsed(Pop(queue), 0);
        Assert.True(queue.NeedsNotification());

        driver.SetDriverEvent(1);
        driver.AddChain(DriverBuffer.Out(Data, 1));
        queue.AddUsed(Pop(queue), 0);
        Assert.False(queue.NeedsNotification());

        // Reserved value 3: notify rather than risk a hung driver.
        driver.SetDriverEvent(3);
        driver.AddChain(DriverBuffer.Out(Data, 1));
        queue.AddUsed(Pop(queue), 0);
        Assert.True(queue.NeedsNotification());
    }

    [Fact]
    public void PackedDescModeWithoutEventIdxActsAsEnable()
    {
        var (_, queue, driver) = Packed();
        driver.SetDriverEvent(2, 5);
        driver.AddChain(DriverBuffer.Out(Data, 1));
        queue.AddUsed(Pop(queue), 0);
        Assert.True(queue.NeedsNotification());
    }

    [Theory]
    [InlineData(0, true, true)]   // the slot just written
    [InlineData(1, true, true)]   // second slot of the 2-descriptor chain counts as used too
    [InlineData(2, true, false)]  // next slot: not yet
    [InlineData(0, false, false)] // slot 0 of the other lap
    public void PackedDescModeFiresOnlyForTheNamedDescriptor(int offset, bool wrap, bool expected)
    {
        var (_, queue, driver) = Packed(size: 4, features: PackedEventIdx);
        driver.SetDriverEvent(2, (ushort)(offset | (wrap ? 0x8000 : 0)));
        driver.AddChain(DriverBuffer.Out(Data, 1), DriverBuffer.Out(Data, 1));
        queue.AddUsed(Pop(queue), 0);
        Assert.Equal(expected, queue.NeedsNotification());
    }

    /// <summary>
    /// Random chain lengths and batch sizes on a small ring; each decision is compared with a
    /// reference that lists every (offset, wrap) slot the device wrote since the last decision.
    /// </summary>
    [Fact]
    public void PackedDescModeMatchesAReferenceOverManyLaps()
    {
        const ushort size = 7;
        var random = new Random(1234);
        var (_, queue, driver) = Packed(size: size, features: PackedEventIdx);
        int deviceOffset = 0;
        bool deviceWrap = true;
        for (int step = 0; step < 3000; step++)
        {
            var written = new List<(int Offset, bool Wrap)>();
            int batch = random.Next(1, 4);
            var chains = new List<DescriptorChain>();
            int budget = size;
            for (int b = 0; b < batch; b++)
            {
                int length = random.Next(1, 4);
                if (length > budget)
                {
                    break;
                }

                budget -= length;
                driver.AddChain(Enumerable.Range(0, length).Select(_ => DriverBuffer.Out(Data, 1)).ToArray());
                chains.Add(Pop(queue));
            }

            int eventOffset = random.Next(0, size);
            bool eventWrap = random.Next(2) == 0;
            driver.SetDriverEvent(2, (ushort)(eventOffset | (eventWrap ? 0x8000 : 0)));
            foreach (var chain in chains)
            {
                queue.AddUsed(chain, 0);
                for (int i = 0; i < chain.RingDescriptorCount; i++)
                {
                    written.Add((deviceOffset, deviceWrap));
                    if (++deviceOffset == size)
                    {
                        deviceOffset = 0;
                        deviceWrap = !deviceWrap;
                    }
                }
            }

            while (driver.TryReadUsed(out _, out _))
            {
            }

            bool expected = written.Contains((eventOffset, eventWrap));
            Assert.True(expected == queue.NeedsNotification(), $"step {step}: event ({eventOffset},{eventWrap}) written {string.Join(' ', written)}");
        }
    }
}
