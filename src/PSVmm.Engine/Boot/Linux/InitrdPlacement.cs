namespace PSVmm.Engine.Boot.Linux;

/// <summary>
/// Places the initrd as boot loaders do (boot.rst, "ramdisk_image": "as high as possible" below
/// initrd_addr_max): at the top of low RAM, page aligned, below the address limit and the MMIO
/// hole, and above everything the kernel occupies while it starts.
/// </summary>
internal static class InitrdPlacement
{
    public const ulong PageSize = 4096;

    /// <param name="size">initrd size in bytes.</param>
    /// <param name="lowRamEnd">End (exclusive) of RAM below the MMIO hole.</param>
    /// <param name="addressMax">Highest address (inclusive) the initrd may occupy (initrd_addr_max).</param>
    /// <param name="kernelEnd">End (exclusive) of the kernel's memory, the initrd goes above it.</param>
    public static ulong Place(ulong size, ulong lowRamEnd, ulong addressMax, ulong kernelEnd)
    {
        if (size == 0)
            throw new ArgumentOutOfRangeException(nameof(size));
        ulong top = addressMax == ulong.MaxValue ? lowRamEnd : Math.Min(lowRamEnd, addressMax + 1);
        ulong firstFree = (kernelEnd + PageSize - 1) & ~(PageSize - 1);
        if (size > top || top - size < firstFree)
        {
            ulong room = top > firstFree ? top - firstFree : 0;
            throw new InvalidDataException(
                $"The initrd ({size} bytes) is too large: {room} bytes are free between the kernel (ends at 0x{kernelEnd:x}) and 0x{top:x}.");
        }
        return (top - size) & ~(PageSize - 1);
    }
}
