/*
 * Modern virtio-pci transport, driver side (virtio 1.2 §4.1), at CPL3: PCI configuration through
 * conf1 (TSS I/O bitmap) and optionally ECAM, BARs, virtio and MSI-X capabilities, common
 * configuration accessors.
 */
#include "cmdline.h"
#include "io.h"
#include "paging.h"
#include "virtio_pci.h"

#define POLL_LIMIT (1UL << 24)

/* §4.1.2.1: modern 0x1042, or transitional 0x1001 with subsystem device ID 2 (block). */
static int is_virtio_blk(unsigned dev)
{
    u32 id = pci_read32(dev, PCI_VENDOR_ID);
    if ((id & 0xFFFF) != VIRTIO_VENDOR)
        return 0;
    u16 device = (u16)(id >> 16);
    if (device == VIRTIO_PCI_MODERN_BASE + VIRTIO_ID_BLOCK)
        return 1;
    return device == VIRTIO_PCI_TRANSITIONAL_BLK && pci_read16(dev, PCI_SUBSYSTEM_ID) == VIRTIO_ID_BLOCK;
}

/*
 * ECAM against conf1: the vendor/device dword of every device on bus 0, then the whole
 * 256-byte configuration header of the virtio device, must read the same both ways.
 */
static int ecam_compare(u64 ecam_base, unsigned blk_dev)
{
    if (!map_mmio(ecam_base, 32 << 15)) {
        print("probe: ecam FAIL base=0x%lx cannot be mapped\n", ecam_base);
        return 0;
    }
    for (unsigned dev = 0; dev < 32; dev++) {
        u32 conf1 = pci_read32(dev, PCI_VENDOR_ID);
        u32 ecam = mmio_read32(ecam_address(ecam_base, dev, PCI_VENDOR_ID));
        if (conf1 != ecam) {
            print("probe: ecam FAIL base=0x%lx dev=00:%x.0 reg=0x0 conf1=0x%x ecam=0x%x\n", ecam_base, dev, conf1, ecam);
            return 0;
        }
    }
    for (unsigned reg = 0; reg < 256; reg += 4) {
        u32 conf1 = pci_read32(blk_dev, reg);
        u32 ecam = mmio_read32(ecam_address(ecam_base, blk_dev, reg));
        if (conf1 != ecam) {
            print("probe: ecam FAIL base=0x%lx dev=00:%x.0 reg=0x%x conf1=0x%x ecam=0x%x\n", ecam_base, blk_dev, reg, conf1, ecam);
            return 0;
        }
    }
    /* A write through ECAM is seen through conf1: the interrupt line register (read/write, no effect). */
    u8 line = pci_read8(blk_dev, 0x3C);
    mmio_write8(ecam_address(ecam_base, blk_dev, 0x3C), (u8)(line ^ 0x5A));
    u8 seen = pci_read8(blk_dev, 0x3C);
    pci_write8(blk_dev, 0x3C, line);
    if (seen != (u8)(line ^ 0x5A)) {
        print("probe: ecam FAIL write of interrupt line 0x%x through ECAM, conf1 reads 0x%x\n", line ^ 0x5A, seen);
        return 0;
    }
    print("probe: ecam ok base=0x%lx dev=00:%x.0 dwords=64\n", ecam_base, blk_dev);
    return 1;
}

/*
 * Sizes each memory BAR (PCI Local Bus 3.0 §6.2.5.1: write all ones, read the mask back) with
 * decoding off, and assigns the unassigned ones, naturally aligned, from `next` up.
 */
