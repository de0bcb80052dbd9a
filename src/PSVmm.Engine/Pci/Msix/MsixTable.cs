using System.Buffers.Binary;
using PSVmm.Engine.Bus;
using PSVmm.Engine.Interrupts;

namespace PSVmm.Engine.Pci.Msix;

/// <summary>
/// MSI-X vector state (PCI Local Bus 3.0 §6.8.2): the table of 16-byte entries (message address
/// low/high, message data, vector control with mask bit 0), the pending bit array, the function
/// mask and the enable bit. <see cref="TableRegion"/> and <see cref="PbaRegion"/> are placed
/// inside a BAR by the owning device. Every vector is masked after reset (§6.8.2.9).
///
/// Thread-safe: vCPU threads access the regions and control bits, iothreads call
/// <see cref="Notify"/>. Messages are sent to the sink under the lock so a vector's pending bit
/// and its delivery never race; the sink must not call back into this table.
/// <see cref="Changed"/> is raised outside the lock.
/// </summary>
public sealed class MsixTable
{
    public const int EntrySize = 16;
    public const int MaxVectors = 2048;   // table size field is 11 bits, N - 1
    private const int VectorControl = 12;
    private const uint MaskBit = 1;

    private readonly object _lock = new();
    private readonly IInterruptSink _sink;
    private readonly byte[] _table;
    private readonly ulong[] _pending;
    private bool _enabled;
    private bool _functionMasked;

    public MsixTable(int vectorCount, IInterruptSink sink)
    {
        if (vectorCount < 1 || vectorCount > MaxVectors)
            throw new ArgumentOutOfRangeException(nameof(vectorCount), $"MSI-X supports 1..{MaxVectors} vectors.");
        _sink = sink ?? throw new ArgumentNullException(nameof(sink));
        VectorCount = vectorCount;
        _table = new byte[vectorCount * EntrySize];
        _pending = new ulong[(vectorCount + 63) / 64];
        for (int v = 0; v < vectorCount; v++)
            _table[v * EntrySize + VectorControl] = (byte)MaskBit;
        TableRegion = new TableAccess(this);
        PbaRegion = new PbaAccess(this);
    }

    public int VectorCount { get; }

    /// <summary>Bytes the table occupies in its BAR.</summary>
    public int TableSize => VectorCount * EntrySize;

    /// <summary>Bytes the pending bit array occupies in its BAR (whole qwords, §6.8.2.7).</summary>
    public int PbaSize => _pending.Length * 8;

    /// <summary>The table, offsets relative to its start. Any width; outside the table reads 0 and writes are dropped.</summary>
    public IDeviceRegion TableRegion { get; }

    /// <summary>The pending bit array, read-only to the guest.</summary>
    public IDeviceRegion PbaRegion { get; }

    public event Action<MsixChange>? Changed;

    public bool Enabled { get { lock (_lock) return _enabled; } }

    public bool FunctionMasked { get { lock (_lock) return _functionMasked; } }

    public bool IsPending(int vector)
    {
        if ((uint)vector >= (uint)VectorCount)
            return false;
        lock (_lock) return PendingLocked(vector);
    }

    public bool IsMasked(int vector)
    {
        if ((uint)vector >= (uint)VectorCount)
            return true;
        lock (_lock) return VectorMaskedLocked(vector);
    }

    /// <summary>
    /// Signals <paramref name="vector"/>. Returns false when MSI-X is disabled (the caller falls
    /// back to INTx). Otherwise the message is sent, or, while the function or the vector is
    /// masked, its pending bit is set (§6.8.2.9); a vector beyond the table is dropped (true).
    /// </summary>
    public bool Notify(int vector)
    {
        lock (_lock)
        {
            if (!_enabled)
                return false;
            if ((uint)vector >= (uint)VectorCount)
                return true;
            if (_functionMasked || VectorMaskedLocked(vector))
                SetPendingLocked(vector, true);
            else
                SendLocked(vector);
            return true;
        }
    }

    /// <summary>Sets the capability's enable and function mask bits (called when the guest writes message control).</summary>
    public void SetControl(bool enabled, bool functionMasked)
    {
        bool changed;
        lock (_lock)
        {
            changed = enabled != _enabled || functionMasked != _functionMasked;
            _enabled = enabled;
            _functionMasked = functionMasked;
            if (changed)
                DeliverUnmaskedPendingLocked();
        }
        if (changed)
            Changed?.Invoke(new MsixChange(-1, MsixChangeKind.Control));
    }

    public MsixState GetState()
    {
        lock (_lock)
        {
            var entries = new MsixEntryInfo[VectorCount];
            for (int v = 0; v < VectorCount; v++)
            {
                var (address, data) = MessageLocked(v);
                entries[v] = MsixEntryInfo.Decode(v, address, data, VectorMaskedLocked(v), PendingLocked(v));
            }
            return new MsixState(_enabled, _functionMasked, entries);
        }
    }

