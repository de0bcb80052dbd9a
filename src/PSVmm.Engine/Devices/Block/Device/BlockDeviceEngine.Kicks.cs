namespace PSVmm.Engine.Devices.Block.Device;

// Kicks and drain passes. A kick from another thread (a trapped notify write on a vCPU) posts at
// most one drain per queue to the IoThread: kicks that arrive while that drain is still waiting
// are folded into it, so a notify flood costs a flag exchange each, not a work item each. A drain
// pass pops at most the queue's size of chains, then yields: the rest is served by a new pass
// posted behind whatever else the IoThread has to do (other queues, devices, completions), so a
// driver that refills the ring as fast as the device completes cannot pin the IoThread.
public sealed partial class BlockDeviceEngine
{
    private QueueKick[] _kicks = [];             // replaced at Start; read from any thread

    /// <summary>Drain passes run since the engine was created (tests: coalescing and yielding).</summary>
    internal long DrainPasses;

    /// <summary>Posts a drain of <paramref name="queue"/> unless one is already waiting. Any thread.</summary>
    private void PostDrain(int queue)
    {
        var kicks = Volatile.Read(ref _kicks);
        if ((uint)queue >= (uint)kicks.Length)
            return;
        var kick = kicks[queue];
        if (Interlocked.Exchange(ref kick.Pending, 1) != 0)
            return;
        try
        {
            _ioThread.Post(kick.Run);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private void CreateKicks(int queues)
    {
        var kicks = new QueueKick[queues];
        for (int q = 0; q < queues; q++)
            kicks[q] = new QueueKick(this, q);
        Volatile.Write(ref _kicks, kicks);
    }

    /// <summary>One queue's posted drain: the flag clears before the pass, so a kick during it posts the next one.</summary>
    private sealed class QueueKick
    {
        public int Pending;

        public QueueKick(BlockDeviceEngine engine, int queue) =>
            Run = () =>
            {
                Volatile.Write(ref Pending, 0);
                engine.Drain(queue);
            };

        public Action Run { get; }
    }
}
