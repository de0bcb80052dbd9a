namespace PSVmm.Engine.Devices.Block.Backend;

/// <summary>
/// The outcome of one <see cref="BlockIoRequest"/>: <see cref="Result"/> is the number of bytes
/// transferred (the whole request: short transfers are continued by the backend), or a negative
/// errno (see <see cref="Errno"/> and <see cref="Native.Errno"/>).
/// </summary>
public readonly record struct BlockCompletion(ulong UserData, BlockIoKind Kind, long Result)
{
    public bool Succeeded => Result >= 0;

    /// <summary>The errno of a failed request, 0 on success.</summary>
    public int Errno => Result < 0 ? (int)-Result : 0;

    public override string ToString() =>
        Succeeded ? $"{Kind} #{UserData}: {Result} bytes" : $"{Kind} #{UserData}: errno {Errno} ({Native.Errno.Describe(Errno)})";
}
