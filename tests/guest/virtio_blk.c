/*
 * virtio-blk requests (virtio 1.2 §5.2.6): header (device-readable), data, status byte
 * (device-writable), completed through the queue's MSI-X vector.
 */
#include "io.h"
#include "virtio_blk.h"

#define WAIT_TSC (1UL << 33)        /* a few seconds: every wait for the device is bounded */

/* §4.1.4.3: re-read until config_generation is the same before and after. */
int blk_read_config(const struct virtio_pci *vp, struct blk_config *c)
{
    u64 d = vp->device.address;
    if (vp->device.length < 0x39) {
        print("probe: blk FAIL device configuration region is 0x%x bytes, want 0x39\n", vp->device.length);
        return 0;
    }
    for (int attempt = 0; attempt < 100; attempt++) {
        u8 generation = virtio_config_generation(vp);
        c->capacity = mmio_read64(d + 0x00);
        c->size_max = mmio_read32(d + 0x08);
        c->seg_max = mmio_read32(d + 0x0C);
        c->blk_size = mmio_read32(d + 0x14);
        c->physical_block_exp = mmio_read8(d + 0x18);
        c->alignment_offset = mmio_read8(d + 0x19);
        c->min_io_size = mmio_read16(d + 0x1A);
        c->opt_io_size = mmio_read32(d + 0x1C);
        c->writeback = mmio_read8(d + 0x20);
        c->num_queues = mmio_read16(d + 0x22);
        c->max_discard_sectors = mmio_read32(d + 0x24);
        c->max_discard_seg = mmio_read32(d + 0x28);
        c->discard_sector_alignment = mmio_read32(d + 0x2C);
        c->max_write_zeroes_sectors = mmio_read32(d + 0x30);
        c->max_write_zeroes_seg = mmio_read32(d + 0x34);
        c->write_zeroes_may_unmap = mmio_read8(d + 0x38);
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
