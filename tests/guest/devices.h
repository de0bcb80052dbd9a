#ifndef DEVICES_H
#define DEVICES_H

#include "probe.h"

/* A device the mmio and msi tests can drive: the PSVmm TestDevice, or QEMU's `edu` device. */
struct probe_device {
    const char *name;
    u64 id_register;            /* MMIO address of an identification register */
    u32 id_mask;                /* the bits of it that identify the device */
    u32 id_value;               /* what those bits must read */
    u64 scratch;                /* MMIO address of a read/write register */
    u32 scratch_xor;            /* reads of it return written ^ scratch_xor (edu inverts) */
    u64 msi_trigger;            /* an MMIO write of 1 there raises one MSI */
    u64 msi_count;              /* MMIO address of a count of MSIs raised, or 0 */
    /* Points the device's MSI at `address`/`data`; returns 0 if it cannot. */
    int (*program_msi)(const struct probe_device *dev, u32 address, u32 data);
    int pci_dev;                /* edu: PCI device number on bus 0 */
};

/* True if the PSVmm TestDevice answers on its scratch port or its MMIO signature. */
int testdev_present(void);
/* Fills *dev for the TestDevice if present, else for an `edu` device; 0 if neither. */
int probe_device_find(struct probe_device *dev, int have_testdev);

#endif
