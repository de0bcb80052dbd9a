namespace PSVmm.Engine.Pci;

/// <summary>
/// Where bus 0 puts a function that names no slot: the lowest slot after the host bridge (slot 0)
/// none of whose functions is taken. The bus places by this rule and the configuration
/// validator predicts by it, so both agree.
/// </summary>
public static class PciSlotPlacement
{
    /// <summary>The lowest slot 1..31 for which <paramref name="slotInUse"/> is false; null when every slot is taken.</summary>
    public static int? FirstFreeSlot(Func<int, bool> slotInUse)
    {
        ArgumentNullException.ThrowIfNull(slotInUse);
        for (int slot = 1; slot <= PciAddress.MaxDevice; slot++)
        {
            if (!slotInUse(slot))
                return slot;
        }
        return null;
    }
}
