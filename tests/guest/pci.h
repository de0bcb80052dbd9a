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
#define PCI_DEVICE_ID       0x02
#define PCI_HEADER_TYPE     0x0E
#define PCI_SUBSYSTEM_ID    0x2E
#define PCI_BAR_COUNT       6
#define PCI_BAR_IO          0x1
#define PCI_BAR_TYPE_MASK   0x6         /* memory BAR type: 0 = 32-bit, 4 = 64-bit */
#define PCI_BAR_TYPE_64     0x4
#define PCI_BAR_PREFETCH    0x8
#define PCI_CAP_ID_MSI      0x05
#define PCI_CAP_ID_VENDOR   0x09
#define PCI_CAP_ID_MSIX     0x11

u32 pci_read32(unsigned dev, unsigned reg);
void pci_write32(unsigned dev, unsigned reg, u32 value);
u16 pci_read16(unsigned dev, unsigned reg);
u8 pci_read8(unsigned dev, unsigned reg);
void pci_write8(unsigned dev, unsigned reg, u8 value);

/* PCI Express enhanced configuration access (ECAM, PCIe Base 4.0 §7.2.2): bus 0, function 0. */
u64 ecam_address(u64 ecam_base, unsigned dev, unsigned reg);
void pci_write16(unsigned dev, unsigned reg, u16 value);

/* The device number (bus 0, function 0) with this vendor/device ID, or -1. */
int pci_find(u16 vendor, u16 device);
/* The config-space offset of capability `id`, or 0. */
unsigned pci_find_capability(unsigned dev, u8 id);

#endif