static int setup_bars(struct virtio_pci *vp, u64 next)
{
    unsigned dev = vp->dev;
    u16 command = pci_read16(dev, PCI_COMMAND);
    pci_write16(dev, PCI_COMMAND, (u16)(command & ~(PCI_COMMAND_MEMORY | 1)));
    for (unsigned i = 0; i < PCI_BAR_COUNT; i++) {
        unsigned reg = PCI_BAR0 + 4 * i;
        u32 low = pci_read32(dev, reg);
        if (low & PCI_BAR_IO)
            continue;
        int is64 = (low & PCI_BAR_TYPE_MASK) == PCI_BAR_TYPE_64;
        if (is64 && i == PCI_BAR_COUNT - 1) {
            print("probe: virtio FAIL bar%u claims 64 bits but is the last BAR\n", i);
            return 0;
        }
        u32 high = is64 ? pci_read32(dev, reg + 4) : 0;
        pci_write32(dev, reg, 0xFFFFFFFF);
        u64 mask = pci_read32(dev, reg) & ~0xFUL;
        pci_write32(dev, reg, low);
        if (is64) {
            pci_write32(dev, reg + 4, 0xFFFFFFFF);
            mask |= (u64)pci_read32(dev, reg + 4) << 32;
            pci_write32(dev, reg + 4, high);
        } else if (mask) {
            mask |= 0xFFFFFFFF00000000UL;
        }
        u64 size = mask ? ~mask + 1 : 0;
        u64 base = ((u64)high << 32 | low) & ~0xFUL;
        if (size != 0 && base == 0) {
            base = (next + size - 1) & ~(size - 1);
            next = base + size;
            pci_write32(dev, reg, (u32)base | (low & 0xF));
            if (is64)
                pci_write32(dev, reg + 4, (u32)(base >> 32));
            print("probe: virtio bar%u was unassigned, assigned 0x%lx\n", i, base);
        }
        if (size != 0) {
            vp->bar[i] = base;
            vp->bar_size[i] = size;
            print("probe: virtio bar%u=0x%lx size=0x%lx %s%s\n", i, base, size,
                  is64 ? "64-bit" : "32-bit", (low & PCI_BAR_PREFETCH) ? " prefetchable" : "");
            if (!map_mmio(base, size)) {
                print("probe: virtio FAIL bar%u at 0x%lx cannot be mapped (out of spare page tables)\n", i, base);
                return 0;
            }
        }
        if (is64)
            i++;
    }
    /* Memory space for the BARs, bus master for ring DMA and MSI-X writes (§4.1.5.1). */
    pci_write16(dev, PCI_COMMAND, (u16)(command | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER));
    return 1;
}

/* Validates a virtio capability's BAR, offset and length against the BAR sizes (§4.1.4). */
static int take_region(struct virtio_pci *vp, struct virtio_region *r, unsigned cap, const char *name)
{
    u8 bar = pci_read8(vp->dev, cap + 4);
    u32 offset = pci_read32(vp->dev, cap + 8);
    u32 length = pci_read32(vp->dev, cap + 12);
    if (bar >= PCI_BAR_COUNT || vp->bar_size[bar] == 0 || (u64)offset + length > vp->bar_size[bar]) {
        print("probe: virtio FAIL %s capability at 0x%x: bar=%u offset=0x%x length=0x%x outside the BAR (size 0x%lx)\n",
              name, cap, bar, offset, length, bar < PCI_BAR_COUNT ? vp->bar_size[bar] : 0);
        return 0;
    }
    *r = (struct virtio_region){ 1, bar, offset, length, vp->bar[bar] + offset };
    return 1;
}

/* Resolves a table/PBA pointer of the MSI-X capability: BIR in bits 2:0, offset above. */
static u64 msix_pointer(struct virtio_pci *vp, u32 value, u64 bytes, const char *name)
{
    unsigned bir = value & 7;
    u64 offset = value & ~7u;
    if (bir >= PCI_BAR_COUNT || vp->bar_size[bir] == 0 || offset + bytes > vp->bar_size[bir]) {
        print("probe: virtio FAIL msix %s bir=%u offset=0x%lx outside the BAR\n", name, bir, offset);
        return 0;
    }
    return vp->bar[bir] + offset;
}

