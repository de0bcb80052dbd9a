using PSVmm.Engine.Devices.Block.Backend;
using PSVmm.Engine.Native;

namespace PSVmm.Engine.Devices.Block.Device;

public sealed partial class BlockDeviceEngine
{
    /// <summary>
    /// The backend's completion eventfd fired (or a reset is draining): finish every request
    /// whose last operation completed, then notify each queue that got used entries. IoThread only.
    /// </summary>
    private void OnBackendCompletions()
    {
        var touched = new HashSet<int>();
        var session = _session;
        try
        {
            _backend.DrainCompletions(completion => OnCompletion(session, completion, touched));
            if (session is null || IsBroken || !ReferenceEquals(session, _session))
                return;

            foreach (int queue in touched)
                SignalIfNeeded(session, queue);
        }
        catch (Exception e) when (session is not null)
        {
            Fail(session, Describe(e));
        }
        catch (Exception e)
        {
            _log($"disk {Id}: completion after reset failed: {e.Message}");
        }
    }

    private void OnCompletion(Session? session, BlockCompletion completion, HashSet<int> touched)
    {
        if (!_inFlight.TryGetValue(completion.UserData, out var inFlight))
            return;

        if (inFlight.Errno == 0)
            inFlight.Errno = FailureOf(inFlight, completion);

        if (--inFlight.Pending > 0)
            return;

        bool current = session is not null && !IsBroken && inFlight.Generation == session.Generation;
        if (current && NeedsWritethroughFlush(session!, inFlight))
        {
            // §5.2.5: with writeback off a write is durable before it completes.
            inFlight.FlushIssued = true;
            inFlight.Pending = 1;
            _backend.Submit(BlockIoRequest.Flush(inFlight.Tag));
            return;
        }

        _inFlight.Remove(inFlight.Tag);
        _counters.Finished();
        if (!current)
        {
            // A request of an activation that was reset (or broke): it must not touch the guest.
            return;
        }

        byte status = inFlight.Errno == 0 ? VirtioBlkStatus.Ok : VirtioBlkStatus.IoError;
        if (status != VirtioBlkStatus.Ok)
            _log($"disk {Id}: {inFlight.Request.Type} at sector {inFlight.Request.Sector} failed: {HostIoErrors.Describe(inFlight.Errno)}");

        uint written = status == VirtioBlkStatus.Ok && inFlight.Request.Type == VirtioBlkRequestType.In
            ? (uint)inFlight.Request.DataLength
            : 0;
        try
        {
            if (Complete(session!, inFlight.Queue, inFlight.Request, status, written))
                touched.Add(inFlight.Queue);
        }
        catch (Exception e)
        {
            // Caught here, not by the caller: the backend's drain must go on to the other completions.
            Fail(session!, $"queue {inFlight.Queue}: {Describe(e)}");
        }
    }

    /// <summary>
    /// The errno a completion fails its request with, 0 when it succeeded. A read or write that
    /// moved fewer bytes than the request holds counts as EIO: the backend contract is to continue
    /// short transfers, so a short success means the rest of the guest's buffer holds stale bytes
    /// (QEMU likewise fails a short write and never reports a partial read as complete).
    /// </summary>
    private static int FailureOf(InFlightRequest inFlight, BlockCompletion completion)
    {
        if (!completion.Succeeded)
            return completion.Errno;

        bool transfer = completion.Kind is BlockIoKind.Read or BlockIoKind.Write;
        return transfer && completion.Result != (long)inFlight.Request.DataLength ? Errno.EIO : 0;
    }

    /// <summary>
    /// Writethrough applies when the driver did not accept FLUSH, and so cannot ask for
    /// durability itself, or turned writeback off through CONFIG_WCE (§5.2.5).
    /// </summary>
    private bool NeedsWritethroughFlush(Session session, InFlightRequest inFlight)
    {
        if (inFlight.Request.Type != VirtioBlkRequestType.Out || inFlight.FlushIssued || inFlight.Errno != 0)
        {
            return false;
        }

        return !session.Has(VirtioBlkFeatures.Flush) || (session.Has(VirtioBlkFeatures.ConfigWce) && !Config.Writeback);
    }
}
