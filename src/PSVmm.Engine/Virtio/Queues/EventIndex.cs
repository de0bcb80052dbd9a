namespace PSVmm.Engine.Virtio.Queues;

/// <summary>The VIRTIO_F_EVENT_IDX decision, virtio 1.2 §2.7.10.</summary>
public static class EventIndex
{
    /// <summary>
    /// True when moving an index from <paramref name="oldIdx"/> to <paramref name="newIdx"/>
    /// passes <paramref name="eventIdx"/>, i.e. eventIdx is one of old, old+1, ..., new-1 (mod 2^16).
    /// Written as (u16)(new - event - 1) &lt; (u16)(new - old).
    /// </summary>
    public static bool NeedsEvent(ushort eventIdx, ushort newIdx, ushort oldIdx) =>
        (ushort)(newIdx - eventIdx - 1) < (ushort)(newIdx - oldIdx);
}
