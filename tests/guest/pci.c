/*
 * Just enough PCI for the probe: bus 0, function 0 only, configuration mechanism #1 (PCI Local
 * Bus 3.0 §3.2.2.3.2) and the ECAM address of a register (for the virtio-blk tests).
 */
#include "io.h"
#include "pci.h"

static void select_register(unsigned dev, unsigned reg)
{
    outl(PCI_CONFIG_ADDRESS, 0x80000000u | (dev & 31) << 11 | (reg & 0xFC));
}

u32 pci_read32(unsigned dev, unsigned reg)
{
    select_register(dev, reg);
    return inl(PCI_CONFIG_DATA);
}

void pci_write32(unsigned dev, unsigned reg, u32 value)
{
    select_register(dev, reg);
    outl(PCI_CONFIG_DATA, value);
}

u16 pci_read16(unsigned dev, unsigned reg)
{
    select_register(dev, reg);
    return inw(PCI_CONFIG_DATA + (reg & 2));
}

void pci_write16(unsigned dev, unsigned reg, u16 value)
{
    select_register(dev, reg);
    outw(PCI_CONFIG_DATA + (reg & 2), value);
}

u8 pci_read8(unsigned dev, unsigned reg)
{
    select_register(dev, reg);
    return inb(PCI_CONFIG_DATA + (reg & 3));
}

void pci_write8(unsigned dev, unsigned reg, u8 value)
{
    select_register(dev, reg);
    outb(PCI_CONFIG_DATA + (reg & 3), value);
}

/* Bus 0: the function's 4 KiB is at base + (device << 15 | function << 12) + register. */
u64 ecam_address(u64 ecam_base, unsigned dev, unsigned reg)
{
    return ecam_base + ((u64)(dev & 31) << 15) + (reg & 0xFFF);
}

int pci_find(u16 vendor, u16 device)
{
    u32 id = (u32)device << 16 | vendor;
    for (unsigned dev = 0; dev < 32; dev++)
        if (pci_read32(dev, PCI_VENDOR_ID) == id)
            return (int)dev;
    return -1;
}

/* Walks the capability list (PCI Local Bus 3.0 §6.7), at most 48 entries in case it loops. */
unsigned pci_find_capability(unsigned dev, u8 id)
{
    if (!(pci_read16(dev, PCI_STATUS) & PCI_STATUS_CAP_LIST))
        return 0;
    unsigned offset = pci_read32(dev, PCI_CAPABILITIES) & 0xFC;
    for (int i = 0; i < 48 && offset >= 0x40; i++) {
        u32 header = pci_read32(dev, offset);
        if ((header & 0xFF) == id)
            return offset;
        offset = (header >> 8) & 0xFC;
    }
    return 0;
}