    // ---- table and PBA accesses ----------------------------------------------------------

    private void ReadTable(ulong offset, Span<byte> data)
    {
        lock (_lock)
        {
            for (int i = 0; i < data.Length; i++)
            {
                ulong o = offset + (ulong)i;
                data[i] = o >= offset && o < (ulong)_table.Length ? _table[o] : (byte)0;
            }
        }
    }

    private void WriteTable(ulong offset, ReadOnlySpan<byte> data)
    {
        var changes = new List<MsixChange>();
        lock (_lock)
        {
            var before = new Dictionary<int, (ulong, uint, bool)>();
            for (int i = 0; i < data.Length; i++)
            {
                ulong o = offset + (ulong)i;
                if (o < offset || o >= (ulong)_table.Length)
                    continue;
                int vector = (int)(o / EntrySize);
                if (!before.ContainsKey(vector))
                {
                    var (a, d) = MessageLocked(vector);
                    before[vector] = (a, d, VectorMaskedLocked(vector));
                }
                _table[o] = (byte)(data[i] & WritableBits((int)(o % EntrySize)));
            }
            foreach (var (vector, (oldAddress, oldData, wasMasked)) in before)
            {
                var (address, messageData) = MessageLocked(vector);
                bool masked = VectorMaskedLocked(vector);
                if (address != oldAddress || messageData != oldData)
                    changes.Add(new MsixChange(vector, MsixChangeKind.Entry));
                if (masked != wasMasked)
                {
                    changes.Add(new MsixChange(vector, MsixChangeKind.VectorMask));
                    if (!masked && _enabled && !_functionMasked && PendingLocked(vector))
                    {
                        SetPendingLocked(vector, false);
                        SendLocked(vector);
                    }
                }
            }
        }
        foreach (var change in changes)
            Changed?.Invoke(change);
    }

    private void ReadPba(ulong offset, Span<byte> data)
    {
        lock (_lock)
        {
            for (int i = 0; i < data.Length; i++)
            {
                ulong o = offset + (ulong)i;
                data[i] = o >= offset && o < (ulong)PbaSize ? (byte)(_pending[o / 8] >> (int)(o % 8 * 8)) : (byte)0;
            }
        }
    }

    // §6.8.2.4-6: address bits 1:0 are zero (dword aligned); vector control has only the mask bit.
    private static byte WritableBits(int entryByte) => entryByte switch
    {
        0 => 0xFC,
        VectorControl => (byte)MaskBit,
        > VectorControl => 0,
        _ => 0xFF,
    };

    // ---- helpers (lock held) -------------------------------------------------------------

    private (ulong Address, uint Data) MessageLocked(int vector)
    {
        var entry = _table.AsSpan(vector * EntrySize, EntrySize);
        return (BinaryPrimitives.ReadUInt64LittleEndian(entry), BinaryPrimitives.ReadUInt32LittleEndian(entry[8..]));
    }

    private bool VectorMaskedLocked(int vector) => (_table[vector * EntrySize + VectorControl] & MaskBit) != 0;

    private bool PendingLocked(int vector) => (_pending[vector / 64] & 1UL << (vector % 64)) != 0;

    private void SetPendingLocked(int vector, bool pending)
    {
        if (pending)
            _pending[vector / 64] |= 1UL << (vector % 64);
        else
            _pending[vector / 64] &= ~(1UL << (vector % 64));
    }

    private void SendLocked(int vector)
    {
        var (address, data) = MessageLocked(vector);
        try
        {
            _sink.SignalMsi(address, data);
        }
        catch (Exception e)
        {
            // A guest access (unmask) may trigger delivery: nothing may escape into the vCPU.
            LastDeliveryError = e;
        }
    }

    /// <summary>The last exception the interrupt sink threw while delivering, if any.</summary>
    public Exception? LastDeliveryError { get; private set; }

    private void DeliverUnmaskedPendingLocked()
    {
        if (!_enabled || _functionMasked)
            return;
        for (int vector = 0; vector < VectorCount; vector++)
        {
            if (PendingLocked(vector) && !VectorMaskedLocked(vector))
            {
                SetPendingLocked(vector, false);
                SendLocked(vector);
            }
        }
    }

    private sealed class TableAccess(MsixTable owner) : IDeviceRegion
    {
        public void Read(ulong offset, Span<byte> data) => owner.ReadTable(offset, data);
        public void Write(ulong offset, ReadOnlySpan<byte> data) => owner.WriteTable(offset, data);
    }

    private sealed class PbaAccess(MsixTable owner) : IDeviceRegion
    {
        public void Read(ulong offset, Span<byte> data) => owner.ReadPba(offset, data);
        public void Write(ulong offset, ReadOnlySpan<byte> data) { }   // §6.8.2.7: software must not write the PBA
    }
}
