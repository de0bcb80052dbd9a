/*
 * A modern virtio-pci driver core (virtio 1.2 §4.1): finding the device on bus 0, its BARs,
 * the virtio and MSI-X capabilities, the common configuration (status, features, queues).
 */
#ifndef VIRTIO_PCI_H
#define VIRTIO_PCI_H

#include "pci.h"

#define VIRTIO_VENDOR           0x1AF4
#define VIRTIO_ID_BLOCK         2
#define VIRTIO_PCI_MODERN_BASE  0x1040      /* device ID 0x1040 + virtio device ID (§4.1.2.1) */
#define VIRTIO_PCI_TRANSITIONAL_BLK 0x1001

/* Virtio structure PCI capability cfg_type (§4.1.4). */
#define VIRTIO_PCI_CAP_COMMON   1
#define VIRTIO_PCI_CAP_NOTIFY   2
#define VIRTIO_PCI_CAP_ISR      3
#define VIRTIO_PCI_CAP_DEVICE   4
#define VIRTIO_PCI_CAP_PCI_CFG  5

/* Common configuration structure layout (§4.1.4.3). */
#define VCOMMON_DFSELECT        0x00
#define VCOMMON_DF              0x04
#define VCOMMON_GFSELECT        0x08
#define VCOMMON_GF              0x0C
#define VCOMMON_MSIX            0x10
#define VCOMMON_NUMQ            0x12
#define VCOMMON_STATUS          0x14
#define VCOMMON_CFGGENERATION   0x15
#define VCOMMON_Q_SELECT        0x16
#define VCOMMON_Q_SIZE          0x18
#define VCOMMON_Q_MSIX          0x1A
#define VCOMMON_Q_ENABLE        0x1C
#define VCOMMON_Q_NOFF          0x1E
#define VCOMMON_Q_DESC          0x20
#define VCOMMON_Q_DRIVER        0x28
#define VCOMMON_Q_DEVICE        0x30

/* Device status bits (§2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE   1
#define VIRTIO_STATUS_DRIVER        2
#define VIRTIO_STATUS_DRIVER_OK     4
#define VIRTIO_STATUS_FEATURES_OK   8
#define VIRTIO_STATUS_NEEDS_RESET   64
#define VIRTIO_STATUS_FAILED        128

/* Reserved feature bits (§6). */
#define VIRTIO_F_INDIRECT_DESC  28
#define VIRTIO_F_EVENT_IDX      29
#define VIRTIO_F_VERSION_1      32
#define VIRTIO_F_RING_PACKED    34

#define VIRTIO_MSI_NO_VECTOR    0xFFFF

/* Where one virtio structure lives: BAR, offset, length (§4.1.4). */
struct virtio_region {
    int present;
    u8 bar;
    u32 offset, length;
    u64 address;                /* BAR base + offset, mapped */
};

struct virtio_pci {
    unsigned dev;               /* device number on bus 0 (function 0) */
    u64 bar[PCI_BAR_COUNT];
    u64 bar_size[PCI_BAR_COUNT];
    struct virtio_region common, notify, isr, device;
    u32 notify_multiplier;
    unsigned pci_cfg_cap;       /* config offset of the PCI configuration access capability, or 0 */
    unsigned msix_cap;          /* config offset of the MSI-X capability, or 0 */
    unsigned msix_table_size;
    u64 msix_table, msix_pba;   /* mapped addresses */
};

/*
 * Finds the first virtio-blk function on bus 0 through conf1, checks its header through ECAM
 * when ecam_base != 0, sizes (and if needed assigns) its BARs, enables memory space and bus
 * mastering, and walks the capabilities. Prints its lines; 0 on failure (printed).
 * *ecam_result: 1 ecam ok, 0 ecam failed, -1 not tested.
 */
int virtio_pci_probe(struct virtio_pci *vp, u64 ecam_base, int *ecam_result);

/* Reads a BAR region through the PCI configuration access capability (§4.1.4.9). */
int virtio_pci_cfg_read32(const struct virtio_pci *vp, u8 bar, u32 offset, u32 *value);

/* MSI-X (PCI Local Bus 3.0 §6.8.2): entries 0..count-1 -> vectors VEC_MSIX_BASE + i, enabled. */
int msix_enable(struct virtio_pci *vp, unsigned count, u32 apic_id);
void msix_mask(const struct virtio_pci *vp, unsigned entry, int masked);
int msix_pending(const struct virtio_pci *vp, unsigned entry);

/* Common configuration helpers. */
u8 virtio_status(const struct virtio_pci *vp);
void virtio_set_status(const struct virtio_pci *vp, u8 status);
int virtio_reset(const struct virtio_pci *vp);
u64 virtio_device_features(const struct virtio_pci *vp);
/* Writes the driver features and sets FEATURES_OK; 0 if the device does not keep FEATURES_OK. */
int virtio_set_features(const struct virtio_pci *vp, u64 features);
u16 virtio_num_queues(const struct virtio_pci *vp);
u8 virtio_config_generation(const struct virtio_pci *vp);

struct virtio_queue_setup {
    u16 index, size;
    u64 desc, driver, device;   /* guest-physical addresses of the three ring areas */
    u16 msix_vector;
};
/* Selects the queue, returns its maximum size (0 = unavailable). */
u16 virtio_queue_max(const struct virtio_pci *vp, u16 index);
/* Programs and enables a queue (§4.1.5.1.3); *notify = its notification address. 0 on failure (printed). */
int virtio_queue_enable(const struct virtio_pci *vp, const struct virtio_queue_setup *q, u64 *notify);

#endif
