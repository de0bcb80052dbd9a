namespace PSVmm.Tests.Devices.Block.Device;

/// <summary>Runs a blocking call (a reset, as a vCPU thread would make it) on its own thread; the test asks whether it returned yet.</summary>
internal sealed class BackgroundCall
{
    private readonly ManualResetEventSlim _done = new();
    private Exception? _failure;

    public BackgroundCall(Action action)
    {
        var thread = new Thread(() =>
        {
            try { action(); }
            catch (Exception e) { _failure = e; }
            finally { _done.Set(); }
        })
        { IsBackground = true, Name = "test background call" };
        thread.Start();
    }

    /// <summary>True when the call returned within <paramref name="timeoutMs"/>; rethrows its exception.</summary>
    public bool Wait(int timeoutMs)
    {
        if (!_done.Wait(timeoutMs))
        {
            return false;
        }

        if (_failure is not null)
        {
            throw new InvalidOperationException("the background call failed", _failure);
        }

        return true;
    }
}
