#ifndef PCI_H
#define PCI_H

#include "probe.h"

/* PCI configuration mechanism #1 (PCI Local Bus 3.0 §3.2.2.3.2) through ports 0xCF8/0xCFC. */
#define PCI_CONFIG_ADDRESS  0xCF8
#define PCI_CONFIG_DATA     0xCFC

#define PCI_VENDOR_ID       0x00
#define PCI_COMMAND         0x04
#define PCI_STATUS          0x06
#define PCI_BAR0            0x10
#define PCI_CAPABILITIES    0x34
#define PCI_COMMAND_MEMORY  0x0002
#define PCI_COMMAND_MASTER  0x0004      /* an MSI is a memory write by the device */
#define PCI_STATUS_CAP_LIST 0x0010
#define PCI_CAP_ID_MSI      0x05

u32 pci_read32(unsigned dev, unsigned reg);
void pci_write32(unsigned dev, unsigned reg, u32 value);
u16 pci_read16(unsigned dev, unsigned reg);
void pci_write16(unsigned dev, unsigned reg, u16 value);

/* The device number (bus 0, function 0) with this vendor/device ID, or -1. */
int pci_find(u16 vendor, u16 device);
/* The config-space offset of capability `id`, or 0. */
unsigned pci_find_capability(unsigned dev, u8 id);

#endif
