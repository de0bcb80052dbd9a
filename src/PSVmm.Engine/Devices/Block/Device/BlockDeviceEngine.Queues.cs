using PSVmm.Engine.Devices.Block.Backend;
using PSVmm.Engine.Devices.Block.Throttle;
using PSVmm.Engine.Memory;
using PSVmm.Engine.Virtio.Queues;

namespace PSVmm.Engine.Devices.Block.Device;

public sealed partial class BlockDeviceEngine
{
    // A single BlockSegment is at most this long, so lengths fit an int and the span API.
    private const int MaxSegmentChunk = 1 << 30;

    /// <summary>
    /// One drain pass over queue <paramref name="index"/> (IVirtqueue's drain loop: notifications
    /// off, pop until empty, notifications on, again if more arrived), at most the queue's size of
    /// chains (see BlockDeviceEngine.Kicks.cs); the batch goes to the backend in one go. IoThread only.
    /// </summary>
    private void Drain(int index)
    {
        var session = _session;
        if (session is null || IsBroken || (uint)index >= (uint)session.Queues.Length || session.Queues[index] is not { } queue)
            return;

        Interlocked.Increment(ref DrainPasses);
        var batch = new List<InFlightRequest>();
        bool completedAny = false;
        bool yielded = false;
        try
        {
            int budget = queue.Size;
            do
            {
                queue.DisableGuestNotifications();
                while (!(yielded = budget == 0) && queue.TryPop(out var chain))
                {
                    budget--;
                    var request = BlockRequestParser.Parse(chain, session.Memory, session.Rules);
                    completedAny |= Dispatch(session, index, request, batch);
                }
            }
            while (!yielded && queue.EnableGuestNotifications());
        }
        catch (Exception e)
        {
            // Requests of this drain not yet submitted are dropped with the broken device.
            Fail(session, $"queue {index}: {Describe(e)}");
            return;
        }

        try
        {
            Submit(batch);
            if (completedAny)
                SignalIfNeeded(session, index);
        }
        catch (Exception e)
        {
            Fail(session, $"queue {index}: {Describe(e)}");
            return;
        }

        // Guest notifications stay off: the next pass, behind the IoThread's other work, goes on.
        if (yielded)
            PostDrain(index);
    }

    /// <summary>Completes a refused or GET_ID request at once, or prepares its backend operations. Returns true when it completed now.</summary>
    private bool Dispatch(Session session, int queue, BlockRequest request, List<InFlightRequest> batch)
    {
        if (request.ImmediateStatus is { } status)
        {
            _log($"disk {Id}: queue {queue}: {request.Refusal}");
            return Complete(session, queue, request, status, 0);
        }

        switch (request.Type)
        {
            case VirtioBlkRequestType.GetId:
                return CompleteGetId(session, queue, request);
            case VirtioBlkRequestType.In when request.DataLength == 0:
            case VirtioBlkRequestType.Out when request.DataLength == 0:
                return Complete(session, queue, request, VirtioBlkStatus.Ok, 0);
        }

        var inFlight = new InFlightRequest(request, queue, session.Generation, ++_nextTag);
        BuildOperations(session.Memory, inFlight);
        if (_unlimited && _throttled.Count == 0)
        {
            batch.Add(inFlight);
            return false;
        }

        var (direction, bytes) = ThrottleCost(request);
        if (_throttled.Count > 0 || _throttle.GetWait(direction, 1, bytes) > TimeSpan.Zero)
        {
            inFlight.ThrottledSince = _throttle.Time.GetTimestamp();
            _counters.Throttled();
        }

        _throttled.Enqueue(inFlight, direction, 1, bytes);
        ReleaseThrottled(batch);
        return false;
    }

    /// <summary>GET_ID (§5.2.6): up to 20 bytes of serial, zero-padded, no terminating NUL when all 20 are used.</summary>
    private bool CompleteGetId(Session session, int queue, BlockRequest request)
    {
        int length = (int)Math.Min(request.Data.Sum(s => (long)s.Length), BlockDeviceOptions.MaxSerialBytes);
        Span<byte> id = stackalloc byte[BlockDeviceOptions.MaxSerialBytes];
        id.Clear();
        _serial.CopyTo(id);
        ChainBytes.Write(session.Memory, request.Chain.Writable, 0, id[..length]);
        return Complete(session, queue, request, VirtioBlkStatus.Ok, (uint)length);
    }

    private unsafe void BuildOperations(IGuestMemory memory, InFlightRequest inFlight)
    {
        var request = inFlight.Request;
        long offset = (long)(request.Sector << BlockRequestParser.SectorShift);
        switch (request.Type)
        {
            case VirtioBlkRequestType.In:
                inFlight.Operations.Add(BlockIoRequest.Read(offset, Segments(memory, request.Data), inFlight.Tag));
                break;
            case VirtioBlkRequestType.Out:
                inFlight.Operations.Add(BlockIoRequest.Write(offset, Segments(memory, request.Data), inFlight.Tag));
                break;
            case VirtioBlkRequestType.Flush:
                inFlight.Operations.Add(BlockIoRequest.Flush(inFlight.Tag));
                break;
            case VirtioBlkRequestType.Discard:
                foreach (var range in request.Ranges)
                    inFlight.Operations.Add(BlockIoRequest.Discard(range.Offset, range.Length, inFlight.Tag));

                break;
            case VirtioBlkRequestType.WriteZeroes:
                foreach (var range in request.Ranges)
                    inFlight.Operations.Add(BlockIoRequest.WriteZeroes(range.Offset, range.Length, range.Unmap, inFlight.Tag));

                break;
        }
    }