/* Walks the capability list (PCI Local Bus 3.0 §6.7): the first of each virtio type, and MSI-X. */
static int walk_capabilities(struct virtio_pci *vp)
{
    if (!(pci_read16(vp->dev, PCI_STATUS) & PCI_STATUS_CAP_LIST)) {
        print("probe: virtio FAIL no capability list\n");
        return 0;
    }
    unsigned cap = pci_read8(vp->dev, PCI_CAPABILITIES) & 0xFC;
    for (int n = 0; n < 48 && cap >= 0x40; n++) {
        u8 id = pci_read8(vp->dev, cap);
        if (id == PCI_CAP_ID_VENDOR) {
            u8 type = pci_read8(vp->dev, cap + 3);
            int ok = 1;
            if (type == VIRTIO_PCI_CAP_COMMON && !vp->common.present)
                ok = take_region(vp, &vp->common, cap, "common");
            else if (type == VIRTIO_PCI_CAP_NOTIFY && !vp->notify.present) {
                ok = take_region(vp, &vp->notify, cap, "notify");
                vp->notify_multiplier = pci_read32(vp->dev, cap + 16);
            } else if (type == VIRTIO_PCI_CAP_ISR && !vp->isr.present)
                ok = take_region(vp, &vp->isr, cap, "isr");
            else if (type == VIRTIO_PCI_CAP_DEVICE && !vp->device.present)
                ok = take_region(vp, &vp->device, cap, "device");
            else if (type == VIRTIO_PCI_CAP_PCI_CFG && !vp->pci_cfg_cap)
                vp->pci_cfg_cap = cap;
            if (!ok)
                return 0;
        } else if (id == PCI_CAP_ID_MSIX && !vp->msix_cap) {
            vp->msix_cap = cap;
            vp->msix_table_size = (pci_read16(vp->dev, cap + 2) & 0x7FF) + 1;
            vp->msix_table = msix_pointer(vp, pci_read32(vp->dev, cap + 4), vp->msix_table_size * 16UL, "table");
            vp->msix_pba = msix_pointer(vp, pci_read32(vp->dev, cap + 8), (vp->msix_table_size + 63) / 64 * 8, "pba");
            if (!vp->msix_table || !vp->msix_pba)
                return 0;
        }
        cap = pci_read8(vp->dev, cap + 1) & 0xFC;
    }
    print("probe: virtio caps common=%u:0x%x notify=%u:0x%x mult=%u isr=%u:0x%x device=%u:0x%x pcicfg=0x%x msix=%u\n",
          vp->common.bar, vp->common.offset, vp->notify.bar, vp->notify.offset, vp->notify_multiplier,
          vp->isr.bar, vp->isr.offset, vp->device.bar, vp->device.offset, vp->pci_cfg_cap,
          vp->msix_cap ? vp->msix_table_size : 0);
    if (!vp->common.present || !vp->notify.present || !vp->isr.present || !vp->device.present || !vp->msix_cap) {
        print("probe: virtio FAIL missing capability: common=%d notify=%d isr=%d device=%d msix=%d\n",
              vp->common.present, vp->notify.present, vp->isr.present, vp->device.present, vp->msix_cap != 0);
        return 0;
    }
    return 1;
}

int virtio_pci_probe(struct virtio_pci *vp, u64 ecam_base, int *ecam_result)
{
    *vp = (struct virtio_pci){ 0 };
    *ecam_result = -1;
    int found = -1;
    for (unsigned dev = 0; dev < 32 && found < 0; dev++)
        if (is_virtio_blk(dev))
            found = (int)dev;
    if (found < 0) {
        print("probe: virtio FAIL no virtio-blk device (1af4:1042, or 1af4:1001 subsystem 2) on bus 0\n");
        return 0;
    }
    vp->dev = (unsigned)found;
    print("probe: virtio-blk pci=00:%x.0 id=1af4:%x\n", vp->dev, pci_read16(vp->dev, PCI_DEVICE_ID));
    if (ecam_base)
        *ecam_result = ecam_compare(ecam_base, vp->dev);
    u64 bar_window = option_number("blk.barbase", 0xD0000000UL, 0x1000, 0xFFFFFFFFFFFFUL);
    if (option_flag("blk.unassign")) {
        /* Test aid: forget the firmware's/VMM's BAR assignment so setup_bars assigns them. */
        pci_write16(vp->dev, PCI_COMMAND, (u16)(pci_read16(vp->dev, PCI_COMMAND) & ~PCI_COMMAND_MEMORY));
        for (unsigned i = 0; i < PCI_BAR_COUNT; i++)
            if (!(pci_read32(vp->dev, PCI_BAR0 + 4 * i) & PCI_BAR_IO))
                pci_write32(vp->dev, PCI_BAR0 + 4 * i, 0);
        print("probe: virtio BARs cleared (blk.unassign)\n");
    }
    return setup_bars(vp, bar_window) && walk_capabilities(vp);
}

