namespace PSVmm.Engine.Devices.Block.Device;

public sealed partial class BlockDeviceEngine
{
    /// <summary>Moves every request the throttle admits now into <paramref name="batch"/>, in arrival order; arms the timer for the rest.</summary>
    private void ReleaseThrottled(List<InFlightRequest> batch)
    {
        if (_throttled is null)
            return;

        TimeSpan wait;
        while (_throttled.TryDequeue(out var inFlight, out wait))
        {
            if (inFlight.WasThrottled)
                _counters.Released(1);

            batch.Add(inFlight);
        }

        if (_throttled.Count > 0 && _throttleTimer is null)
            _throttleTimer = _ioThread.Schedule(wait, OnThrottleTimer);
    }

    private void OnThrottleTimer()
    {
        _throttleTimer = null;
        var session = _session;
        if (session is null || IsBroken)
            return;

        try
        {
            var batch = new List<InFlightRequest>();
            ReleaseThrottled(batch);
            Submit(batch);
        }
        catch (Exception e)
        {
            Fail(session, Describe(e));
        }
    }

    /// <summary>Reset or fatal error: requests still waiting for the throttle are dropped (never submitted).</summary>
    private void DropThrottled()
    {
        _throttleTimer?.Dispose();
        _throttleTimer = null;
        if (_throttled is null)
            return;

        int dropped = _throttled.Clear().Count(r => r.WasThrottled);
        _counters.Released(dropped);
    }
}
