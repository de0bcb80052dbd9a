using PSVmm.Engine.Memory;
using PSVmm.Engine.Virtio.Queues;

namespace PSVmm.Engine.Virtio;

/// <summary>
/// Everything a device needs to start serving queues, handed over once at DRIVER_OK
/// (virtio 1.2 §3.1.1 step 8). Valid until the device's <see cref="VirtioDevice.Reset"/> returns.
/// </summary>
/// <param name="Memory">Guest RAM.</param>
/// <param name="NegotiatedFeatures">The features the driver accepted with FEATURES_OK (device and transport bits).</param>
/// <param name="Queues">The registers of every queue the device declared, by index (as the driver programmed them).</param>
/// <param name="Virtqueues">
/// The rings, by index. Those the driver enabled are started (their layout was checked against
/// guest RAM); the others have <see cref="IVirtqueue.Enabled"/> false and must not be used. The
/// transport counts driver notifications on them (<see cref="IVirtqueue.RecordDriverNotification"/>)
/// and resets them after the device's reset returned.
/// </param>
/// <param name="Interrupts">Used-buffer notifications for this activation; calls made after a reset are dropped.</param>
public sealed record VirtioActivation(
    IGuestMemory Memory,
    ulong NegotiatedFeatures,
    IReadOnlyList<VirtioQueueConfig> Queues,
    IReadOnlyList<IVirtqueue> Virtqueues,
    IVirtioQueueInterrupts Interrupts)
{
    public bool HasFeature(int bit) => (uint)bit < 64 && (NegotiatedFeatures & 1UL << bit) != 0;
}

/// <summary>Used-buffer notifications (virtio 1.2 §2.3.2). Thread-safe, never throws.</summary>
public interface IVirtioQueueInterrupts
{
    /// <summary>
    /// Tells the driver queue <paramref name="queue"/> has new used buffers. The device applies
    /// event suppression (EVENT_IDX / flags) before calling; the transport picks MSI-X or INTx.
    /// Returns false when the call was dropped (queue out of range, activation reset).
    /// </summary>
    bool SignalUsedBuffers(int queue);
}
