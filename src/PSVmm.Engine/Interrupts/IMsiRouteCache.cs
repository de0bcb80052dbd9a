namespace PSVmm.Engine.Interrupts;

/// <summary>
/// Lets MSI-X tables keep the machine's MSI routes in step with what the guest programmed:
/// a route (KVM: GSI route + irqfd) exists while some table entry holds its message, is made
/// when the entry is written rather than at the first interrupt, and goes when the last entry
/// holding it is reprogrammed.
/// </summary>
public interface IMsiRouteCache
{
    void Retain(ulong address, uint data);

    void Release(ulong address, uint data);
}
