/*
 * Bringing a virtio-blk device up for one ring format (virtio 1.2 §3.1.1) and checking its
 * configuration space (§5.2.4) against the negotiated features.
 */
#include "cmdline.h"
#include "dma.h"
#include "io.h"
#include "virtio_blk.h"

/* §3.1.1 steps 1-8. Returns 0 (printed) if the device cannot be driven. */
int blk_initialize(struct blk_dev *b, int packed, unsigned nq)
{
    struct virtio_pci *vp = b->vp;
    if (!virtio_reset(vp))
        return 0;
    virtio_set_status(vp, VIRTIO_STATUS_ACKNOWLEDGE);
    virtio_set_status(vp, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    u64 offered = virtio_device_features(vp);
    u64 wanted = 1UL << VIRTIO_F_VERSION_1 | 1UL << VIRTIO_BLK_F_SIZE_MAX | 1UL << VIRTIO_BLK_F_SEG_MAX
               | 1UL << VIRTIO_BLK_F_RO | 1UL << VIRTIO_BLK_F_BLK_SIZE | 1UL << VIRTIO_BLK_F_FLUSH
               | 1UL << VIRTIO_BLK_F_TOPOLOGY | 1UL << VIRTIO_BLK_F_CONFIG_WCE | 1UL << VIRTIO_BLK_F_DISCARD
               | 1UL << VIRTIO_BLK_F_WRITE_ZEROES;
    if (nq > 1)
        wanted |= 1UL << VIRTIO_BLK_F_MQ;
    if (option_number("blk.event_idx", 1, 0, 1))
        wanted |= 1UL << VIRTIO_F_EVENT_IDX;
    if (option_number("blk.indirect", 1, 0, 1))
        wanted |= 1UL << VIRTIO_F_INDIRECT_DESC;
    if (packed)
        wanted |= 1UL << VIRTIO_F_RING_PACKED;
    u64 features = offered & wanted;
    u64 required = 1UL << VIRTIO_F_VERSION_1 | (packed ? 1UL << VIRTIO_F_RING_PACKED : 0)
                 | (nq > 1 ? 1UL << VIRTIO_BLK_F_MQ : 0);
    if ((offered & required) != required) {
        print("probe: blk init FAIL device features 0x%lx lack required 0x%lx (VERSION_1, RING_PACKED if packed, MQ if queues>1)\n",
              offered, required & ~offered);
        virtio_set_status(vp, VIRTIO_STATUS_FAILED);
        return 0;
    }
    if (!virtio_set_features(vp, features))
        return 0;
    b->features = features;
    print("probe: blk features device=0x%lx driver=0x%lx\n", offered, features);

    /* §4.1.5.1.2: the configuration change vector is entry 0, read back. */
    mmio_write16(vp->common.address + VCOMMON_MSIX, 0);
    u16 vector = mmio_read16(vp->common.address + VCOMMON_MSIX);
    if (vector != 0) {
        print("probe: blk init FAIL config msix vector reads back 0x%x\n", vector);
        return 0;
    }
    if (virtio_num_queues(vp) < nq) {
        print("probe: blk init FAIL device has %u queues, want %u\n", virtio_num_queues(vp), nq);
        return 0;
    }

    dma_reset();
    b->req_mem = dma_alloc(sizeof(struct blk_req_mem) * BLK_MAX_BATCH, 16);
    unsigned want_size = (unsigned)option_number("blk.qsize", 64, 2, VIRTQ_MAX_SIZE);
    for (unsigned i = 0; i < nq; i++) {
        u16 max = virtio_queue_max(vp, (u16)i);
        unsigned size = want_size < max ? want_size : max;
        if (!packed)                    /* §2.7: a split queue's size is a power of 2 */
            while (size & (size - 1))
                size &= size - 1;
        struct virtq *q = &b->queues[i];
        if (max == 0 || !virtq_init(q, (u16)i, (u16)size, packed, (features >> VIRTIO_F_EVENT_IDX) & 1,
                                    (features >> VIRTIO_F_INDIRECT_DESC) & 1) || !b->req_mem) {
            print("probe: blk init FAIL queue %u (max size %u): no ring memory\n", i, max);
            return 0;
        }
        struct virtio_queue_setup setup = { (u16)i, (u16)size, q->desc_addr, q->driver_addr, q->device_addr, (u16)(1 + i) };
        if (!virtio_queue_enable(vp, &setup, &q->notify))
            return 0;
        print("probe: blk queue %u size=%u max=%u vector=0x%x notify=0x%lx\n", i, size, max, VEC_MSIX_BASE + 1 + i, q->notify);
    }
    b->num_queues = nq;
    virtio_set_status(vp, virtio_status(vp) | VIRTIO_STATUS_DRIVER_OK);
    u8 status = virtio_status(vp);
    if (status & (VIRTIO_STATUS_NEEDS_RESET | VIRTIO_STATUS_FAILED) || !(status & VIRTIO_STATUS_DRIVER_OK)) {
        print("probe: blk init FAIL status 0x%x after DRIVER_OK\n", status);
        return 0;
    }
    return 1;
}

int blk_check_config(struct blk_dev *b, unsigned nq, u64 min_capacity)
{
    struct blk_config *c = &b->config;
    if (!blk_read_config(b->vp, c))
        return 0;
    print("probe: blk config capacity=%lu size_max=%u seg_max=%u blk_size=%u topology=%u/%u/%u/%u wce=%u num_queues=%u\n",
          c->capacity, c->size_max, c->seg_max, c->blk_size, c->physical_block_exp, c->alignment_offset,
          c->min_io_size, c->opt_io_size, c->writeback, c->num_queues);
    print("probe: blk config discard=%u/%u/%u write_zeroes=%u/%u/%u\n", c->max_discard_sectors, c->max_discard_seg,
          c->discard_sector_alignment, c->max_write_zeroes_sectors, c->max_write_zeroes_seg, c->write_zeroes_may_unmap);
    u64 f = b->features;
    /* §5.2.4: the region must reach the fields of every negotiated feature. */
    static const struct { unsigned bit; u32 end; const char *name; } fields[] = {
        { VIRTIO_BLK_F_SIZE_MAX, 0x0C, "SIZE_MAX" }, { VIRTIO_BLK_F_SEG_MAX, 0x10, "SEG_MAX" },
        { VIRTIO_BLK_F_BLK_SIZE, 0x18, "BLK_SIZE" }, { VIRTIO_BLK_F_TOPOLOGY, 0x20, "TOPOLOGY" },
        { VIRTIO_BLK_F_CONFIG_WCE, 0x21, "CONFIG_WCE" }, { VIRTIO_BLK_F_MQ, 0x24, "MQ" },
        { VIRTIO_BLK_F_DISCARD, 0x30, "DISCARD" }, { VIRTIO_BLK_F_WRITE_ZEROES, 0x39, "WRITE_ZEROES" },
    };
    for (unsigned i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        if ((f >> fields[i].bit & 1) && b->vp->device.length < fields[i].end) {
            print("probe: blk config FAIL region is 0x%x bytes, %s's fields end at 0x%x\n",
                  b->vp->device.length, fields[i].name, fields[i].end);
            return 0;
        }
    if (c->capacity < min_capacity) {
        print("probe: blk config FAIL capacity %lu sectors, the tests need %lu\n", c->capacity, min_capacity);
        return 0;
    }
    if ((f >> VIRTIO_BLK_F_MQ & 1) && c->num_queues < nq) {
        print("probe: blk config FAIL num_queues=%u, want %u\n", c->num_queues, nq);
        return 0;
    }
    if ((f >> VIRTIO_BLK_F_BLK_SIZE & 1) && (c->blk_size < 512 || c->blk_size > 4096 || (c->blk_size & (c->blk_size - 1)))) {
        print("probe: blk config FAIL blk_size=%u (the tests use 4 KiB-aligned requests)\n", c->blk_size);
        return 0;
    }
    if ((f >> VIRTIO_BLK_F_SEG_MAX & 1) && c->seg_max < 1) {
        print("probe: blk config FAIL seg_max=0\n");
        return 0;
    }
    if ((f >> VIRTIO_BLK_F_SIZE_MAX & 1) && c->size_max < 4096) {
        print("probe: blk config FAIL size_max=%u, the tests use segments up to 4096 bytes\n", c->size_max);
        return 0;
    }
    if ((f >> VIRTIO_BLK_F_DISCARD & 1) && (c->max_discard_sectors < BLK_ZERO_SECTORS || c->max_discard_seg < 1)) {
        print("probe: blk config FAIL discard limits %u sectors/%u segments too small\n", c->max_discard_sectors, c->max_discard_seg);
        return 0;
    }
    if ((f >> VIRTIO_BLK_F_WRITE_ZEROES & 1) && (c->max_write_zeroes_sectors < BLK_ZERO_SECTORS || c->max_write_zeroes_seg < 1)) {
        print("probe: blk config FAIL write_zeroes limits %u sectors/%u segments too small\n",
              c->max_write_zeroes_sectors, c->max_write_zeroes_seg);
        return 0;
    }
    return 1;
}

