namespace PSVmm.Engine.Devices.Block.Backend.Engines;

/// <summary>Receives finished operations: result is the syscall's return value or a negative errno.</summary>
internal interface IIoCompletionSink
{
    void OnOperationComplete(ulong token, long result);
}

/// <summary>
/// Runs <see cref="IoOperation"/>s asynchronously. Completions wait until <see cref="Drain"/>;
/// <see cref="CompletionEventFd"/> is readable while any wait. An operation the engine cannot
/// start still completes (with a negative errno), never throws.
/// </summary>
internal interface IIoEngine : IDisposable
{
    string Name { get; }

    int CompletionEventFd { get; }

    void Submit(in IoOperation operation);

    /// <summary>Delivers waiting completions to the sink; returns how many.</summary>
    int Drain(IIoCompletionSink sink);

    /// <summary>Makes the eventfd readable without an operation (the owner has completions of its own queued).</summary>
    void Signal();

    /// <summary>Holds submissions back until the matching <see cref="Unplug"/>, so a batch costs one system call. Nests.</summary>
    void Plug()
    {
    }

    void Unplug()
    {
    }
}