    /// <summary>
    /// Guest buffers as backend segments. Guest RAM is mmap'd and never moves, so the pointers
    /// stay valid after the <c>fixed</c> block until the request completes (a reset waits for that).
    /// </summary>
    private static unsafe BlockSegment[] Segments(IGuestMemory memory, IReadOnlyList<BufferSegment> data)
    {
        var segments = new List<BlockSegment>(data.Count);
        foreach (var buffer in data)
        {
            for (ulong done = 0; done < buffer.Length;)
            {
                int length = (int)Math.Min(buffer.Length - done, MaxSegmentChunk);
                fixed (byte* pointer = memory.GetSpan(buffer.Address + done, length))
                {
                    segments.Add(BlockSegment.FromPointer(pointer, length));
                }

                done += (ulong)length;
            }
        }

        return [.. segments];
    }

    /// <summary>
    /// What a request costs: one operation, charged to the total limits and to those of its
    /// direction, and bytes. A read or write: its data. Write-zeroes is a write of the bytes it
    /// zeroes (QEMU throttles it as a zero write of that length). Discard is one write operation
    /// and no bytes (it moves no data, but changes the disk); flush is one operation against the
    /// totals only. QEMU's drive throttling (block-backend) charges only reads and writes; here a
    /// guest cannot get round an IOPS limit with discards or flushes. GET_ID never gets here: the
    /// device answers it from memory (Dispatch).
    /// </summary>
    private static (ThrottleDirection Direction, long Bytes) ThrottleCost(BlockRequest request) => request.Type switch
    {
        VirtioBlkRequestType.In => (ThrottleDirection.Read, (long)request.DataLength),
        VirtioBlkRequestType.Out => (ThrottleDirection.Write, (long)request.DataLength),
        VirtioBlkRequestType.WriteZeroes => (ThrottleDirection.Write, request.PayloadBytes),
        VirtioBlkRequestType.Discard => (ThrottleDirection.Write, 0),
        _ => (ThrottleDirection.Other, 0),
    };

    /// <summary>Hands prepared requests to the backend with one SubmitBatch.</summary>
    private void Submit(List<InFlightRequest> batch)
    {
        if (batch.Count == 0)
            return;

        var operations = new List<BlockIoRequest>();
        foreach (var inFlight in batch)
        {
            inFlight.Pending = inFlight.Operations.Count;
            _inFlight.Add(inFlight.Tag, inFlight);
            _counters.Started();
            operations.AddRange(inFlight.Operations);
        }

        try
        {
            _backend.SubmitBatch(operations);
        }
        catch (ObjectDisposedException)
        {
            // The image was closed under a running device (machine teardown): nothing was queued,
            // so fail the requests rather than leave them (and a later reset) waiting forever.
            foreach (var inFlight in batch)
            {
                _inFlight.Remove(inFlight.Tag);
                _counters.Finished();
                if (_session is { } session && !IsBroken && inFlight.Generation == session.Generation)
                    Complete(session, inFlight.Queue, inFlight.Request, VirtioBlkStatus.IoError, 0);
            }
        }
    }

    /// <summary>Writes the status byte (after the data, §5.2.6), returns the chain and says whether that made a used entry.</summary>
    private bool Complete(Session session, int queue, BlockRequest request, byte status, uint dataWritten)
    {
        session.Memory.Write(request.StatusAddress, status);
        _counters.Completed(request.RawType, status, status == VirtioBlkStatus.Ok ? request.PayloadBytes : 0);
        return session.Queues[queue]!.AddUsed(request.Chain, dataWritten + 1);
    }

    private void SignalIfNeeded(Session session, int index)
    {
        if (session.Queues[index]?.NeedsNotification() == true)
            session.SignalQueue(index);
    }

    private static bool IsGuestError(Exception e) =>
        e is VirtqueueException or GuestMemoryException or BlockRequestException;

    /// <summary>A guest error by its message; anything else is a device bug and says so.</summary>
    private static string Describe(Exception e) =>
        IsGuestError(e) ? e.Message : $"internal error ({e.GetType().Name}): {e.Message}";

    /// <summary>A fatal guest error: report it once, stop serving the device until it is reset.</summary>
    private void Fail(Session session, string reason)
    {
        if (IsBroken || !ReferenceEquals(session, _session))
            return;

        IsBroken = true;
        string message = $"disk {Id}: {reason}";
        _counters.DeviceError(message);
        _log(message);
        DropThrottled();
        try
        {
            session.ReportFatal(message);
        }
        catch (Exception e)
        {
            _log($"disk {Id}: reporting the error failed: {e.Message}");
        }
    }
}