/* §4.1.4.9: bar, offset and length in the capability select the window pci_cfg_data opens. */
int virtio_pci_cfg_read32(const struct virtio_pci *vp, u8 bar, u32 offset, u32 *value)
{
    if (!vp->pci_cfg_cap)
        return 0;
    pci_write8(vp->dev, vp->pci_cfg_cap + 4, bar);
    pci_write32(vp->dev, vp->pci_cfg_cap + 8, offset);
    pci_write32(vp->dev, vp->pci_cfg_cap + 12, 4);
    *value = pci_read32(vp->dev, vp->pci_cfg_cap + 16);
    return 1;
}

/* MSI-X message control (PCI Local Bus 3.0 §6.8.2.3): bit 15 enable, bit 14 function mask. */
#define MSIX_CONTROL_ENABLE  0x8000
#define MSIX_CONTROL_MASKALL 0x4000

int msix_enable(struct virtio_pci *vp, unsigned count, u32 apic_id)
{
    if (count > vp->msix_table_size || count > MSIX_VECTORS) {
        print("probe: msix FAIL need %u vectors, table has %u (probe handles %u)\n", count, vp->msix_table_size, MSIX_VECTORS);
        return 0;
    }
    unsigned control = vp->msix_cap + 2;
    u16 c = pci_read16(vp->dev, control);
    pci_write16(vp->dev, control, c | MSIX_CONTROL_ENABLE | MSIX_CONTROL_MASKALL);
    /* Table entry (§6.8.2.6-9): address low, high, data, vector control (bit 0 = masked). */
    for (unsigned i = 0; i < count; i++) {
        u64 e = vp->msix_table + 16UL * i;
        mmio_write32(e + 0, LAPIC_BASE | (apic_id & 0xFF) << 12);
        mmio_write32(e + 4, 0);
        mmio_write32(e + 8, VEC_MSIX_BASE + i);     /* fixed delivery, edge */
        mmio_write32(e + 12, 0);
    }
    pci_write16(vp->dev, control, (c | MSIX_CONTROL_ENABLE) & ~MSIX_CONTROL_MASKALL);
    u16 now = pci_read16(vp->dev, control);
    for (unsigned i = 0; i < count; i++) {
        u64 e = vp->msix_table + 16UL * i;
        u32 data = mmio_read32(e + 8), vc = mmio_read32(e + 12);
        if (data != VEC_MSIX_BASE + i || (vc & 1)) {
            print("probe: msix FAIL entry %u reads data=0x%x control=0x%x\n", i, data, vc);
            return 0;
        }
    }
    if ((now & (MSIX_CONTROL_ENABLE | MSIX_CONTROL_MASKALL)) != MSIX_CONTROL_ENABLE) {
        print("probe: msix FAIL message control reads 0x%x after enabling\n", now);
        return 0;
    }
    print("probe: msix ok entries=%u vectors=0x%x-0x%x\n", count, VEC_MSIX_BASE, VEC_MSIX_BASE + count - 1);
    return 1;
}

void msix_mask(const struct virtio_pci *vp, unsigned entry, int masked)
{
    mmio_write32(vp->msix_table + 16UL * entry + 12, masked ? 1 : 0);
}

/* Pending bit array (§6.8.2.10): one bit per entry. */
int msix_pending(const struct virtio_pci *vp, unsigned entry)
{
    return (mmio_read32(vp->msix_pba + (entry / 32) * 4) >> (entry % 32)) & 1;
}

u8 virtio_status(const struct virtio_pci *vp) { return mmio_read8(vp->common.address + VCOMMON_STATUS); }
void virtio_set_status(const struct virtio_pci *vp, u8 s) { mmio_write8(vp->common.address + VCOMMON_STATUS, s); }
u16 virtio_num_queues(const struct virtio_pci *vp) { return mmio_read16(vp->common.address + VCOMMON_NUMQ); }
u8 virtio_config_generation(const struct virtio_pci *vp) { return mmio_read8(vp->common.address + VCOMMON_CFGGENERATION); }

