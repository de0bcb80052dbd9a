using PSVmm.Engine.Virtio;
using PSVmm.Engine.Virtio.Queues;

namespace PSVmm.Tests.Virtio.Transport;

/// <summary>
/// A device that serves its queues the way a real one does: on a kick it drains the queue,
/// copies each chain's readable bytes into its writable part, returns it as used and signals
/// when the driver wants an interrupt. A malformed ring makes it report NEEDS_RESET.
/// Open for variants that change the threading.
/// </summary>
internal class EchoVirtioDeviceBase() : FakeVirtioDevice(VirtioDeviceType.Console)
{
    protected override void OnQueueNotify(int queue)
    {
        base.OnQueueNotify(queue);
        var activation = Current!;
        var vq = activation.Virtqueues[queue];
        try
        {
            do
            {
                vq.DisableGuestNotifications();
                while (vq.TryPop(out var chain))
                    vq.AddUsed(chain, Echo(activation, chain));
            }
            while (vq.EnableGuestNotifications());
            if (vq.NeedsNotification())
                activation.Interrupts.SignalUsedBuffers(queue);
        }
        catch (VirtqueueException e)
        {
            Fail($"queue {queue}: {e.Message}");
        }
    }

    private static uint Echo(VirtioActivation activation, DescriptorChain chain)
    {
        var data = new List<byte>();
        foreach (var segment in chain.Readable)
            data.AddRange(activation.Memory.GetSpan(segment.Address, (int)segment.Length).ToArray());
        uint written = 0;
        foreach (var segment in chain.Writable)
        {
            int n = (int)Math.Min(segment.Length, (uint)(data.Count - (int)written));
            activation.Memory.Write(segment.Address, data.GetRange((int)written, n).ToArray());
            written += (uint)n;
        }
        return written;
    }
}

/// <summary>The echo device served inline on the notifying thread.</summary>
internal sealed class EchoVirtioDevice : EchoVirtioDeviceBase;
