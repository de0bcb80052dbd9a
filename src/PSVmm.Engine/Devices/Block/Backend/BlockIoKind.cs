namespace PSVmm.Engine.Devices.Block.Backend;

/// <summary>What a <see cref="BlockIoRequest"/> asks the backend to do.</summary>
public enum BlockIoKind
{
    Read,
    Write,
    /// <summary>Make completed writes durable (fdatasync).</summary>
    Flush,
    /// <summary>The range's contents become unspecified and its space may be freed (virtio 1.2 §5.2.6).</summary>
    Discard,
    /// <summary>The range reads back as zeroes; with Unmap its space may also be freed.</summary>
    WriteZeroes,
}
