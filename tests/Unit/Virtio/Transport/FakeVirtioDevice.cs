using System.Buffers.Binary;
using PSVmm.Engine.Virtio;

namespace PSVmm.Tests.Virtio.Transport;

/// <summary>
/// A small virtio device for transport tests: type Entropy, 2 queues of at most 64 entries,
/// device features bits 0, 5 and 51, and a 12-byte configuration space: a read-only le64
/// "capacity" at 0 and a writable le32 at 8. Records what the transport asks of it.
/// </summary>
internal class FakeVirtioDevice : VirtioDevice
{
    public const int Queues = 2;
    public const ushort MaxSize = 64;
    public const ulong Features = 1UL << 0 | 1UL << 5 | 1UL << 51;
    public const int ConfigBytes = 12;

    private readonly object _lock = new();
    private readonly List<VirtioActivation> _activations = [];
    private readonly List<int> _notifies = [];
    private ulong _capacity = 0x1234_5678_9ABC;
    private uint _writable;

    public FakeVirtioDevice(VirtioDeviceType type = VirtioDeviceType.Entropy, int queues = Queues, ushort maxSize = MaxSize)
        : base(type, queues, maxSize, Features, ConfigBytes)
    {
    }

    public bool ThrowOnActivate { get; set; }

    public int ResetCount { get { lock (_lock) return _resets; } }

    private int _resets;

    public IReadOnlyList<VirtioActivation> Activations { get { lock (_lock) return [.. _activations]; } }

    public VirtioActivation? Current { get; private set; }

    public IReadOnlyList<int> Notifies { get { lock (_lock) return [.. _notifies]; } }

    public ulong Capacity { get { lock (_lock) return _capacity; } }

    public uint Writable { get { lock (_lock) return _writable; } }

    /// <summary>The host changes the capacity (a resize) and tells the driver.</summary>
    public void Resize(ulong capacity) => ChangeConfiguration(() =>
    {
        lock (_lock) _capacity = capacity;
    });

    /// <summary>A resize that stores the two halves of the capacity separately, with a pause between (a multi-field update).</summary>
    public void ResizeInTwoSteps(ulong capacity) => ChangeConfiguration(() =>
    {
        lock (_lock) _capacity = (_capacity & ~0xFFFF_FFFFUL) | (uint)capacity;
        Thread.SpinWait(2000);
        lock (_lock) _capacity = (_capacity & 0xFFFF_FFFFUL) | (capacity & ~0xFFFF_FFFFUL);
    });

    public void Fail(string reason) => ReportNeedsReset(reason);

    public bool SignalUsed(int queue) => Current?.Interrupts.SignalUsedBuffers(queue) ?? false;

    protected override void ReadConfigBytes(int offset, Span<byte> data)
    {
        Span<byte> image = stackalloc byte[ConfigBytes];
        lock (_lock)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(image, _capacity);
            BinaryPrimitives.WriteUInt32LittleEndian(image[8..], _writable);
        }
        image.Slice(offset, data.Length).CopyTo(data);
    }

    protected override void WriteConfigBytes(int offset, ReadOnlySpan<byte> data)
    {
        lock (_lock)
        {
            Span<byte> field = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(field, _writable);
            for (int i = 0; i < data.Length; i++)
            {
                if (offset + i >= 8)
                    field[offset + i - 8] = data[i];
            }

            _writable = BinaryPrimitives.ReadUInt32LittleEndian(field);
        }
    }

    protected override void OnActivate(VirtioActivation activation)
    {
        if (ThrowOnActivate)
            throw new InvalidOperationException("backend missing");
        lock (_lock) _activations.Add(activation);
        Current = activation;
    }

    protected override void OnReset()
    {
        lock (_lock) _resets++;
        Current = null;
    }

    protected override void OnQueueNotify(int queue)
    {
        lock (_lock) _notifies.Add(queue);
    }
}
