using PSVmm.Engine.Devices.Block.Throttle;

namespace PSVmm.Engine.Devices.Block.Device;

public sealed partial class BlockDeviceEngine
{
    /// <summary>
    /// Changes the limits of the live disk, on its IoThread, between two of its events (as
    /// StratoVirt hands a new limit to the running handler): requests that wait keep their place
    /// and are released in order under the new limits; those in the backend are not touched.
    /// From unlimited to limited and back. Any thread; blocks until done.
    /// </summary>
    public void UpdateThrottleLimits(ThrottleLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ObjectDisposedException.ThrowIf(_disposed, this);
        _ioThread.Invoke(() =>
        {
            _throttle.UpdateLimits(limits);
            _unlimited = limits.IsUnlimited;
            // The timer was armed for the old limits' wait: ask again now.
            _throttleTimer?.Dispose();
            _throttleTimer = null;
            OnThrottleTimer();
        });
    }

    /// <summary>Moves every request the throttle admits now into <paramref name="batch"/>, in arrival order; arms the timer for the rest.</summary>
    private void ReleaseThrottled(List<InFlightRequest> batch)
    {
        TimeSpan wait;
        while (_throttled.TryDequeue(out var inFlight, out wait))
        {
            if (inFlight.ThrottledSince is long since)
                _counters.Released(1, _throttle.Time.GetElapsedTime(since));

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
        long now = _throttle.Time.GetTimestamp();
        foreach (var inFlight in _throttled.Clear())
        {
            if (inFlight.ThrottledSince is long since)
                _counters.Released(1, _throttle.Time.GetElapsedTime(since, now));
        }
    }
}
