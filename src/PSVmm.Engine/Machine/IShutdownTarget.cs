namespace PSVmm.Engine.Machine;

/// <summary>What <see cref="ShutdownSequence"/> needs of each machine it stops.</summary>
public interface IShutdownTarget
{
    string Name { get; }

    /// <summary>Asks the guest to shut down and returns; throws <see cref="VmException"/> when the machine is not running.</summary>
    void RequestShutdown();

    /// <summary>Waits until the machine is Stopped or Failed; false on timeout or cancellation.</summary>
    bool WaitForExit(TimeSpan timeout, CancellationToken token);

    /// <summary>Stops the machine at once and releases what it holds.</summary>
    void TurnOff();
}