/* §4.1.4.3.2: after writing 0 the driver waits until device_status reads 0. */
int virtio_reset(const struct virtio_pci *vp)
{
    virtio_set_status(vp, 0);
    for (u64 i = 0; i < POLL_LIMIT; i++) {
        u8 s = virtio_status(vp);
        if (s == 0)
            return 1;
        cpu_relax();
    }
    print("probe: virtio FAIL reset: status still 0x%x\n", virtio_status(vp));
    return 0;
}

u64 virtio_device_features(const struct virtio_pci *vp)
{
    u64 c = vp->common.address;
    mmio_write32(c + VCOMMON_DFSELECT, 0);
    u64 low = mmio_read32(c + VCOMMON_DF);
    mmio_write32(c + VCOMMON_DFSELECT, 1);
    return low | (u64)mmio_read32(c + VCOMMON_DF) << 32;
}

/* §3.1.1 steps 5-6: write the subset, set FEATURES_OK, re-read that it stayed set. */
int virtio_set_features(const struct virtio_pci *vp, u64 features)
{
    u64 c = vp->common.address;
    mmio_write32(c + VCOMMON_GFSELECT, 0);
    mmio_write32(c + VCOMMON_GF, (u32)features);
    mmio_write32(c + VCOMMON_GFSELECT, 1);
    mmio_write32(c + VCOMMON_GF, (u32)(features >> 32));
    virtio_set_status(vp, virtio_status(vp) | VIRTIO_STATUS_FEATURES_OK);
    u8 s = virtio_status(vp);
    if (!(s & VIRTIO_STATUS_FEATURES_OK)) {
        print("probe: virtio FAIL device refused features 0x%lx (status 0x%x)\n", features, s);
        return 0;
    }
    return 1;
}

u16 virtio_queue_max(const struct virtio_pci *vp, u16 index)
{
    mmio_write16(vp->common.address + VCOMMON_Q_SELECT, index);
    return mmio_read16(vp->common.address + VCOMMON_Q_SIZE);
}

/* §4.1.5.1.3 virtqueue configuration, §4.1.5.1.2 MSI-X vector (read back: NO_VECTOR = refused). */
int virtio_queue_enable(const struct virtio_pci *vp, const struct virtio_queue_setup *q, u64 *notify)
{
    u64 c = vp->common.address;
    mmio_write16(c + VCOMMON_Q_SELECT, q->index);
    if (mmio_read16(c + VCOMMON_Q_ENABLE) != 0) {
        print("probe: virtio FAIL queue %u enabled before setup (after reset)\n", q->index);
        return 0;
    }
    mmio_write16(c + VCOMMON_Q_SIZE, q->size);
    mmio_write16(c + VCOMMON_Q_MSIX, q->msix_vector);
    u16 vector = mmio_read16(c + VCOMMON_Q_MSIX);
    if (vector != q->msix_vector) {
        print("probe: virtio FAIL queue %u msix vector %u reads back 0x%x%s\n", q->index, q->msix_vector, vector,
              vector == VIRTIO_MSI_NO_VECTOR ? " (NO_VECTOR: refused)" : "");
        return 0;
    }
    mmio_write64(c + VCOMMON_Q_DESC, q->desc);
    mmio_write64(c + VCOMMON_Q_DRIVER, q->driver);
    mmio_write64(c + VCOMMON_Q_DEVICE, q->device);
    /* §4.1.4.4: notify address = cap offset + queue_notify_off * notify_off_multiplier. */
    u64 off = (u64)mmio_read16(c + VCOMMON_Q_NOFF) * vp->notify_multiplier;
    if (off + 2 > vp->notify.length) {
        print("probe: virtio FAIL queue %u notify offset 0x%lx beyond notify region length 0x%x\n", q->index, off, vp->notify.length);
        return 0;
    }
    *notify = vp->notify.address + off;
    mmio_write16(c + VCOMMON_Q_ENABLE, 1);
    if (mmio_read16(c + VCOMMON_Q_ENABLE) != 1 || mmio_read16(c + VCOMMON_Q_SIZE) != q->size) {
        print("probe: virtio FAIL queue %u: enable/size do not read back\n", q->index);
        return 0;
    }
    return 1;
}
