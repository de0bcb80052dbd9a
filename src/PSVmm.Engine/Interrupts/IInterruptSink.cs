namespace PSVmm.Engine.Interrupts;

/// <summary>
/// Where devices send interrupts. The machine implements it with KVM (KVM_IRQ_LINE,
/// KVM_SIGNAL_MSI, irqfd); unit tests record what was sent.
/// </summary>
public interface IInterruptSink
{
    /// <summary>Deliver one message-signalled interrupt (address/data as the guest programmed them).</summary>
    void SignalMsi(ulong address, uint data);

    /// <summary>Drive a level-triggered line (an IOAPIC/PIC input, by GSI).</summary>
    void SetIrqLine(uint gsi, bool asserted);
}
