/*
 * The devices the mmio and msi tests drive. Under PSVmm: the TestDevice (register map in
 * README.md). Under QEMU, which has no TestDevice: the `edu` PCI device if the command line
 * adds it (`-device edu`), so the same tests and timings run on both (QEMU docs/specs/edu.rst:
 * BAR0 0x00 identification, 0x04 liveness check = inverted value, 0x60 raise interrupt).
 */
#include "devices.h"
#include "io.h"
#include "pci.h"

#define TESTDEV_REG(off) ((u64)TESTDEV_MMIO + (off))

#define EDU_VENDOR          0x1234
#define EDU_DEVICE          0x11E8
#define EDU_ID              0x00
#define EDU_ID_MASK         0x0000FFFF      /* 0xRRrr00ed: major/minor version above */
#define EDU_ID_VALUE        0x000000ED
#define EDU_LIVENESS        0x04
#define EDU_RAISE_IRQ       0x60

/* MSI capability (PCI Local Bus 3.0 §6.8.1). */
#define MSI_CONTROL         2
#define MSI_CONTROL_ENABLE  0x0001
#define MSI_CONTROL_64BIT   0x0080
#define MSI_CONTROL_MME     0x0070          /* multiple message enable: 0 = one vector */

int testdev_present(void)
{
    outl(TESTDEV_SCRATCH_PORT, 0x5A5AA5A5);
    if (inl(TESTDEV_SCRATCH_PORT) == 0x5A5AA5A5)
        return 1;
    return mmio_read32(TESTDEV_REG(TESTDEV_SIGNATURE)) == TESTDEV_SIGNATURE_VALUE;
}

static int testdev_program_msi(const struct probe_device *dev, u32 address, u32 data)
{
    (void)dev;
    mmio_write32(TESTDEV_REG(TESTDEV_MSI_ADDR_LO), address);
    mmio_write32(TESTDEV_REG(TESTDEV_MSI_ADDR_HI), 0);
    mmio_write32(TESTDEV_REG(TESTDEV_MSI_DATA), data);
    return 1;
}

static int edu_program_msi(const struct probe_device *dev, u32 address, u32 data)
{
    unsigned cap = pci_find_capability((unsigned)dev->pci_dev, PCI_CAP_ID_MSI);
    if (cap == 0)
        return 0;
    u16 control = pci_read16((unsigned)dev->pci_dev, cap + MSI_CONTROL);
    unsigned data_offset = (control & MSI_CONTROL_64BIT) ? 0x0C : 0x08;
    pci_write32((unsigned)dev->pci_dev, cap + 4, address);
    if (control & MSI_CONTROL_64BIT)
        pci_write32((unsigned)dev->pci_dev, cap + 8, 0);
    pci_write16((unsigned)dev->pci_dev, cap + data_offset, (u16)data);
    control = (u16)((control & ~MSI_CONTROL_MME) | MSI_CONTROL_ENABLE);
    pci_write16((unsigned)dev->pci_dev, cap + MSI_CONTROL, control);
    return 1;
}

int probe_device_find(struct probe_device *dev, int have_testdev)
{
    if (have_testdev) {
        *dev = (struct probe_device){
            .name = "testdev",
            .id_register = TESTDEV_REG(TESTDEV_SIGNATURE),
            .id_mask = 0xFFFFFFFF,
            .id_value = TESTDEV_SIGNATURE_VALUE,
            .scratch = TESTDEV_REG(TESTDEV_SCRATCH),
            .msi_trigger = TESTDEV_REG(TESTDEV_MSI_TRIGGER),
            .msi_count = TESTDEV_REG(TESTDEV_MSI_COUNT),
            .program_msi = testdev_program_msi,
            .pci_dev = -1,
        };
        return 1;
    }

    int pci_dev = pci_find(EDU_VENDOR, EDU_DEVICE);
    if (pci_dev < 0)
        return 0;
    /* The firmware (SeaBIOS) has assigned BAR0; it must be a 32-bit memory BAR below 4 GiB. */
    u32 bar = pci_read32((unsigned)pci_dev, PCI_BAR0);
    if ((bar & 0x7) != 0 || (bar & ~0xFu) == 0)
        return 0;
    u64 base = bar & ~0xFu;
    u16 command = pci_read16((unsigned)pci_dev, PCI_COMMAND);
    pci_write16((unsigned)pci_dev, PCI_COMMAND, command | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    print("probe: device edu pci=00:%x.0 bar0=0x%lx\n", (unsigned)pci_dev, base);
    *dev = (struct probe_device){
        .name = "edu",
        .id_register = base + EDU_ID,
        .id_mask = EDU_ID_MASK,
        .id_value = EDU_ID_VALUE,
        .scratch = base + EDU_LIVENESS,
        .scratch_xor = 0xFFFFFFFF,
        .msi_trigger = base + EDU_RAISE_IRQ,
        .msi_count = 0,
        .program_msi = edu_program_msi,
        .pci_dev = pci_dev,
    };
    return 1;
}
