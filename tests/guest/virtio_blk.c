/*
 * virtio-blk requests (virtio 1.2 §5.2.6): header (device-readable), data, status byte
 * (device-writable), completed through the queue's MSI-X vector.
 */
#include "io.h"
#include "virtio_blk.h"

#define WAIT_TSC (1UL << 33)        /* a few seconds: every wait for the device is bounded */

/* A field of the device configuration, or 0 where the region is shorter than the field's end. */
static u64 field(const struct virtio_pci *vp, u32 offset, unsigned bytes)
{
    u64 a = vp->device.address + offset;
    if (offset + bytes > vp->device.length)
        return 0;
    switch (bytes) {
    case 1: return mmio_read8(a);
    case 2: return mmio_read16(a);
    case 4: return mmio_read32(a);
    default: return mmio_read64(a);     /* two 32-bit reads, low first (§4.1.3.1) */
    }
}

/* §4.1.4.3: re-read until config_generation is the same before and after. */
int blk_read_config(const struct virtio_pci *vp, struct blk_config *c)
{
    if (vp->device.length < 8) {
        print("probe: blk FAIL device configuration region is %u bytes, capacity needs 8\n", vp->device.length);
        return 0;
    }
    for (int attempt = 0; attempt < 100; attempt++) {
        u8 generation = virtio_config_generation(vp);
        c->capacity = field(vp, 0x00, 8);
        c->size_max = (u32)field(vp, 0x08, 4);
        c->seg_max = (u32)field(vp, 0x0C, 4);
        c->blk_size = (u32)field(vp, 0x14, 4);
        c->physical_block_exp = (u8)field(vp, 0x18, 1);
        c->alignment_offset = (u8)field(vp, 0x19, 1);
        c->min_io_size = (u16)field(vp, 0x1A, 2);
        c->opt_io_size = (u32)field(vp, 0x1C, 4);
        c->writeback = (u8)field(vp, 0x20, 1);
        c->num_queues = (u16)field(vp, 0x22, 2);
        c->max_discard_sectors = (u32)field(vp, 0x24, 4);
        c->max_discard_seg = (u32)field(vp, 0x28, 4);
        c->discard_sector_alignment = (u32)field(vp, 0x2C, 4);
        c->max_write_zeroes_sectors = (u32)field(vp, 0x30, 4);
        c->max_write_zeroes_seg = (u32)field(vp, 0x34, 4);
        c->write_zeroes_may_unmap = (u8)field(vp, 0x38, 1);
        if (virtio_config_generation(vp) == generation)
            return 1;
    }
    print("probe: blk FAIL config_generation kept changing\n");
    return 0;
}

int blk_wait_interrupt(unsigned entry, u64 before, u64 tsc_limit)
{
    u64 start = rdtsc();
    for (u64 polls = 0; polls < (1UL << 32); polls++) {
        if (msix_count[entry] != before)
            return 1;
        if (rdtsc() - start > tsc_limit)
            break;
        cpu_relax();
    }
    return msix_count[entry] != before;
}

static int add(struct blk_dev *b, struct virtq *q, struct blk_io *io, struct blk_req_mem *m)
{
    struct vq_seg segs[VIRTQ_MAX_SEGMENTS];
    m->type = io->type;
    m->reserved = 0;
    m->sector = io->sector;
    m->status = 0xEE;                   /* not a status the device may write */
    segs[0] = (struct vq_seg){ (u64)m, 16, 0 };
    for (unsigned i = 0; i < io->ndata; i++)
        segs[1 + i] = io->data[i];
    segs[1 + io->ndata] = (struct vq_seg){ (u64)&m->status, 1, 1 };
    (void)b;
    return virtq_add(q, segs, io->ndata + 2, io->indirect, io);
}

/* Takes every used buffer off the ring; returns how many. */
static unsigned harvest(struct blk_dev *b, struct virtq *q, struct blk_io *io, unsigned n)
{
    unsigned count = 0;
    u32 len;
    struct blk_io *r;
    while ((r = virtq_get(q, &len)) != 0) {
        if (r < io || r >= io + n || r->done) {
            print("probe: blk FAIL queue %u returned a buffer twice or one never added\n", q->index);
            q->errors++;
            continue;
        }
        struct blk_req_mem *m = &b->req_mem[r - io];
        r->done = 1;
        r->status = m->status;
        r->written = len;
        count++;
    }
    return count;
}

int blk_execute(struct blk_dev *b, unsigned qi, struct blk_io *io, unsigned n)
{
    struct virtq *q = &b->queues[qi];
    unsigned entry = 1 + qi;            /* MSI-X table entry of this queue (0 = config) */
    unsigned submitted = 0, completed = 0, in_flight = 0;
    if (n > BLK_MAX_BATCH || io[0].ndata > VIRTQ_MAX_SEGMENTS - 2)
        return 0;
    for (unsigned i = 0; i < n; i++)
        io[i].done = 0;
    u32 errors_before = q->errors;

    while (completed < n) {
        int added = 0;
        while (submitted < n && add(b, q, &io[submitted], &b->req_mem[submitted])) {
            submitted++;
            in_flight++;
            added = 1;
        }
        if (in_flight > b->max_in_flight)
            b->max_in_flight = in_flight;
        if (in_flight == 0) {
            print("probe: blk FAIL queue %u: request %u does not fit an empty ring\n", qi, submitted);
            return 0;
        }
        if (added)
            virtq_kick(q);

        u64 before = msix_count[entry];
        unsigned got = harvest(b, q, io, n);
        if (got == 0 && !virtq_arm(q)) {
            if (!blk_wait_interrupt(entry, before, WAIT_TSC)) {
                /* Polling fallback: the request may have completed without its interrupt. */
                got = harvest(b, q, io, n);
                if (got == 0) {
                    print("probe: blk FAIL queue %u: %u of %u requests still in flight after the wait (no interrupt)\n",
                          qi, in_flight, n);
                    return 0;
                }
                print("probe: blk FAIL queue %u: %u completion(s) without an MSI-X interrupt (vector 0x%x)\n",
                      qi, got, VEC_MSIX_BASE + entry);
                b->interrupts_missed++;
            }
        }
        got += harvest(b, q, io, n);
        completed += got;
        in_flight -= got;
        if (q->errors != errors_before)
            return 0;
    }
    return 1;
}
