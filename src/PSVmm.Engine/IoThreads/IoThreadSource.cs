namespace PSVmm.Engine.IoThreads;

/// <summary>A watched eventfd on an <see cref="IoThread"/>.</summary>
internal sealed class IoThreadSource : IDisposable
{
    private readonly IoThread _owner;

    internal IoThreadSource(IoThread owner, int fd)
    {
        _owner = owner;
        Fd = fd;
    }

    public int Fd { get; }

    internal ulong Key { get; set; }

    public void Dispose() => _owner.Remove(this);
}
